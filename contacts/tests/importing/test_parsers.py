"""Each parser on real-looking sample files, and the decoding/detection rules."""

import codecs
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from contacts.importing.decoding import decode_bytes
from contacts.importing.detect import detect_format
from contacts.importing.errors import ImportFormatError, RowError
from contacts.importing.parsers import backup_json, generic_csv, google, linkedin, outlook, vcard
from contacts.importing.parsers.common import (
    _normalise_linkedin,
    normalise_linkedin,
    parse_birthday,
    parse_date,
)

from .conftest import FIXTURES


def load(name: str) -> str:
    return decode_bytes((FIXTURES / name).read_bytes())


def rows_of(parser, name):
    return list(parser.parse(load(name)))


def by_name(rows):
    return {(r["first_name"], r["last_name"]): r for r in rows if isinstance(r, dict)}


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("linkedin_connections.csv", "linkedin"),
        ("google_contacts.csv", "google"),
        ("outlook_contacts_utf16.csv", "outlook"),
        ("contacts_v21.vcf", "vcard"),
        ("contacts_v30.vcf", "vcard"),
        ("contacts_v40.vcf", "vcard"),
        ("generic.csv", "csv"),
        ("generic_cp1252.csv", "csv"),
        ("backup.json", "json"),
    ],
)
def test_each_sample_file_is_detected(name, fmt):
    assert detect_format(load(name), filename=name) == fmt


def test_linkedin_skips_the_notes_preamble_and_keeps_file_line_numbers():
    rows = rows_of(linkedin, "linkedin_connections.csv")
    assert [r["row"] for r in rows] == [5, 6, 7, 8, 9, 10]
    ada = by_name(rows)[("Ada", "Lovelace")]
    assert ada["emails"] == [("ada@analytical.example", "work")]
    assert ada["company"] == "Analytical Engines"
    assert ada["title"] == "Lead Analyst"
    assert ada["connected_on"] == date(2024, 3, 5)
    assert ada["linkedin_url"] == "https://www.linkedin.com/in/ada-lovelace"
    assert by_name(rows)[("Alan", "Turing")]["company"] == "Bletchley Park, Hut 8"
    assert ("José", "Núñez") in by_name(rows)


def test_google_reads_multi_value_cells_labels_and_yearless_birthdays():
    people = by_name(rows_of(google, "google_contacts.csv"))
    linus = people[("Linus", "Torvalds")]
    assert linus["emails"] == [("linus@lf.example", "work"), ("linus.home@example.org", "home")]
    assert linus["phones"] == [("+1 503 555 0100", "mobile"), ("+1 503 555 0199", "work")]
    assert linus["birthday"] == (12, 28, 1969)
    assert linus["notes"] == "Met at the kernel summit.\nLikes penguins."
    assert linus["tags"] == ["Open Source"]
    assert linus["linkedin_url"] == "https://www.linkedin.com/in/linustorvalds"
    barbara = people[("Barbara", "Liskov")]
    assert barbara["emails"] == [("liskov@mit.example", "work"), ("barbara@example.org", "work")]
    assert barbara["birthday"] == (11, 7, None)
    # Linus's note spans two lines of the file but is one spreadsheet row: Barbara is row 3.
    assert (linus["row"], barbara["row"]) == (2, 3)


def test_outlook_utf16_uses_job_title_not_the_honorific():
    people = by_name(rows_of(outlook, "outlook_contacts_utf16.csv"))
    soren = people[("Søren", "Kierkegaard")]
    assert soren["title"] == "Lecturer"
    assert soren["company"] == "Københavns Universitet"
    assert soren["birthday"] == (5, 5, 1983)
    assert soren["emails"] == [("soren@example.dk", "work"), ("s.k@home.example", "home")]
    assert soren["tags"] == ["Philosophy", "Conference 2024"]
    assert people[("Chloé", "Dubois")]["birthday"] is None  # Outlook's 0/0/00


