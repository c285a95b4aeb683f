"""Is an imported email address valid? The app's rule (contacts.emails) decides, behind a fast path.

The rule, `contacts.emails.validate_email_address`, is Django's EmailValidator with UTF-8
local parts ("josé@example.com") accepted too; the model field and the forms use it as
well. It costs ~8 µs an address (lazily compiled patterns, an exception per refusal); an
export of 100,000 contacts holds tens of thousands of addresses. Nearly all are plain:
an ASCII dot-atom, "@", dotted host names and a letters-only top-level domain. Such an
address is valid for Django too (property-tested in test_email_fast_path.py), so one
compiled pattern accepts it; anything else (quoted local parts, UTF-8 local parts, IDN
hosts, IP literals, mistakes) goes to the full rule.
"""

import re

from contacts.emails import MAX_LENGTH, email_address_valid

__all__ = ["MAX_LENGTH", "PLAIN_EMAIL", "email_valid"]

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
PLAIN_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}")


def email_valid(value: str) -> bool:
    if len(value) <= MAX_LENGTH and PLAIN_EMAIL.fullmatch(value):
        return True
    return email_address_valid(value)
