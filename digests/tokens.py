"""Signed tokens for the digest's password-less links: Django's signers, nothing else.

Only two actions ride on a token — "done" and "snooze a week" on one reminder —
signed with TimestampSigner(salt=ACTION_SALT) as the value "user.reminder.action"
and expiring after ACTION_MAX_AGE. The unsubscribe token (Signer, its own salt) is
long-lived, since a List-Unsubscribe header must keep working in old mail, and can
only turn the digest off. Each kind has its own salt, so one is never accepted as
the other. Tokens carry ids only; the services check the reminder still belongs to
the user named in the token.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing

ACTION_SALT = "keepwarm.digest.action"
UNSUBSCRIBE_SALT = "keepwarm.digest.unsubscribe"
ACTION_MAX_AGE = timedelta(days=14)
ACTIONS = ("done", "snooze")
_ID = re.compile(r"[0-9]{1,18}")
_TAMPERED = "It was changed or cut short on its way here."


class BadToken(Exception):
    """The token was tampered with, is for something else, or has expired."""

    def __init__(self, reason: str, *, expired: bool = False) -> None:
        super().__init__(reason)
        self.expired = expired


@dataclass(frozen=True)
class ActionToken:
    user_id: int
    reminder_id: int
    action: str


class SignedAt(signing.TimestampSigner):
    """A TimestampSigner that dates its tokens `at` instead of now: how the tests
    make an expired link without sleeping."""

    def __init__(self, *, at: datetime, **kwargs) -> None:
        super().__init__(**kwargs)
        self._at = at

    def timestamp(self) -> str:
        return signing.b62_encode(int(self._at.timestamp()))


def action_signer(*, at: datetime | None = None) -> signing.TimestampSigner:
    """The signer for action tokens (one per digest batch); `at` dates them (tests)."""
    if at is None:
        return signing.TimestampSigner(salt=ACTION_SALT)
    return SignedAt(salt=ACTION_SALT, at=at)


def action_token_make(
    *, user_id: int, reminder_id: int, action: str, signer: signing.TimestampSigner | None = None
) -> str:
    """A URL-safe token allowing `action` ("done" or "snooze") on one reminder."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    # "user.reminder.action" signed as is: shorter links than a JSON object.
    return (signer or action_signer()).sign(f"{user_id}.{reminder_id}.{action}")


def action_token_read(token: str, *, max_age: timedelta = ACTION_MAX_AGE) -> ActionToken:
    """The action a token allows, or BadToken (tampered, malformed or older than `max_age`)."""
    try:
        value = signing.TimestampSigner(salt=ACTION_SALT).unsign(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise BadToken("Links in a digest work for 14 days, and this one is older.", expired=True) from exc
    except (signing.BadSignature, ValueError) as exc:
        raise BadToken(_TAMPERED) from exc
    user_id, _, rest = value.partition(".")
    reminder_id, _, action = rest.partition(".")
    if not (_ID.fullmatch(user_id) and _ID.fullmatch(reminder_id) and action in ACTIONS):
        raise BadToken(_TAMPERED)
    return ActionToken(user_id=int(user_id), reminder_id=int(reminder_id), action=action)


def unsubscribe_token_make(*, user_id: int) -> str:
    """A long-lived token that can only turn off this user's digest."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(user_id))


def unsubscribe_token_read(token: str) -> int:
    """The user id an unsubscribe token is for, or BadToken."""
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except (signing.BadSignature, ValueError) as exc:
        raise BadToken(_TAMPERED) from exc
    if not _ID.fullmatch(value):
        raise BadToken(_TAMPERED)
    return int(value)
