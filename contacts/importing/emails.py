"""Is an imported email address valid? Django's EmailValidator decides, behind a fast path.

The validator costs ~8 µs an address (lazily compiled patterns, an exception per
refusal); an export of 100,000 contacts holds tens of thousands of addresses. Nearly
all are plain: an ASCII dot-atom, "@", dotted host names and a letters-only top-level
domain. Such an address is valid for Django too (property-tested in
test_email_fast_path.py), so one compiled pattern accepts it; anything else (quoted
local parts, IDN hosts, IP literals, mistakes) goes to Django's validator.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
PLAIN_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}")
MAX_LENGTH = 320  # Django's limit (RFC 3696)

_validator = EmailValidator()


def email_valid(value: str) -> bool:
    if len(value) <= MAX_LENGTH and PLAIN_EMAIL.fullmatch(value):
        return True
    try:
        _validator(value)
    except ValidationError as exc:
        # A ValidationError refers to itself (error_list): a cycle, which only the
        # garbage collector frees, and its traceback would keep this frame and its
        # callers (the import's whole chunk) alive with it.
        exc.__traceback__ = None
        return False
    return True
