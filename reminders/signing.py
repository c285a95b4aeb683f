"""Signed, expiring tokens for the digest's password-less links.

Only two actions ride on a token — "done" and "snooze a week" on one reminder —
and they expire after ACTION_MAX_AGE. The unsubscribe token is long-lived (a
List-Unsubscribe header must keep working in old mail) and can only turn the
digest off. Each kind has its own salt, so one kind of token is never accepted
as another. Tokens carry ids only; the views check the reminder still belongs
to the user named in the token.
"""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.utils.encoding import force_bytes

ACTION_SALT = "keepwarm.digest.action"
UNSUBSCRIBE_SALT = "keepwarm.digest.unsubscribe"
ACTION_MAX_AGE = timedelta(days=14)
ACTIONS = ("done", "snooze")
_ID = re.compile(r"[0-9]{1,18}")


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


class _SignerAt(signing.TimestampSigner):
    """A TimestampSigner whose timestamp is `at` instead of the clock (None = now).

    Lets a caller sign "as of" a time: the tests make expired tokens this way
    instead of sleeping.
    """

    def __init__(self, *, at: datetime | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._at = at

    def timestamp(self) -> str:
        if self._at is None:
            return super().timestamp()
        return signing.b62_encode(int(self._at.timestamp()))


def action_token_make(*, user_id: int, reminder_id: int, action: str, at: datetime | None = None) -> str:
    """A URL-safe token allowing `action` ("done" or "snooze") on one reminder."""
    return ActionSigner(at=at).make(user_id=user_id, reminder_id=reminder_id, action=action)


class ActionSigner:
    """Makes many action tokens with one signer (a digest batch signs thousands).

    The tokens are exactly Django's TimestampSigner(salt=ACTION_SALT) tokens
    ("value:timestamp:signature", HMAC-SHA256 under a key derived from the salt and
    SECRET_KEY, read back by `action_token_read` with Django's own signer); the key
    derivation and the HMAC's keyed state are computed once per signer instead of
    once per token.
    """

    def __init__(self, *, at: datetime | None = None) -> None:
        signer = _SignerAt(salt=ACTION_SALT, at=at)
        self._timestamp = signer.timestamp
        self._sep = signer.sep
        if signer.algorithm not in (
            "sha256",
            "sha1",
            "sha512",
        ):  # not one this shortcut knows: Django's own path
            self._hmac = None
            self._signer = signer
            return
        hasher = getattr(hashlib, signer.algorithm)
        key = hasher(force_bytes(signer.salt + "signer") + force_bytes(signer.key)).digest()
        self._hmac = hmac.new(key, digestmod=hasher)

    def make(self, *, user_id: int, reminder_id: int, action: str) -> str:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        # "user.reminder.action" signed as is: shorter links than a JSON object,
        # and cheaper (a digest batch signs thousands).
        value = f"{user_id}.{reminder_id}.{action}"
        if self._hmac is None:
            return self._signer.sign(value)
        value = f"{value}{self._sep}{self._timestamp()}"
        mac = self._hmac.copy()
        mac.update(value.encode())
        return f"{value}{self._sep}{base64.urlsafe_b64encode(mac.digest()).rstrip(b'=').decode()}"


def action_token_read(token: str, *, max_age: timedelta = ACTION_MAX_AGE) -> ActionToken:
    """The action a token allows, or BadToken (tampered, malformed or older than `max_age`)."""
    try:
        value = signing.TimestampSigner(salt=ACTION_SALT).unsign(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise BadToken("Links in a digest work for 14 days, and this one is older.", expired=True) from exc
    except (signing.BadSignature, ValueError) as exc:
        raise BadToken("It was changed or cut short on its way here.") from exc
    user_id, _, rest = value.partition(".")
    reminder_id, _, action = rest.partition(".")
    if not (_ID.fullmatch(user_id) and _ID.fullmatch(reminder_id) and action in ACTIONS):
        raise BadToken("It was changed or cut short on its way here.")
    return ActionToken(user_id=int(user_id), reminder_id=int(reminder_id), action=action)


def unsubscribe_token_make(*, user_id: int) -> str:
    """A long-lived token that can only turn off this user's digest."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(user_id))


def unsubscribe_token_read(token: str) -> int:
    """The user id an unsubscribe token is for, or BadToken."""
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except (signing.BadSignature, ValueError) as exc:
        raise BadToken("It was changed or cut short on its way here.") from exc
    if not _ID.fullmatch(value):
        raise BadToken("It was changed or cut short on its way here.")
    return int(value)
