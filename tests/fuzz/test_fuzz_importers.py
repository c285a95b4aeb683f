"""Every importer through the real import service: any text gives a report or ImportFormatError.

Each example runs `import_run` as a dry run (text given, as the preview's re-read does),
then for real (bytes, decoded as an upload is), then the preview page's steps. The only
exception allowed is ImportFormatError (the file cannot be read at all), and then
nothing is written; every row error has a row number and a message.
"""

import copy
import json
import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contacts.importing.decoding import decode_bytes
from contacts.importing.errors import ImportFormatError, RowError
from contacts.importing.exporting import backup_build
from contacts.importing.preview import import_plan, plan_summary, preview_table
from contacts.importing.services import import_preview, import_resolve_format, import_run
from contacts.models import Contact, Interaction
from contacts.tests.factories import make_contact, make_interaction, make_reminder, make_tag
from contacts.tests.importing.conftest import FIXTURES
from reminders.models import Reminder

from .conftest import fuzz_settings

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

SAMPLES = {
    "linkedin": "linkedin_connections.csv",
    "google": "google_contacts.csv",
    "outlook": "outlook_contacts_utf16.csv",
    "vcard": "contacts_v30.vcf",
    "csv": "generic.csv",
    "json": "backup.json",
}
SAMPLE_TEXT = {fmt: decode_bytes((FIXTURES / name).read_bytes()) for fmt, name in SAMPLES.items()}
SAMPLE_TEXT["vcard21"] = decode_bytes((FIXTURES / "contacts_v21.vcf").read_bytes())
HEADERS = {
    "linkedin": "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n",
    "google": "First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Value,Birthday,Labels\n",
    "outlook": "First Name,Last Name,E-mail Address,Job Title,Birthday,Categories,Mobile Phone\n",
    "csv": "name,email,birthday,birthday_month,birthday_day,started_on,tags,relationship,cadence,archived\n",
}
# Values that broke something once, or could: odd digits, huge and negative numbers, NUL
# escapes, separators, quoted-printable and vCard syntax, formula prefixes.
NASTY = [
    "²",
    "³",
    "¹²",
    "٣",
    "𝟙",
    "-1",
    "0",
    "9" * 25,
    "9" * 5000,
    "1e309",
    "NaN",
    "\\u0000",
    "=00",
    "=\n",
    '"',
    '""',
    ",",
    ";",
    ":",
    "\r",
    "\t",
    "BEGIN:VCARD",
    "END:VCARD",
    "ENCODING=QUOTED-PRINTABLE",
    "CHARSET=base64",
    "=cmd|' /C calc'!A0",
    "29/02/2023",
    "--02-30",
    "0000-00-00",
    "9999-12-31",
    "ÿ" * 300,
    "x" * 3000,
    "\u202e",
    "\ufeff",
]
cell = st.one_of(st.sampled_from(NASTY), st.text(max_size=40))


def wrote(owner) -> tuple[int, int, int]:
    return (
        Contact.objects.filter(owner=owner).count(),
        Interaction.objects.filter(owner=owner).count(),
        Reminder.objects.filter(owner=owner).count(),
    )


def check_report(report) -> None:
    for error in report.errors:
        assert isinstance(error, RowError), error
        assert isinstance(error.row, int) and error.row >= 1, error
        assert isinstance(error.message, str) and error.message, error
        json.dumps(error.as_dict())  # ImportJob.errors stores them as JSON


def import_everywhere(owner, text: str, fmt: str) -> None:
    """Preview, dry run and real run of `text` as `fmt`: a report, or ImportFormatError and nothing written."""
    before = wrote(owner)
    try:
        resolved = import_resolve_format(text=text, fmt=fmt)
        preview = import_preview(text=text, fmt=resolved)
        plan = import_plan(owner=owner, text=text, fmt=resolved)
        plan_summary(plan)
        preview_table(preview["rows"], plan)
    except ImportFormatError as exc:
        assert str(exc)
    try:
        check_report(import_run(owner=owner, text=text, fmt=fmt, dry_run=True, today=date(2026, 11, 26)))
    except ImportFormatError as exc:
        assert str(exc)
    assert wrote(owner) == before, "a dry run wrote something"
    try:
        report = import_run(owner=owner, data=text.encode("utf-8"), fmt=fmt, today=date(2026, 11, 26))
    except ImportFormatError as exc:
        assert str(exc)
        assert wrote(owner) == before, "a file that cannot be read wrote something"
    else:
        check_report(report)


