"""Production safety rules: the secret key a server may start with, and who may read
/healthz's details. Pure functions of settings and a request; settings.py and wsgi.py call them."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import constant_time_compare

if TYPE_CHECKING:  # settings.py imports this module: nothing heavy at import time
    from django.http import HttpRequest

# Only fit for development and tests: a server with DEBUG off refuses to run on it.
DEV_SECRET_KEY = "insecure-dev-key-set-SECRET_KEY-in-production"


def require_secret_key(*, debug: bool, secret_key: str) -> None:
    """Refuse to serve with DEBUG off on the development key (sessions, CSRF tokens and the
    digests' one-click links would be signed with a key anyone can read in this repository)."""
    if not debug and (not secret_key or secret_key == DEV_SECRET_KEY):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG=0 Keepwarm will not start on the development key: "
            "set SECRET_KEY to a long random value (for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`), or DEBUG=1 for local use."
        )


def healthz_details_allowed(request: "HttpRequest") -> bool:
    """A staff user, or a request carrying HEALTHZ_TOKEN (`Authorization: Bearer <token>`)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    token = settings.HEALTHZ_TOKEN
    header = request.headers.get("Authorization", "")
    return bool(token) and header.startswith("Bearer ") and constant_time_compare(header[7:], token)


def client_ip(request: "HttpRequest") -> str:
    """The address a sign-in came from, for the lockout per address. Behind the HTTPS proxy
    (SECURE_HTTPS=1) that is the last X-Forwarded-For entry, the one the proxy itself saw
    (earlier entries are whatever the client claimed); otherwise REMOTE_ADDR."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")
