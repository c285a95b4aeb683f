"""Matching keys for re-imports: email, then LinkedIn URL, then exact full name + company.

Pure functions; index.OwnerIndex keeps one dict per key kind for the owner's contacts.
"""

from functools import lru_cache

from contacts.emails import email_compare_key

from .parsers.common import clean, normalise_linkedin

__all__ = ["email_key", "linkedin_key", "name_key", "phone_key", "normalise_linkedin"]


def email_key(value: str) -> str:
    """Case and Unicode normalisation aside, the domain in its Unicode form
    (contacts.emails.email_compare_key): 'José@Bücher.example' == 'jose\u0301@xn--bcher-kva.example'."""
    return email_compare_key(clean(value))


def linkedin_key(value: str) -> str:
    return normalise_linkedin(value)


def name_key(first_name: str, last_name: str, company: str) -> tuple[str, str] | None:
    """(full name, company), case-insensitive; None without a name."""
    full = " ".join(f"{first_name} {last_name}".split()).lower()
    if not full:
        return None
    return full, _company_key(company)


@lru_cache(maxsize=4096)
def _company_key(company: str) -> str:
    """A few companies recur over thousands of rows: one key string each, shared by the index."""
    return " ".join(company.split()).lower()


def phone_key(value: str) -> str:
    """Digits only (a leading + kept): '+44 20 7946-0000' == '+442079460000'."""
    value = clean(value)
    digits = "".join(ch for ch in value if ch.isdigit())
    return ("+" if value.startswith("+") else "") + digits
