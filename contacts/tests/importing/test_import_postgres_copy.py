"""fast_insert writes rows through COPY on PostgreSQL and executemany on SQLite: the same rows either way.

1. `fast_insert` itself, on whichever database the run uses: every column type its
   callers write (text with tabs, backslashes, newlines, quotes, "\\N", unicode; None;
   dates; aware datetimes; bools; ints) reads back exactly as given; a failing row
   raises Django's IntegrityError and the rows before it roll back with the block.
2. On PostgreSQL only: the same files (a LinkedIn CSV with duplicates, job changes,
   bad rows and odd characters; a Google CSV with notes, phones, tags and birthdays
   that merges into it; a vCard) imported here and, by `manage.py` in a subprocess,
   into a scratch SQLite database give the same account, export for export.
"""

import csv
import io
import json
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from contacts.importing.exporting import EXPORTERS
from contacts.importing.fastinsert import DriverValues, adapt_datetime, allocate_ids, fast_insert
from contacts.importing.services import import_run
from contacts.importing.write import CONTACT_COLUMNS, INTERACTION_COLUMNS
from contacts.models import Contact, ContactEmail, Interaction
from contacts.tests.factories import make_user
from reminders.tests.procs import child_env, manage

# Text that COPY's text format must escape (tab, newline, CR, backslash, "\N", "\."),
# that CSV quoting must survive, and characters beyond ASCII.
ODD_TEXTS = [
    "tab\there",
    "back\\slash",
    "\\N",
    "\\.",
    "ends with a backslash\\",
    "\\\\two",
    "line one\nline two",
    "carriage\r\nreturn",
    "a lone\rreturn",
    "double \"quotes\" and 'single'",
    "José Søren Chloé 王小明 Ærøskøbing 😀 e\u0301 \u200f",
    "",
    "  padded  ",
    "NULL",
    "comma, semicolon; pipe| percent %s %(x)s",
    "\x01\x1f control characters",
]


# --- 1. fast_insert on this run's database ------------------------------------------


def _contact_row(values: dict, db: DriverValues) -> tuple:
    """A CONTACT_COLUMNS row in the driver's form, as write.py builds them, from Python values."""
    row = []
    for name in CONTACT_COLUMNS:
        field = Contact._meta.get_field(name)  # an attname ("owner_id") finds its field
        if name in values:
            value = values[name]
        elif field.null:
            value = None
        elif field.has_default():
            value = field.get_default()
        else:
            value = ""
        if isinstance(value, str):
            value = str.__str__(value)  # a TextChoices default reads back as a plain str
        values[name] = value
        kind = field.get_internal_type()
        if value is None:
            row.append(None)
        elif kind == "DateTimeField":
            row.append(adapt_datetime(value))
        elif kind == "DateField":
            row.append(db.date(value))
        else:
            row.append(db.plain(value))
    return tuple(row)


