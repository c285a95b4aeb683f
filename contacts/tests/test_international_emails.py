"""International email addresses (RFC 6531: a UTF-8 local part, an IDN domain) everywhere:
the one rule (contacts.emails), imports, matching, the contact form, the admin, exports,
search. Real databases; the property tests run against the rule itself."""

import csv
import io
import json
import unicodedata

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from contacts import selectors
from contacts.duplicates import contact_merge, duplicate_pairs_for_owner
from contacts.emails import email_address_valid, email_compare_key, validate_email_address
from contacts.forms import contact_formsets
from contacts.importing.emails import email_valid
from contacts.importing.exporting import export_csv, export_json, export_vcard
from contacts.importing.matching import email_key
from contacts.importing.services import import_run
from contacts.models import Contact, ContactEmail
from contacts.selectors import ContactFilters
from contacts.tests.factories import make_contact

from .test_views import contact_post

INTERNATIONAL = ["josé@example.com", "用户@例子.广告", "Dörte@Bücher.example"]

django_validator = EmailValidator()


def django_says(value: str) -> bool:
    try:
        django_validator(value)
    except ValidationError:
        return False
    return True


def nfd(value: str) -> str:
    return unicodedata.normalize("NFD", value)


# --- The rule -----------------------------------------------------------------------

atoms = st.from_regex(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,12}", fullmatch=True)
labels = st.from_regex(r"[A-Za-z0-9-]{1,8}", fullmatch=True)
ascii_built = st.builds(
    lambda user, host, tld: f"{user}@{host}.{tld}",
    atoms,
    st.lists(labels, min_size=1, max_size=4).map(".".join),
    st.from_regex(r"[A-Za-z0-9-]{1,6}", fullmatch=True),
)
near_email = st.text(alphabet="aZ09.-_+@'!#~`é\"[]: \t\n", max_size=40)


@given(st.one_of(st.emails(), ascii_built, near_email, st.text(max_size=30)))
@example('"ada lovelace"@example.com')  # a quoted local part with a space: Django's, kept
@example("ada@exämple.com")
@example("ada@[127.0.0.1]")
@example("ada@localhost")
def test_every_address_django_accepted_is_still_accepted(value):
    if django_says(value):
        assert email_address_valid(value), value
        assert email_valid(value), value


# Letters of several scripts (Latin with accents, Greek, Cyrillic, Hebrew, Arabic,
# Devanagari with its vowel signs, Thai, CJK, Hangul, kana), and ASCII atext.
SCRIPTS = (
    "éèêëçñßøåæłžčšőüöäÉÑÖÜ"
    "αβγδεζηθλμπσςωΩΔ"
    "абвгдежзийклмнопрстЖЯ"
    "אבגדהוזחטי"
    "ابتثجحخدذرز"
    "कखगघचछजझटडतथदनपमयरलवसहािीुेो"
    "กขคงจฉชซญดตถทนบปผพมยรลวสหอ"
    "用户名字例子电子邮件测试"
    "한국어사용자"
    "ひらがなカタカナ"
)
letters = st.sampled_from(SCRIPTS)
ascii_atext = st.sampled_from("abcXYZ0123456789!#$%&'*+/=?^_`{|}~-")
intl_atoms = st.lists(st.one_of(letters, letters, ascii_atext), min_size=1, max_size=8).map("".join)
intl_locals = (
    st.lists(intl_atoms, min_size=1, max_size=3)
    .map(".".join)
    .filter(lambda local: not local.isascii() and len(local.encode()) <= 64)
)
domains = st.sampled_from(
    [
        "example.com",
        "mail.example.co.uk",
        "例子.广告",
        "bücher.example",
        "Bücher.Example",
        "xn--bcher-kva.example",
        "почта.рф",
        "ドメイン.テスト",
        "localhost",
        "[127.0.0.1]",
    ]
)
intl_addresses = st.builds(lambda local, domain: f"{local}@{domain}", intl_locals, domains)


@given(intl_addresses)
@example("josé@example.com")
@example(nfd("josé@example.com"))
@example("用户@例子.广告")
@example("Dörte@Bücher.example")
@example("é" * 32 + "@example.com")  # 64 octets: the most a local part may hold
def test_utf8_local_parts_of_several_scripts_are_accepted(value):
    assert email_address_valid(value), value
    assert email_valid(value), value
    validate_email_address(value)  # the model field's and the forms' validator: no error


