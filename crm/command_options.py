"""The options the management commands share: `--user` (a username) and `--date`.

A bad value is a CommandError (exit 1, one line), as the public contract asks.
"""

from datetime import date

from django.contrib.auth.models import User
from django.core.management.base import CommandError


def user_option(username: str) -> User:
    """The user named `username`, or CommandError "no user named 'x'"."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"no user named {username!r}")
    return user


def date_option(value: str, *, name: str = "--date") -> date:
    """`value` as a date (YYYY-MM-DD), or CommandError naming the option."""
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{name} must be a date as YYYY-MM-DD, got {value!r}") from exc