@pytest.mark.django_db
def test_fast_insert_writes_exactly_the_given_values_for_every_column_type():
    owner = make_user("copyvalues")
    db = DriverValues()
    ids = allocate_ids(Contact, len(ODD_TEXTS))
    kolkata = ZoneInfo("Asia/Kolkata")
    expected = []
    for n, (pk, text) in enumerate(zip(ids, ODD_TEXTS, strict=True)):
        expected.append(
            {
                "id": pk,
                "owner_id": owner.pk,
                "first_name": text or "x",
                "last_name": text,
                "company": ODD_TEXTS[-1 - n],
                "title": text[:200],
                "notes": "\n".join(ODD_TEXTS[n:] + ODD_TEXTS[:n]),
                "search_text": text.lower(),
                "introduced_by_id": ids[0] if n % 2 else None,  # an id in the same COPY
                "relationship": "mentor",
                "tie_strength": "strong" if n % 3 else "weak",
                "checkin_cadence_months": None if n % 2 else n,
                "birthday_month": None if n % 4 == 0 else 2,
                "birthday_day": None if n % 4 == 0 else 29,
                "birthday_year": 1904 if n % 4 == 1 else None,
                "started_on": [None, date(1, 1, 1), date(2024, 2, 29), date(9999, 12, 31)][n % 4],
                "next_check_in": date(2026, 1, 1) + timedelta(days=n),
                "warmth": 32767 if n == 1 else n,
                "reconnect_score": 0,
                "archived": bool(n % 2),
                "created_at": datetime(2024, 2, 29, 23, 59, 59, 999_999, tzinfo=kolkata) + timedelta(hours=n),
                "updated_at": datetime(2025, 6, 1, 12, 0, n, tzinfo=UTC),
            }
        )
    rows = [_contact_row(values, db) for values in expected]

    with CaptureQueriesContext(connection) as queries:
        fast_insert(Contact, CONTACT_COLUMNS, rows)
    assert len(queries) == 1  # one statement for the chunk (COPY or executemany), and it is logged
    assert queries[0]["sql"].startswith(f"{len(rows)} times: ")

    stored = {row["id"]: row for row in Contact.objects.filter(owner=owner).values(*CONTACT_COLUMNS)}
    assert sorted(stored) == ids
    for values in expected:
        row = stored[values["id"]]
        for name in CONTACT_COLUMNS:
            assert row[name] == values[name], (name, row[name], values[name])
            assert type(row[name]) is type(values[name]) or values[name] is None, name
    # Aware datetimes are the same instants (read back in UTC).
    assert stored[ids[0]]["created_at"].utcoffset() == timedelta(0)

    # Interactions (a TextChoices member made plain, a nullable text, dates) and a through table.
    iids = allocate_ids(Interaction, 3)
    now = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    interactions = [
        (iids[0], owner.pk, date(2024, 1, 2), "other", ODD_TEXTS[0] + ODD_TEXTS[3], "", None, None, now, ""),
        (
            iids[1],
            owner.pk,
            date(2008, 12, 31),
            "call",
            "\\N",
            "t\\o\tpics",
            "gave",
            date(2030, 1, 1),
            now,
            "",
        ),
        (iids[2], owner.pk, date(2025, 3, 1), "coffee", "", "😀", "mutual", None, now, "calendar"),
    ]
    fast_insert(
        Interaction,
        INTERACTION_COLUMNS,
        [
            (i, o, db.date(on), db.plain(k), s, t, e, f and db.date(f), adapt_datetime(c), g)
            for i, o, on, k, s, t, e, f, c, g in interactions
        ],
    )
    links = [(iids[0], ids[0]), (iids[0], ids[1]), (iids[2], ids[-1])]
    fast_insert(Interaction.contacts.through, ["interaction_id", "contact_id"], links)
    fast_insert(ContactEmail, ["contact_id", "value", "label"], [(ids[2], "a\\b@example.com", "work")])

    got = list(Interaction.objects.filter(owner=owner).order_by("id").values_list(*INTERACTION_COLUMNS))
    assert got == interactions
    assert set(INTERACTION_COLUMNS) == {f.attname for f in Interaction._meta.concrete_fields}
    through = Interaction.contacts.through.objects.filter(interaction_id__in=iids)
    assert sorted(through.values_list("interaction_id", "contact_id")) == sorted(links)
    assert list(ContactEmail.objects.filter(contact_id=ids[2]).values_list("value", "label")) == [
        ("a\\b@example.com", "work")
    ]


@pytest.mark.django_db
def test_a_failing_row_raises_integrity_error_and_the_block_rolls_back():
    owner = make_user("copyfails")
    db = DriverValues()
    pk, other = allocate_ids(Contact, 2)
    stamps = {"created_at": datetime(2026, 1, 2, tzinfo=UTC), "updated_at": datetime(2026, 1, 3, tzinfo=UTC)}
    good = _contact_row({"id": pk, "owner_id": owner.pk, "first_name": "Kept\tnot", **stamps}, db)
    clash = _contact_row({"id": other, "owner_id": owner.pk, "first_name": "Second", **stamps}, db)
    with pytest.raises(IntegrityError), transaction.atomic():
        fast_insert(Contact, CONTACT_COLUMNS, [good])
        fast_insert(Contact, CONTACT_COLUMNS, [clash, good])  # `good`'s id again: a duplicate key
    assert not Contact.objects.filter(owner=owner).exists()
    # The connection is usable afterwards, and the same rows go in once the clash is gone.
    fast_insert(Contact, CONTACT_COLUMNS, [good, clash])
    assert sorted(Contact.objects.filter(owner=owner).values_list("first_name", flat=True)) == [
        "Kept\tnot",
        "Second",
    ]


# --- 2. the same files, on PostgreSQL here and on SQLite in a subprocess --------------