GARBAGE = [
    " ",
    "\t",
    "\n",
    "\x00",
    "\x01",
    "\x1f",
    "\x7f",
    "\x85",
    "\u00a0",
    "\u2028",
    "\u200b",
    "\u202e",
    "\ufeff",
]


@given(intl_addresses, st.sampled_from(GARBAGE), st.data())
def test_spaces_controls_and_nul_anywhere_are_refused(value, bad, data):
    at = data.draw(st.integers(min_value=0, max_value=len(value)))
    spoiled = value[:at] + bad + value[at:]
    assert not email_address_valid(spoiled), repr(spoiled)
    assert not email_valid(spoiled), repr(spoiled)


@given(intl_locals, domains)
def test_two_at_signs_are_refused(local, domain):
    assert not email_valid(f"{local}@{local}@{domain}")
    assert not email_valid(f"{local}@@{domain}")


@given(st.text(alphabet="éü用ß", min_size=1, max_size=40), domains)
def test_a_local_part_over_64_octets_is_refused(local, domain):
    value = f"{local}@{domain}"
    assert email_valid(value) is (len(local.encode()) <= 64)


@given(intl_locals)
def test_an_address_over_320_characters_is_refused(local):
    host = ".".join(["a" * 63] * 5)  # labels of 63: the domain itself is well formed
    value = f"{local}@{host}.com"
    assert len(value) > 320
    assert not email_valid(value)
    assert email_valid(f"{local}@{'a' * 63}.com")


@pytest.mark.parametrize(
    "value",
    [
        "josé",  # no @
        "@example.com",
        "josé@",
        ".josé@example.com",
        "josé.@example.com",
        "jo..sé@example.com",
        '"josé"@example.com',  # no quoted UTF-8 local parts
        "josé@example",  # no top-level domain
        "josé@exam_ple.com",
        "josé@-example.com",
        "josé@" + "ü" * 64 + ".com",  # a label over 63 octets once punycoded
        "josé@" + ".".join(["ü" * 20] * 10) + ".com",  # a domain over 253 octets once punycoded
        "josé@ex\u202eample.com",  # a bidi override in the domain
        "jos\ue000é@example.com",  # private use
        "jos\U000e0001é@example.com",  # a format (tag) character
        "jos\ud800é@example.com",  # a lone surrogate: not UTF-8 at all
        "jo(sé)@example.com",
        "jo,sé@example.com",
    ],
)
def test_malformed_international_addresses_are_refused(value):
    assert not email_valid(value)
    with pytest.raises(ValidationError):
        validate_email_address(value)


@pytest.mark.parametrize(
    "a, b",
    [
        ("josé@example.com", "JOSÉ@EXAMPLE.COM"),
        ("josé@example.com", nfd("josé@example.com")),
        ("josé@example.com", nfd("JOSÉ@Example.com")),
        ("Dörte@Bücher.example", "dörte@xn--bcher-kva.example"),
        ("Dörte@Bücher.example", "DÖRTE@XN--BCHER-KVA.EXAMPLE"),
        ("Dörte@Bücher.example", nfd("dörte@BÜCHER.example")),
        ("用户@例子.广告", "用户@xn--fsqu00a.xn--4rr70v"),
        ("Ada@Example.COM", "ada@example.com"),
    ],
)
def test_spellings_of_one_address_have_one_key(a, b):
    assert email_key(a) == email_key(b)
    assert email_key(a) == unicodedata.normalize("NFC", email_key(a))


def test_the_key_is_lower_case_unicode_and_keeps_ascii_keys():
    assert email_key("Dörte@Bücher.example") == "dörte@bücher.example"
    assert email_key(nfd("JOSÉ@xn--bcher-kva.example")) == "josé@bücher.example"
    assert email_key("  Ada@Example.COM ") == "ada@example.com"  # the old key, unchanged
    assert email_key("ada@xn--") == "ada@xn--"  # not punycode: compared as written
    # Different mailboxes stay different: no casefold (ß is not ss), accents are letters.
    assert email_key("straße@example.com") != email_key("strasse@example.com")
    assert email_key("josé@example.com") != email_key("jose@example.com")