def mutate(text: str, seed: int, inserts: list[str]) -> str:
    """Insert `inserts` at random places (chosen by `seed`) and delete a few random spans."""
    rng = random.Random(seed)
    chars = list(text)
    for value in inserts:
        position = rng.randrange(len(chars) + 1)
        if rng.random() < 0.3 and chars:
            del chars[position : position + rng.randrange(1, 30)]
        chars[position:position] = value
    return "".join(chars)


FORMATS = ["auto", "linkedin", "google", "outlook", "vcard", "csv", "json"]


@pytest.mark.parametrize("fmt", FORMATS)
@fuzz_settings(40)
@given(data=st.data())
def test_any_text_through_the_import_service(alice, fmt, data):
    base = data.draw(st.sampled_from(sorted(SAMPLE_TEXT)), label="sample")
    kind = data.draw(st.sampled_from(["mutated sample", "rows under a header", "any text"]), label="kind")
    if kind == "mutated sample":
        text = mutate(
            SAMPLE_TEXT[base],
            data.draw(st.integers(0, 2**32 - 1), label="seed"),
            data.draw(st.lists(cell, min_size=1, max_size=12), label="inserts"),
        )
    elif kind == "rows under a header":
        header = data.draw(st.sampled_from(sorted(HEADERS.values())), label="header")
        rows = data.draw(st.lists(st.lists(cell, max_size=11), max_size=6), label="rows")
        quote = data.draw(st.booleans(), label="quote")
        text = header + "\n".join(
            ",".join('"' + c.replace('"', '""') + '"' if quote else c for c in row) for row in rows
        )
    else:
        text = data.draw(st.text(max_size=600), label="text")
    import_everywhere(alice, text, fmt)


# --- the JSON backup: a valid document with one value of the wrong type anywhere -----


@pytest.fixture
def backup_document(alice, bob) -> dict:
    """A backup exported from a small account with every kind of value filled in."""
    ada = make_contact(
        owner=bob,
        first_name="Ada",
        emails=["ada@example.org"],
        phones=["+44 20 7946 0000"],
        tags=[make_tag(owner=bob, name="london")],
        checkin_cadence_months=3,
        birthday_month=12,
        birthday_day=10,
        started_on=date(2020, 3, 1),
        linkedin_url="https://www.linkedin.com/in/ada",
    )
    charles = make_contact(
        owner=bob,
        first_name="Charles",
        introduced_by=ada,
        birthday_year=1971,
        birthday_month=12,
        birthday_day=26,
    )
    make_interaction(contacts=[ada, charles], occurred_on=date(2026, 9, 15), follow_up_on=date(2026, 9, 17))
    make_reminder(contact=ada, due_on=date(2027, 1, 1))
    make_reminder(
        contact=charles,
        kind="follow_up",
        due_on=date(2026, 9, 17),
        status="snoozed",
        snoozed_until=date(2026, 12, 1),
    )
    document = backup_build(owner=bob)
    assert document["contacts"] and document["interactions"] and document["reminders"]
    return document


def paths(value, prefix=()) -> list[tuple]:
    """Every position in a JSON document: each key of each object, each item of each list."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**53, max_value=2**70),
    st.integers(min_value=-(2**70), max_value=-1),
    st.sampled_from([0, 1, -1, 2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**40]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["\x00", "a\x00b", "²", "٣", "", " ", "1", "--02-30", "2026-13-01", "x" * 5000]),
)
wrong = st.recursive(
    scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=6,
)


def replaced(document: dict, path: tuple, value) -> dict:
    document = copy.deepcopy(document)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


@fuzz_settings(50)
@given(data=st.data())
def test_backup_with_a_wrong_value_anywhere(alice, backup_document, data):
    document = backup_document
    for _ in range(data.draw(st.integers(1, 3), label="replacements")):
        path = data.draw(st.sampled_from(paths(document)), label="path")
        document = replaced(document, path, data.draw(wrong, label="value"))
    import_everywhere(alice, json.dumps(document, ensure_ascii=data.draw(st.booleans())), "auto")