FIRST = ["Ada", "José", "Søren", "Chloé", "王", "Zoë", "O'Brien", 'Ann "Nan"', "Back\\slash", "Mañana"]
LAST = [
    "King",
    "Ørsted",
    "Nguyễn",
    "Smith-Jones",
    "van der Berg",
    "D'Arcy",
    "Łukasiewicz",
    "Müller",
    "李",
    "X",
]
COMPANIES = [
    "Acme",
    "Globex, Inc.",
    'The "Quoted" Co',
    "Back\\slash Ltd",
    "Tab\tCorp",
    "Ünïcødé GmbH",
    "\\N",
    "Multi\nLine",
]
TITLES = ["Engineer", "CTO", "Director, Engineering", "Ingénieure", "\\.", "Lead\\Dev"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _csv(header: list[str], rows: list[list[str]], preamble: str = "") -> str:
    out = io.StringIO()
    out.write(preamble)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


LINKEDIN_HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
LINKEDIN_NOTES = 'Notes:\r\n"When exporting your connection data, some emails are missing."\r\n\r\n'


def linkedin_rows(rng: random.Random, count: int = 300) -> list[list[str]]:
    rows = []
    for i in range(count):
        first, last = rng.choice(FIRST), f"{rng.choice(LAST)}{i}"
        slug = f"p{i:04d}"
        email = f"{slug}@example.com" if i % 3 == 0 else ""
        day = f"{rng.randint(1, 28):02d} {rng.choice(MONTHS)} {rng.randint(2008, 2026)}"
        rows.append(
            [
                first,
                last,
                f"https://www.linkedin.com/in/{slug}",
                email,
                rng.choice(COMPANIES),
                rng.choice(TITLES),
                day,
            ]
        )
    # Duplicates: the same people again (same URL): unchanged, or with a new job.
    for i in range(0, count, 17):
        again = list(rows[i])
        if i % 2:
            again[4], again[5] = "New\tJob \\ Inc", 'Head of "Things"'
        rows.append(again)
    # Bad rows: no name, an impossible date, a date that is not one.
    rows += [
        ["", "", "https://www.linkedin.com/in/nobody", "", "Acme", "CTO", "01 Jan 2020"],
        ["Bad", "Date", "https://www.linkedin.com/in/bad-date", "", "Acme", "CTO", "31 Feb 2020"],
        ["Worse", "Date", "https://www.linkedin.com/in/worse", "", "Acme", "CTO", "not a date"],
    ]
    return rows


def linkedin_later_rows(rng: random.Random, earlier: list[list[str]]) -> list[list[str]]:
    """A later export: everyone again, some with a new job (job changes), a few new people."""
    rows = []
    for i, row in enumerate(earlier[:300]):
        row = list(row)
        if i % 7 == 3:
            row[4], row[5] = rng.choice(COMPANIES), f"Chief \\ {rng.choice(TITLES)}\tnow"
        rows.append(row)
    rows += [
        [f"New{i}", "Person", f"https://www.linkedin.com/in/new{i}", "", "Hooli", "CEO", "02 Mar 2026"]
        for i in range(20)
    ]
    return rows


def google_csv(rng: random.Random, count: int = 120) -> str:
    header = [
        "First Name",
        "Last Name",
        "Organization Name",
        "Organization Title",
        "Birthday",
        "Notes",
        "Labels",
        "E-mail 1 - Label",
        "E-mail 1 - Value",
        "Phone 1 - Label",
        "Phone 1 - Value",
        "Phone 2 - Label",
        "Phone 2 - Value",
    ]
    rows = []
    for i in range(count):
        # Every other row is a LinkedIn contact again (same email): a merge that fills empty fields.
        email = f"p{i * 3:04d}@example.com" if i % 2 == 0 else f"g{i}@example.org"
        birthday = ["1985-04-15", "--02-29", "12-25", "", "1970-01-01", "Apr 1", "2023-02-30"][i % 7]
        notes = "\n".join(rng.sample(ODD_TEXTS[:-1], 4)) + f"\nrow {i}"
        labels = " ::: ".join(["* myContacts", *rng.sample(["Friends", "Work", "Ålesund", "tag\\back"], 2)])
        rows.append(
            [
                rng.choice(FIRST),
                f"{rng.choice(LAST)}{i}",
                rng.choice(COMPANIES),
                rng.choice(TITLES),
                birthday,
                notes,
                labels,
                "* Work",
                email,
                "Mobile",
                f"+44 7700 900{i:03d}",
                "Work",
                "+1 (617) 555-0142" if i % 5 == 0 else "",
            ]
        )
    rows.append(["", "", "", "", "", "only notes", "", "", "", "", "", "", ""])  # nothing to import
    return _csv(header, rows)


VCARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Berners-Lee;Tim;;;\r\nFN:Tim Berners-Lee\r\nORG:W3C\\, Inc.;\r\n"
    "TITLE:Director\r\nEMAIL;type=WORK:timbl@w3.example\r\nTEL;type=CELL:+44 7700 900123\r\n"
    "NOTE:Invented the web.\\nTabs\\tand back\\\\slashes\\, and \\\\N.\r\nBDAY:1955-06-08\r\n"
    "CATEGORIES:web,standards,Ålesund\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nN:Łukasiewicz;Jan;;;\r\nFN:Jan Łukasiewicz\r\nEMAIL:p0000@example.com\r\n"
    "TEL;TYPE=home:+48 22 555 01 01\r\nBDAY:--1221\r\nNOTE:Already in the account (same email).\r\n"
    "END:VCARD\r\n"
)