@given(intl_addresses)
def test_the_key_does_not_depend_on_case_or_normal_form(value):
    key = email_compare_key(value)
    assert email_compare_key(nfd(value)) == key
    assert email_compare_key(unicodedata.normalize("NFC", value)) == key
    assert email_compare_key(value.lower()) == key
    assert key == unicodedata.normalize("NFC", key.lower())


# --- Imports and matching ------------------------------------------------------------

LINKEDIN_HEAD = (
    "Notes:\r\n"
    '"When exporting your connection data, you may notice that some of the email addresses are missing."\r\n'
    "\r\n"
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"
)


def linkedin_csv(rows: list[tuple[str, str, str, str]]) -> bytes:
    """(first, last, url slug or "", email) rows."""
    lines = [
        f"{first},{last},{f'https://www.linkedin.com/in/{slug}' if slug else ''},{email},Acme,Engineer,05 Mar 2024\r\n"
        for first, last, slug, email in rows
    ]
    return (LINKEDIN_HEAD + "".join(lines)).encode("utf-8")


def vcard(rows: list[tuple[str, str, str]]) -> bytes:
    cards = [
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:{last};{first};;;\r\nFN:{first} {last}\r\n"
        f"EMAIL;type=INTERNET;type=WORK:{email}\r\nEND:VCARD\r\n"
        for first, last, email in rows
    ]
    return "".join(cards).encode("utf-8")


PEOPLE = [
    ("José", "García", "jose-garcia"),
    ("Wei", "Zhang", "wei-zhang"),
    ("Dörte", "Müller", "doerte-mueller"),
]


def emails_of(owner: User) -> dict[str, list[str]]:
    return {
        c.first_name: sorted(c.emails.values_list("value", flat=True))
        for c in Contact.objects.filter(owner=owner).prefetch_related("emails")
    }


def test_linkedin_import_keeps_international_emails_and_reimport_creates_nothing(alice):
    data = linkedin_csv([(f, la, slug, e) for (f, la, slug), e in zip(PEOPLE, INTERNATIONAL, strict=True)])
    report = import_run(owner=alice, data=data)
    assert report.created == 3 and report.warnings == []
    assert emails_of(alice) == {
        "José": ["josé@example.com"],
        "Wei": ["用户@例子.广告"],
        "Dörte": ["Dörte@Bücher.example"],
    }
    again = import_run(owner=alice, data=data)
    assert again.created == 0
    assert ContactEmail.objects.filter(contact__owner=alice).count() == 3


def test_vcard_import_keeps_international_emails_and_reimport_creates_nothing(alice):
    data = vcard([(f, la, e) for (f, la, _slug), e in zip(PEOPLE, INTERNATIONAL, strict=True)])
    report = import_run(owner=alice, data=data)
    assert report.created == 3 and report.warnings == []
    assert emails_of(alice) == {
        "José": ["josé@example.com"],
        "Wei": ["用户@例子.广告"],
        "Dörte": ["Dörte@Bücher.example"],
    }
    assert import_run(owner=alice, data=data).created == 0


@pytest.mark.parametrize("fmt", ["linkedin", "vcard"])
def test_another_spelling_of_the_address_matches_the_same_contact(alice, fmt):
    """Other names, no LinkedIn URL: only the email can match; cased, NFD and punycode
    spellings of it find the contact, and add no second email."""
    first = linkedin_csv([(f, la, slug, e) for (f, la, slug), e in zip(PEOPLE, INTERNATIONAL, strict=True)])
    import_run(owner=alice, data=first)
    ids = set(Contact.objects.filter(owner=alice).values_list("id", flat=True))
    spellings = [nfd("JOSÉ@EXAMPLE.COM"), "用户@xn--fsqu00a.xn--4rr70v", nfd("dörte@xn--bcher-kva.EXAMPLE")]
    others = [("Pepe", "Unknown"), ("W.", "Z."), ("D.", "M.")]
    if fmt == "linkedin":
        data = linkedin_csv([(f, la, "", e) for (f, la), e in zip(others, spellings, strict=True)])
    else:
        data = vcard([(f, la, e) for (f, la), e in zip(others, spellings, strict=True)])
    report = import_run(owner=alice, data=data)
    assert report.created == 0
    assert set(Contact.objects.filter(owner=alice).values_list("id", flat=True)) == ids
    assert ContactEmail.objects.filter(contact__owner=alice).count() == 3


