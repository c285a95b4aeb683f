"""Secrets at rest (a mailbox's app password): `encrypt(plain) -> token`, `decrypt(token) -> plain`.

Library: `cryptography`'s Fernet (AES-128-CBC with an HMAC-SHA256 tag over a random IV and a
timestamp). Chosen because it is the maintained, audited recipe for exactly this job — a
small secret a server must read back — with authentication built in (a tampered or foreign
token is refused, never decrypted into garbage) and key rotation (`MultiFernet`) in the box.

The key: `KEEPWARM_SECRETS_KEY`, one Fernet key (32 random bytes, url-safe base64), made with

    python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"

Rotation: put the new key first and keep the old ones after it, comma-separated
(`KEEPWARM_SECRETS_KEY=new,old`). New tokens use the first key; every key listed still
decrypts; `manage.py rotate_secrets` re-encrypts the stored passwords under the first
key (`rotate(token)`), after which the old key can be dropped.

Without the variable the key is derived from `SECRET_KEY` (HKDF-SHA256, its own `info`
label, so the derived key is not the signing key) and a warning is logged: it works, but
rotating `SECRET_KEY` then makes every stored password unreadable (each mailbox shows
"cannot decrypt" until its password is typed again), and whoever holds `SECRET_KEY` holds
the passwords too. Production sets `KEEPWARM_SECRETS_KEY`.
"""

import base64
import functools
import logging
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

ENV_NAME = "KEEPWARM_SECRETS_KEY"
_HKDF_INFO = b"keepwarm sources secrets v1"


class SecretError(Exception):
    """A stored secret cannot be read back (wrong key, or not a token of ours)."""


def derived_key(secret_key: str) -> bytes:
    """The Fernet key derived from SECRET_KEY (the fallback; see the module docstring)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(secret_key.encode())
    return base64.urlsafe_b64encode(raw)


@functools.lru_cache(maxsize=4)
def _fernet(keys_text: str, secret_key: str) -> MultiFernet:
    """Built once per configuration (so the fallback's warning is logged once per process)."""
    if not keys_text.strip():
        logger.warning(
            "%s is not set: mailbox passwords are encrypted with a key derived from SECRET_KEY "
            "(changing SECRET_KEY will make them unreadable). Set %s to a Fernet key.",
            ENV_NAME,
            ENV_NAME,
        )
        return MultiFernet([Fernet(derived_key(secret_key))])
    fernets = []
    for position, key in enumerate((k.strip() for k in keys_text.split(",") if k.strip()), start=1):
        try:
            fernets.append(Fernet(key))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{ENV_NAME}: key {position} is not a Fernet key (32 url-safe base64-encoded bytes); "
                'make one with `python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"`'
            ) from exc
    return MultiFernet(fernets)


def _current() -> MultiFernet:
    return _fernet(os.environ.get(ENV_NAME, ""), settings.SECRET_KEY)


def encrypt(plain: str) -> str:
    """A url-safe ASCII token holding `plain`, encrypted and authenticated with the first key."""
    return _current().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The text `encrypt` was given. Raises SecretError when no configured key opens the token."""
    try:
        return _current().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise SecretError(
            f"cannot decrypt the stored password: it was encrypted with another key "
            f"(was {ENV_NAME} or SECRET_KEY changed?); enter the password again"
        ) from exc


def rotate(token: str) -> str:
    """`token` re-encrypted under the first key of KEEPWARM_SECRETS_KEY (for a key rotation)."""
    try:
        return _current().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError) as exc:
        raise SecretError("cannot rotate the stored password: no configured key opens it") from exc