def _normalised(document: dict) -> dict:
    """The export with what legitimately differs between the two runs made structural.

    - contacts' created_at: each import's `now`. Replaced by which import it was (the
      n-th distinct value in file order), so "created by the same import" still must
      match. Nothing else is ignored.
    - tag lists are sorted here: the database orders them by name, with its collation.
    """
    stamps: dict[str, str] = {}
    for contact in document["contacts"]:
        datetime.fromisoformat(contact["created_at"])  # a real timestamp
        contact["created_at"] = stamps.setdefault(contact["created_at"], f"import #{len(stamps) + 1}")
        contact["tags"] = sorted(contact["tags"])
    document["tags"] = sorted(document["tags"], key=lambda tag: tag["name"])
    return document


@pytest.mark.slow
@pytest.mark.django_db
def test_the_same_files_give_the_same_account_on_postgresql_and_sqlite(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass")
    rng = random.Random(14)
    linkedin = linkedin_rows(rng)
    files = {
        "Connections.csv": _csv(LINKEDIN_HEADER, linkedin, preamble=LINKEDIN_NOTES),
        "google.csv": google_csv(rng),
        "contacts.vcf": VCARD,
        "Connections-later.csv": _csv(
            LINKEDIN_HEADER, linkedin_later_rows(rng, linkedin), preamble=LINKEDIN_NOTES
        ),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8", newline="")

    owner = make_user("copyowner")
    here = []
    for name in files:
        report = import_run(owner=owner, data=(tmp_path / name).read_bytes(), filename=name)
        problems = [f"row {e.row}: {e.message}" for e in report.errors]
        problems += [f"row {w['row']}: warning: {w['message']}" for w in report.warnings]
        here.append((report.summary_line(), sorted(problems)))
    document = json.loads("".join(EXPORTERS["json"][0](owner=owner)))

    env = child_env(SQLITE_PATH=str(tmp_path / "scratch.sqlite3"))
    manage("migrate", "-v0", env=env)
    manage("shell", "-c", "from contacts.tests.factories import make_user; make_user('copyowner')", env=env)
    there = []
    for name in files:
        done = manage("import_contacts", str(tmp_path / name), "--user", "copyowner", env=env)
        problems = sorted(line for line in done.stderr.splitlines() if line.startswith("row "))
        there.append((done.stdout.strip().splitlines()[-1], problems))
    out = tmp_path / "sqlite.json"
    manage("export_contacts", "--user", "copyowner", "--format", "json", "--output", str(out), env=env)
    theirs = json.loads(out.read_text(encoding="utf-8"))

    assert here == there  # the same counts, row errors and warnings, file by file
    created = sum(int(summary.split()[0].removeprefix("created=")) for summary, _errors in here)
    assert created > 300 and any(errors for _summary, errors in here)
    updated = [int(summary.split()[1].removeprefix("updated=")) for summary, _errors in here]
    assert updated[1] > 0 and updated[3] > 0  # the Google merges and the later LinkedIn job changes
    ours = _normalised(document)
    assert ours == _normalised(theirs)
    # The odd characters went through both databases intact.
    notes = "\n".join(contact["notes"] for contact in ours["contacts"])
    for text in ODD_TEXTS[:-1]:
        if text.strip() and "\r" not in text:  # a CSV's line ends are read as "\n"
            assert text.strip() in notes, text
    assert {"tag\\back", "Ålesund", "standards"} <= {tag["name"] for tag in ours["tags"]}
    assert any(contact["phones"] and contact["birthday"] for contact in ours["contacts"])
    assert any(contact["linkedin_url"] and contact["phones"] for contact in ours["contacts"])  # merged
    assert any(contact["past_roles"] for contact in ours["contacts"])  # job changes were merged
    assert any("\\N" == contact["company"] for contact in ours["contacts"])
    assert len(ours["interactions"]) > 250  # "Connected on LinkedIn"