def test_an_nfd_spelling_imported_first_is_matched_by_the_nfc_one(alice):
    import_run(owner=alice, data=linkedin_csv([("José", "García", "", nfd("josé@example.com"))]))
    stored = ContactEmail.objects.get(contact__owner=alice).value
    assert stored == nfd("josé@example.com")  # kept as given
    report = import_run(owner=alice, data=linkedin_csv([("Someone", "Else", "", "JOSÉ@example.com")]))
    assert report.created == 0 and Contact.objects.filter(owner=alice).count() == 1


def test_garbage_emails_are_still_dropped_with_a_warning(alice):
    data = linkedin_csv([("A", "B", "", "josé@@example.com"), ("C", "D", "", "jo\u200bsé@example.com")])
    report = import_run(owner=alice, data=data)
    assert report.created == 2 and len(report.warnings) == 2
    assert not ContactEmail.objects.filter(contact__owner=alice).exists()


def test_a_linkedin_like_file_keeps_every_email(alice):
    """Like the benchmark's file: the slug (and so the email) carries the first name."""
    firsts = ["José", "Søren", "Chloé", "Ada", "Zoë", "Łukasz", "Jürgen", "Παύλος", "Иван", "美玲"]
    rows = [
        (first, f"Person{i}", f"{first}-{i}".lower(), f"{first}-{i}@example.com".lower())
        for i, first in enumerate(firsts * 5)
    ]
    report = import_run(owner=alice, data=linkedin_csv(rows))
    assert report.created == 50 and report.warnings == []
    assert ContactEmail.objects.filter(contact__owner=alice).count() == 50


# --- The contact form and the admin --------------------------------------------------


def test_the_contact_form_saves_international_emails(alice_client, alice):
    data = contact_post(**{"emails-0-value": "josé@example.com", "emails-1-value": "用户@例子.广告"})
    response = alice_client.post(reverse("contacts:create"), data)
    assert response.status_code == 302
    contact = Contact.objects.get(owner=alice)
    assert sorted(contact.emails.values_list("value", flat=True)) == sorted(
        ["josé@example.com", "用户@例子.广告"]
    )


@pytest.mark.parametrize(
    "value", ["josé @example.com", "josé@@example.com", "jos\x01é@example.com", "josé@example"]
)
def test_the_contact_form_refuses_malformed_ones(alice_client, alice, value):
    response = alice_client.post(reverse("contacts:create"), contact_post(**{"emails-0-value": value}))
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not Contact.objects.filter(owner=alice).exists()


def test_the_contact_form_email_input_is_text_with_the_email_keyboard(alice_client):
    body = alice_client.get(reverse("contacts:create")).content.decode()
    start = body.index('name="emails-0-value"')
    tag = body[body.rindex("<input", 0, start) : body.index(">", start)]
    assert 'type="text"' in tag  # browsers refuse josé@ in type=email
    widget = contact_formsets()[0].forms[0].fields["value"].widget
    assert (widget.input_type, widget.attrs["inputmode"]) == ("text", "email")


def test_the_model_field_accepts_and_refuses_by_the_same_rule(alice):
    contact = make_contact(owner=alice)
    ContactEmail(contact=contact, value="Dörte@Bücher.example", label="work").full_clean()
    with pytest.raises(ValidationError):
        ContactEmail(contact=contact, value="Dörte @Bücher.example", label="work").full_clean()


@pytest.fixture
def admin_client(client, db):
    admin = User.objects.create_superuser("root", "root@example.com", "pw-keepwarm-123")
    client.force_login(admin)
    return client


def test_the_admin_saves_an_international_email(admin_client, alice):
    contact = make_contact(owner=alice)
    url = reverse("admin:contacts_contactemail_add")
    page = admin_client.get(url).content.decode()
    start = page.index('name="value"')
    assert 'type="email"' not in page[page.rindex("<input", 0, start) : page.index(">", start)]
    response = admin_client.post(url, {"contact": contact.pk, "value": "用户@例子.广告", "label": "work"})
    assert response.status_code == 302
    assert list(contact.emails.values_list("value", flat=True)) == ["用户@例子.广告"]
    response = admin_client.post(url, {"contact": contact.pk, "value": "用户@@例子.广告", "label": "work"})
    assert response.status_code == 200 and contact.emails.count() == 1