def test_vcard_21_quoted_printable_with_charsets_and_soft_breaks():
    people = by_name(rows_of(vcard, "contacts_v21.vcf"))
    jurgen = people[("Jürgen", "Müller")]
    assert jurgen["company"] == "Grüne Energie GmbH"
    assert jurgen["notes"] == "Kennengelernt auf der Intersolar München, spricht gern über Speichertechnik."
    assert jurgen["phones"] == [("+49 171 1234567", "mobile"), ("+49 89 1234567", "work")]
    assert jurgen["birthday"] == (8, 22, 1975)
    lucia = people[("Lucía", "García")]  # ISO-8859-1 charset
    assert lucia["location"] == "Madrid"
    assert lucia["emails"] == [("lucia.garcia@correo.example", "home")]


def test_vcard_30_typed_values_apple_labels_and_photo_skipped():
    people = by_name(rows_of(vcard, "contacts_v30.vcf"))
    tim = people[("Tim", "Berners-Lee")]
    assert tim["emails"] == [
        ("timbl@w3.example", "work"),
        ("tim@home.example", "home"),
        ("tim@conference.example", "other"),
    ]
    assert ("+44 20 7946 0999", "home") in tim["phones"]  # item2.X-ABLabel:_$!<Home>!$_
    assert tim["linkedin_url"] == "https://www.linkedin.com/in/tim-berners-lee"
    assert tim["notes"] == "Invented the web.\nMet at WWW2024, Singapore."
    assert tim["tags"] == ["web", "standards"]
    assert tim["birthday"] == (6, 8, 1955)
    assert people[("Adele", "Goldberg")]["birthday"] == (7, 7, None)  # Apple's 1604 = no year


def test_vcard_40_yearless_bday_and_folded_note():
    people = by_name(rows_of(vcard, "contacts_v40.vcf"))
    matz = people[("Yukihiro", "Matsumoto")]
    assert matz["birthday"] == (4, 14, None)
    assert matz["phones"] == [("+81-90-1234-5678", "mobile")]
    assert matz["notes"].endswith("so plan a whole afternoon.")
    assert people[("Anita", "Borg")]["birthday"] == (1, 17, 1949)


def test_vcard_without_end_reports_that_card_and_keeps_the_others():
    rows = rows_of(vcard, "bad_no_end.vcf")
    assert [r["first_name"] for r in rows if isinstance(r, dict)] == ["Olivia"]
    errors = [r for r in rows if isinstance(r, RowError)]
    assert len(errors) == 1 and errors[0].row == 2 and "END:VCARD" in errors[0].message


def test_generic_csv_cp1252_with_semicolons_and_aliases():
    people = by_name(rows_of(generic_csv, "generic_cp1252.csv"))
    renee = people[("Renée", "Müller")]
    assert renee["company"] == "Bäckerei Müller"
    assert renee["title"] == "Inhaberin"
    assert renee["phones"] == [("+49 30 1234567", "mobile")]
    assert renee["birthday"] == (4, 15, 1980)
    assert renee["tags"] == ["bakery", "berlin"]
    assert renee["notes"] == "Café owner – met at the “Markt”"


def test_generic_csv_extras_are_validated():
    people = by_name(rows_of(generic_csv, "generic.csv"))
    assert people[("Hedy", "Lamarr")]["extras"] == {"relationship": "mentor", "tie_strength": "strong"}
    rows = list(generic_csv.parse("name,relationship\nAda Lovelace,nemesis\n"))
    assert isinstance(rows[0], RowError) and "nemesis" in rows[0].message


def test_malformed_rows_are_row_errors_and_absurd_dates_are_warnings_with_row_numbers():
    rows = rows_of(generic_csv, "bad_malformed_rows.csv")
    errors = {r.row: r.message for r in rows if isinstance(r, RowError)}
    assert errors == {3: "the row has 6 cells but the header has 4"}
    dates = rows_of(generic_csv, "bad_absurd_dates.csv")
    assert not [r for r in dates if isinstance(r, RowError)]  # a bad optional date keeps the person
    warned = {r["row"]: r.get("warnings", []) for r in dates}
    assert {row for row, notes in warned.items() if notes} == {3, 4, 5, 6}
    assert warned[4] == [
        "Start date “9999-01-01” is not a date (the year 9999 is out of range); imported without the role start date"
    ]
    year_far = dates[2]
    assert year_far["birthday"] == (5, 5, 1985) and year_far["started_on"] is None
    good = [r for r in dates if isinstance(r, dict)]
    assert good[0]["birthday"] == (2, 29, 1980) and good[0]["started_on"] == date(2020, 1, 15)


