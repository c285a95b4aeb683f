"""Email addresses: which are valid, and when two are the same. One rule for the whole app.

Valid (`validate_email_address`, used by the model field, so by the contact form and the
admin, and by the import's `contacts.importing.emails.email_valid`):

* An ASCII local part: exactly Django's `EmailValidator` (dot-atom or quoted string; a
  domain that is a host name, ASCII or IDN, an IP literal, or "localhost"; at most 320
  characters). Every address Django accepted is still accepted, and nothing else.
* A UTF-8 local part (RFC 6531/6532, "josé@example.com", "用户@例子.广告"): a dot-atom whose
  characters are the ASCII atext or any non-ASCII character that is not a control, a
  format character (bidi overrides, zero-width spaces, BOM), a surrogate, private-use,
  unassigned, or a space or separator. No quoted UTF-8 local parts. At most 64 octets in
  UTF-8 (RFC 5321 4.5.3.1.1), 320 characters in all. The domain passes Django's check
  too and, when it is not ASCII, must convert to its ASCII form with Python's "idna"
  codec (the one Django itself uses to punycode a domain): labels of at most 63 octets,
  at most 253 in all, no prohibited characters; nor may it hold the characters refused
  in the local part.

  Django does not bound an ASCII local part at 64 octets; an ASCII address keeps
  Django's answer so that no address valid before is refused now.

The same (`email_compare_key`, behind `contacts.importing.matching.email_key`, so the
import's matching, the duplicate finder and the merge): the local part and the domain
lower-cased (`str.lower`, not `casefold`: "straße" and "strasse" stay two mailboxes) and
in Unicode NFC, so "José", "josé" and "jose" + U+0301 are one; the domain compared in its
Unicode form, each "xn--" label decoded, so "Bücher.example", "bücher.example" and
"xn--bcher-kva.example" are one. Unicode rather than punycode because that is how
people type and store addresses: a key in that form still finds the stored value with
a case-insensitive comparison (`duplicates.contacts_like`), and reads well in a
duplicate's reason. An ASCII address without an "xn--" label keeps its old key, the
address lower-cased, so keys of existing contacts do not move.

Stored values are kept as typed or imported (no normalisation on the way in): an export
gives back what came in, and the keys above do the comparing.
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import models

MAX_LENGTH = 320  # Django's limit (RFC 3696 errata), in characters
MAX_LOCAL_OCTETS = 64  # RFC 5321 4.5.3.1.1, for a UTF-8 local part
MAX_DOMAIN_OCTETS = 253  # RFC 1035 2.3.4, a host name in its ASCII form

_ASCII_ATEXT = re.compile(r"[-!#$%&'*+/=?^_`{}|~0-9A-Za-z]")
# Non-ASCII characters a UTF-8 local part may not hold: controls (Cc), format characters
# (Cf: bidi overrides, zero-width joiners, BOM), surrogates (Cs: not encodable in UTF-8),
# private use (Co), unassigned (Cn: their normalisation is not stable), separators (Z*).
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})


def utf8_local_part_valid(local: str) -> bool:
    """A non-ASCII local part: a dot-atom of atext and allowed non-ASCII characters, ≤ 64 octets."""
    if not local or local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    for ch in local:
        if ch.isascii():
            if ch != "." and not _ASCII_ATEXT.fullmatch(ch):
                return False
        elif unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return False
    return len(local.encode("utf-8")) <= MAX_LOCAL_OCTETS


def idna_domain_valid(domain: str) -> bool:
    """True if the domain converts to ASCII with the "idna" codec (an ASCII one trivially)
    and holds none of the characters a UTF-8 local part may not (the codec would drop a
    zero-width space, say, rather than refuse it)."""
    if domain.isascii():
        return True
    if any(not ch.isascii() and unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in domain):
        return False
    try:
        ascii_form = domain.encode("idna")
    except UnicodeError:
        return False
    return len(ascii_form.rstrip(b".")) <= MAX_DOMAIN_OCTETS


class InternationalEmailValidator(EmailValidator):
    """Django's EmailValidator, with UTF-8 local parts accepted (see the module docstring)."""

    def __call__(self, value):
        if not isinstance(value, str) or "@" not in value:
            return super().__call__(value)
        local, domain = value.rsplit("@", 1)
        if local.isascii():
            return super().__call__(value)
        if (
            len(value) > MAX_LENGTH
            or not utf8_local_part_valid(local)
            or (
                domain not in self.domain_allowlist
                and not (self.validate_domain_part(domain) and idna_domain_valid(domain))
            )
        ):
            raise ValidationError(self.message, code=self.code, params={"value": value})

    def __eq__(self, other):
        # Not equal to Django's ASCII-only validator, which EmailValidator.__eq__ would say.
        return type(other) is type(self) and super().__eq__(other)


validate_email_address = InternationalEmailValidator()


def email_address_valid(value: str) -> bool:
    """`validate_email_address` as a yes/no."""
    try:
        validate_email_address(value)
    except ValidationError as exc:
        # A ValidationError refers to itself (error_list): a cycle, which only the
        # garbage collector frees, and its traceback would keep this frame and its
        # callers (an import's whole chunk) alive with it.
        exc.__traceback__ = None
        return False
    return True


def _nfc_lower(text: str) -> str:
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).lower())


def _unicode_label(label: str) -> str:
    if label.isascii() and (label := label.lower()).startswith("xn--"):
        try:
            label = label.encode("ascii").decode("idna")
        except UnicodeError:
            pass  # not valid punycode: compared as written
    return _nfc_lower(label)


def email_compare_key(value: str) -> str:
    """The form two addresses are compared in: 'JOSÉ@Bücher.Example' and
    'jose\\u0301@xn--bcher-kva.example' both give 'josé@bücher.example'."""
    if value.isascii() and "xn--" not in value.lower():
        return value.lower()
    local, at, domain = value.rpartition("@")
    if not at:
        return _nfc_lower(value)
    return f"{_nfc_lower(local)}@{'.'.join(_unicode_label(label) for label in domain.split('.'))}"


class InternationalEmailFormField(forms.EmailField):
    """A form's email field with the app's rule; a text input, since browsers refuse a
    UTF-8 local part in <input type="email">."""

    widget = forms.TextInput
    default_validators = [validate_email_address]

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.TextInput) and widget.input_type == "text":
            attrs.setdefault("inputmode", "email")
            attrs.setdefault("autocomplete", "email")
        return attrs


class InternationalEmailField(models.CharField):
    """An email address column validated by `validate_email_address`.

    A CharField rather than an EmailField subclass so that the admin gives it a text
    input (its EmailField widget is <input type="email">, which browsers refuse a UTF-8
    local part in) and Django's ASCII-only validate_email is not added to its validators.
    """

    default_validators = [validate_email_address]
    description = "Email address (UTF-8 local parts and IDN domains accepted)"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 254)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": InternationalEmailFormField, **kwargs})