# --- Exports round-trip --------------------------------------------------------------


def _exported(fmt: str, owner: User) -> str:
    return "".join({"vcard": export_vcard, "csv": export_csv, "json": export_json}[fmt](owner=owner))


@pytest.mark.parametrize("fmt", ["vcard", "csv", "json"])
def test_exports_carry_international_emails_and_import_them_back_unchanged(alice, bob, fmt):
    stored = [*INTERNATIONAL, nfd("josé.nfd@example.com")]
    for (first, last, _slug), email in zip(PEOPLE, INTERNATIONAL, strict=True):
        make_contact(owner=alice, first_name=first, last_name=last, emails=[email])
    make_contact(owner=alice, first_name="Nfd", last_name="Spelling", emails=[stored[3]])
    text = _exported(fmt, alice)
    for email in stored:
        assert email in text, (fmt, email)
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        assert sorted(r["emails"] for r in rows) == sorted(stored)
    if fmt == "json":
        emails = [e["value"] for c in json.loads(text)["contacts"] for e in c["emails"]]
        assert sorted(emails) == sorted(stored)

    report = import_run(owner=bob, data=text.encode("utf-8"))
    assert report.created == 4 and report.warnings == []
    assert sorted(ContactEmail.objects.filter(contact__owner=bob).values_list("value", flat=True)) == sorted(
        stored
    )
    # And back into the account they came from: every one matched, nothing new.
    assert import_run(owner=alice, data=text.encode("utf-8")).created == 0
    assert ContactEmail.objects.filter(contact__owner=alice).count() == 4


# --- Search --------------------------------------------------------------------------


def _found(owner: User, q: str) -> list[str]:
    page = selectors.contact_list(owner=owner, filters=ContactFilters(q=q))
    return sorted(c.last_name for c in page.object_list)


def test_an_email_search_finds_international_addresses(alice):
    make_contact(owner=alice, first_name="Ada", last_name="Nfc", emails=["josé@example.com"])
    make_contact(owner=alice, first_name="Ada", last_name="Nfd", emails=[nfd("josé.b@example.com")])
    make_contact(owner=alice, first_name="Ada", last_name="Han", emails=["用户@例子.广告"])
    make_contact(owner=alice, first_name="Ada", last_name="Plain", emails=["jose@example.org"])
    # The word as typed finds the accented addresses, NFC or NFD; folded ("jose"), as
    # for names, it finds the plain one too.
    assert _found(alice, "josé") == ["Nfc", "Nfd", "Plain"]
    assert _found(alice, "JOSÉ") == ["Nfc", "Nfd", "Plain"]
    assert _found(alice, nfd("josé")) == ["Nfc", "Nfd", "Plain"]
    assert _found(alice, "josé.b") == ["Nfd"]
    assert _found(alice, "用户") == ["Han"]
    assert "Nfc" not in _found(alice, "jose")  # an address has no folded column: é is not e
    assert _found(alice, "例子.广告") == ["Han"]


# --- Duplicates and merge ------------------------------------------------------------


def test_the_duplicate_finder_and_the_merge_compare_by_the_same_key(alice):
    a = make_contact(owner=alice, first_name="José", last_name="García", emails=["josé@Bücher.example"])
    b = make_contact(
        owner=alice, first_name="Pepe", last_name="G.", emails=[nfd("JOSÉ@xn--bcher-kva.example")]
    )
    pairs = duplicate_pairs_for_owner(owner=alice)
    assert [sorted((p.first["id"], p.second["id"])) for p in pairs] == [sorted((a.pk, b.pk))]
    assert "same email josé@bücher.example" in pairs[0].reasons
    contact_merge(owner=alice, survivor_id=a.pk, other_id=b.pk, picks={})
    assert list(ContactEmail.objects.filter(contact__owner=alice).values_list("value", flat=True)) == [
        "josé@Bücher.example"
    ]
