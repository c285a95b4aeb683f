"""The import's email fast path accepts only what Django's EmailValidator accepts, and on
an ASCII local part the import's answer is Django's. A UTF-8 local part, which Django
refuses, is the app's rule (contacts.emails): test_international_emails.py."""

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from hypothesis import example, given
from hypothesis import strategies as st

from contacts.importing.emails import PLAIN_EMAIL, email_valid

django_validator = EmailValidator()


def django_says(value: str) -> bool:
    try:
        django_validator(value)
    except ValidationError:
        return False
    return True


# Text near the shape of an address: the characters the two patterns care about.
near_email = st.text(alphabet="aZ09.-_+@'!#~`é\"[]: \t\n", max_size=40)
atoms = st.from_regex(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,12}", fullmatch=True)
labels = st.from_regex(r"[A-Za-z0-9-]{1,8}", fullmatch=True)
hosts = st.lists(labels, min_size=1, max_size=4).map(".".join)
tlds = st.from_regex(r"[A-Za-z0-9-]{1,6}", fullmatch=True)
built = st.builds(lambda user, host, tld: f"{user}@{host}.{tld}", atoms, hosts, tlds)


@given(st.one_of(st.emails(), built, near_email, st.text(max_size=30)))
@example("a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + "." + "e" * 63 + ".com")
@example("ada..lovelace@example.com")
@example("ada@-example.com")
@example("ada@example.c0m")
def test_fast_path_accepts_only_what_django_accepts(value):
    if PLAIN_EMAIL.fullmatch(value) and len(value) <= 320:
        assert django_says(value), value
    if value.rsplit("@", 1)[0].isascii():
        assert email_valid(value) == django_says(value)
    else:  # a UTF-8 local part: Django refuses it, the app's rule decides
        assert not django_says(value) and not PLAIN_EMAIL.fullmatch(value)


@pytest.mark.parametrize(
    "value, valid",
    [
        ("ada@example.com", True),
        ("ada.lovelace+crm@mail.example.co.uk", True),
        ('"ada"@example.com', True),  # quoted local part: Django's path
        ("ada@[127.0.0.1]", True),  # IP literal: Django's path
        ("ada@exämple.com", True),  # IDN host: Django's path
        ("josé@exämple.com", True),  # UTF-8 local part: the app's rule (contacts.emails)
        ("josé@@exämple.com", False),
        ("ada@localhost", True),  # Django's allowlist
        ("ada@example", False),
        ("ada@@example.com", False),
        (".ada@example.com", False),
        ("ada@example..com", False),
        ("not an email", False),
        ("", False),
    ],
)
def test_email_valid_examples(value, valid):
    assert PLAIN_EMAIL.fullmatch(value) is None or valid
    assert email_valid(value) is valid