def test_backup_reads_contacts_interactions_and_reminders():
    backup = backup_json.parse(load("backup.json"))
    ada, charles = backup.contacts
    assert ada["birthday"] == (12, 10, None)
    assert ada["extras"]["created_at"].isoformat() == "2026-01-05T09:00:00+00:00"
    assert charles["introduced_by_ref"] == 1
    assert backup.interactions[0]["contact_refs"] == [1, 2]
    assert backup.reminders[1]["status"] == "snoozed"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad_empty.csv", "empty"),
        ("bad_binary.xlsx", "binary"),
        ("bad_unknown_header.csv", "no known column"),
        ("bad_not_backup.json", "not a Keepwarm backup"),
    ],
)
def test_unreadable_files_get_a_clear_message(name, message):
    with pytest.raises(ImportFormatError, match=message):
        detect_format(decode_bytes((FIXTURES / name).read_bytes()), filename=name)


def test_size_limit_is_checked_on_the_bytes(settings):
    settings.IMPORT_MAX_BYTES = 10
    with pytest.raises(ImportFormatError, match="larger than the 10 bytes limit"):
        decode_bytes(b"First Name\nAda Lovelace\n")


@pytest.mark.parametrize(
    "data",
    [
        "Name,Email\nRenée,r@example.com\n".encode(),
        codecs.BOM_UTF8 + "Name,Email\nRenée,r@example.com\n".encode(),
        codecs.BOM_UTF16_LE + "Name,Email\nRenée,r@example.com\n".encode("utf-16-le"),
        codecs.BOM_UTF16_BE + "Name,Email\nRenée,r@example.com\n".encode("utf-16-be"),
        "Name,Email\nRenée,r@example.com\n".encode("utf-16-le"),  # no BOM
        "Name,Email\nRenée,r@example.com\n".encode("cp1252"),
    ],
)
def test_encodings(data):
    assert decode_bytes(data) == "Name,Email\nRenée,r@example.com\n"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("05 Mar 2024", date(2024, 3, 5)),
        ("5 March 2024", date(2024, 3, 5)),
        ("March 5, 2024", date(2024, 3, 5)),
        ("2024-03-05", date(2024, 3, 5)),
        ("20240305", date(2024, 3, 5)),
        ("2024-03-05T10:00:00Z", date(2024, 3, 5)),
        ("3/5/2024", date(2024, 3, 5)),
        ("25/12/2020", date(2020, 12, 25)),
        ("0/0/00", None),
        ("", None),
    ],
)
def test_date_formats(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("--0415", (4, 15, None)),
        ("--02-29", (2, 29, None)),
        ("1604-07-07", (7, 7, None)),
        ("Apr 15", (4, 15, None)),
    ],
)
def test_birthdays_without_year(raw, expected):
    assert parse_birthday(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://www.linkedin.com/in/MHamilton/", "https://www.linkedin.com/in/mhamilton"),
        ("https://www.linkedin.com/in/ada?trk=abc#x", "https://www.linkedin.com/in/ada"),
        ("www.linkedin.com/in/ada/", "https://www.linkedin.com/in/ada"),
        ("https://example.com/ada", ""),
    ],
)
def test_linkedin_url_normalisation(raw, expected):
    assert normalise_linkedin(raw) == expected


# URLs near LinkedIn's own form: the fast path must give exactly what the full rules give.
_url_tails = st.text(alphabet="abcXYZ019-_/?#%é .\t\u00a0İß", max_size=25)
_url_heads = st.sampled_from(
    [
        "https://www.linkedin.com/",
        "https://www.linkedin.com/in/",
        "http://linkedin.com/in/",
        "HTTPS://WWW.LINKEDIN.COM/in/",
        "",
    ]
)


@given(head=_url_heads, tail=_url_tails)
@example(head="https://www.linkedin.com/in/", tail="ada/")
@example(head="https://www.linkedin.com/in/", tail="ada lovelace")
@example(head="https://www.linkedin.com/in/", tail="ada\u00a0lovelace")
def test_linkedin_fast_path_equals_the_full_rules(head, tail):
    url = head + tail
    assert normalise_linkedin(url) == _normalise_linkedin(url)
