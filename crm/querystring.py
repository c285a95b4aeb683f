"""Reading values a user typed into a URL (query string or path), safely: never a 500.

One home for two rules every view needs:
- A number is ASCII digits only, and bounded. `str.isdigit` accepts "²" and `int` does
  not; `int` accepts "٣" and "1_000" and refuses 5,000 digits; and an id beyond 64 bits
  overflows SQLite's integers and PostgreSQL's bigint. `plain_int` says None to all that.
- Text never carries a NUL byte: PostgreSQL cannot store or compare one (psycopg raises
  "A string literal cannot contain NUL (0x00) characters"), SQLite can. `query_text`
  drops it; `has_nul` lets a view answer 404 for a path value that holds one.
"""

import re

from django.http import HttpRequest, QueryDict
from django.utils.http import url_has_allowed_host_and_scheme

NUL = "\x00"
# Database ids and offsets stay far below this (a signed 64-bit integer is 9.2e18).
MAX_INT = 2**53
_DIGITS = re.compile(r"[0-9]{1,16}")


def plain_int(value: object, *, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """`value` as an int when it is ASCII digits (an optional leading "-") within bounds, else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if not _DIGITS.fullmatch(digits):
        return None
    number = -int(digits) if negative else int(digits)
    return number if minimum <= number <= maximum else None


def query_int(
    query: QueryDict, key: str, default: int | None = None, *, minimum: int = 0, maximum: int = MAX_INT
) -> int | None:
    """The query string's `key` as a bounded int; `default` when absent or not a plain number."""
    number = plain_int(query.get(key), minimum=minimum, maximum=maximum)
    return default if number is None else number


def query_ints(query: QueryDict, keys, *, minimum: int = 1, maximum: int = MAX_INT) -> list[int]:
    """Every value of each of `keys` (repeated keys too) that is a plain, bounded int; the others are dropped."""
    found = []
    for key in keys:
        for value in query.getlist(key):
            number = plain_int(value, minimum=minimum, maximum=maximum)
            if number is not None:
                found.append(number)
    return found


def without_nul(text: str) -> str:
    return text.replace(NUL, "") if NUL in text else text


def query_text(query: QueryDict, key: str, *, max_length: int = 200) -> str:
    """The query string's `key` as text without NUL bytes, at most `max_length` characters."""
    return without_nul(query.get(key, ""))[:max_length]


def has_nul(value: str) -> bool:
    """True when a value from the URL cannot be sent to PostgreSQL as text."""
    return NUL in value


def safe_next(request: HttpRequest, default: str = "") -> str:
    """The form's (or query's) `next`: a path on this site, else `default`.

    Only a local path ("/contacts/?page=2") is followed: not another host, not a
    scheme, and not a bare word, which `redirect()` would take for a URL name.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and not has_nul(target)
        and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    ):
        return target
    return default
