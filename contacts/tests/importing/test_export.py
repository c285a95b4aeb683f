"""Exports: vCard back through our own parser, formula-safe CSV, commands."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from contacts.importing.exporting import export_csv, export_vcard, neutralise
from contacts.importing.parsers import vcard
from contacts.importing.services import import_run
from contacts.models import Contact
from contacts.tests.factories import make_contact, make_interaction, make_tag

from .conftest import FIXTURES


def test_vcard_export_reads_back_with_our_parser(alice):
    import_run(owner=alice, data=(FIXTURES / "contacts_v30.vcf").read_bytes())
    import_run(owner=alice, data=(FIXTURES / "generic.csv").read_bytes())
    text = "".join(export_vcard(owner=alice))
    assert text.count("BEGIN:VCARD") == 4 and "VERSION:3.0" in text
    rows = {(r["first_name"], r["last_name"]): r for r in vcard.parse(text)}
    tim = rows[("Tim", "Berners-Lee")]
    assert tim["emails"] == [
        ("timbl@w3.example", "work"),
        ("tim@home.example", "home"),
        ("tim@conference.example", "other"),
    ]
    assert ("+44 7700 900123", "mobile") in tim["phones"]
    assert tim["notes"] == "Invented the web.\nMet at WWW2024, Singapore."
    assert tim["birthday"] == (6, 8, 1955)
    assert sorted(tim["tags"]) == ["standards", "web"]
    assert tim["company"] == "World Wide Web Consortium"
    hedy = rows[("Hedy", "Lamarr")]
    assert hedy["started_on"].isoformat() == "2019-09-01"
    assert rows[("Claude", "Shannon")]["birthday"] == (4, 30, None)


def test_vcard_round_trip_creates_nothing_new(alice, bob):
    import_run(owner=alice, data=(FIXTURES / "contacts_v21.vcf").read_bytes())
    exported = "".join(export_vcard(owner=alice)).encode()
    first = import_run(owner=bob, data=exported)
    again = import_run(owner=bob, data=exported)
    assert (first.created, again.created) == (2, 0)


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_risky_cells_are_neutralised(value):
    assert neutralise(value) == "'" + value


def test_csv_export_neutralises_formula_cells_and_imports_back(alice, bob):
    make_contact(
        owner=alice,
        first_name="=cmd|' /C calc'!A0",
        last_name="Evil",
        company="@SUM(1+1)",
        notes="-2+3",
        phones=["+44 20 7946 0000"],
        emails=["evil@example.com"],
        tags=[make_tag(owner=alice, name="hackers")],
    )
    text = "".join(export_csv(owner=alice))
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0]["first_name"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["company"] == "'@SUM(1+1)"
    assert rows[0]["notes"] == "'-2+3"
    assert rows[0]["phones"] == "'+44 20 7946 0000"
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    report = import_run(owner=bob, data=text.encode("utf-8"))
    assert report.created == 1
    copy = Contact.objects.get(owner=bob)
    assert copy.first_name == "=cmd|' /C calc'!A0"  # the apostrophe is taken off again
    assert list(copy.phones.values_list("value", flat=True)) == ["+44 20 7946 0000"]
    assert list(copy.tags.values_list("name", flat=True)) == ["hackers"]


def test_export_command_writes_a_file_and_import_command_reads_it(alice, bob, tmp_path, capsys):
    call_command("import_contacts", str(FIXTURES / "backup_v3.json"), "--user", "alice")
    assert capsys.readouterr().out.strip().splitlines()[-1] == "created=3 updated=0 skipped=0 errors=0"
    out = tmp_path / "backup.json"
    call_command("export_contacts", "--user", "alice", "--format", "json", "--output", str(out))
    assert capsys.readouterr().out.strip().splitlines()[-1] == "exported=3 format=json"
    assert json.loads(out.read_text()) == json.loads((FIXTURES / "backup_v3.json").read_text())
    call_command("import_contacts", str(out), "--user", "bob")
    assert capsys.readouterr().out.strip().splitlines()[-1] == "created=3 updated=0 skipped=0 errors=0"


def test_import_command_reports_row_errors_and_summary_last(alice, capsys):
    call_command("import_contacts", str(FIXTURES / "bad_malformed_rows.csv"), "--user", "alice")
    captured = capsys.readouterr()
    assert "row 3: the row has 6 cells but the header has 4" in captured.err
    assert "row 5: the row has no name" in captured.err
    assert captured.out.strip().splitlines()[-1] == "created=2 updated=0 skipped=0 errors=2"


def test_import_command_dry_run_writes_nothing(alice, capsys):
    call_command(
        "import_contacts", str(FIXTURES / "linkedin_connections.csv"), "--user", "alice", "--dry-run"
    )
    assert capsys.readouterr().out.strip().splitlines()[-1] == "created=6 updated=0 skipped=0 errors=0"
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bad_binary.xlsx", "--user", "alice"], "binary"),
        (["bad_empty.csv", "--user", "alice"], "empty"),
        (["missing.csv", "--user", "alice"], "cannot read"),
        (["generic.csv", "--user", "nobody"], "no user"),
    ],
)
def test_import_command_fatal_errors(alice, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_contacts", str(FIXTURES / args[0]), *args[1:])
    assert not Contact.objects.exists()


def test_import_command_exits_1_with_one_line(alice, tmp_path):
    import subprocess
    import sys

    from django.conf import settings

    env = {
        "PATH": "/usr/bin:/bin",
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "crm.settings",
    }
    manage = settings.BASE_DIR / "manage.py"
    subprocess.run(
        [sys.executable, str(manage), "migrate", "-v0"], env=env, check=True, cwd=settings.BASE_DIR
    )
    subprocess.run(
        [
            sys.executable,
            str(manage),
            "shell",
            "-c",
            "from contacts.tests.factories import make_user; make_user('u')",
        ],
        env=env,
        check=True,
        cwd=settings.BASE_DIR,
    )
    done = subprocess.run(
        [sys.executable, str(manage), "import_contacts", str(FIXTURES / "bad_empty.csv"), "--user", "u"],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert done.returncode == 1
    assert done.stderr.strip() == "CommandError: The file is empty."


@pytest.mark.parametrize("fmt", ["vcard", "csv", "json"])
def test_export_query_count_does_not_grow_with_contacts(alice, fmt):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from contacts.importing.exporting import EXPORTERS

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            "".join(EXPORTERS[fmt][0](owner=alice))
        return len(ctx.captured_queries)

    for i in range(5):
        make_contact(
            owner=alice, emails=[f"a{i}@example.com"], phones=["+1 555"], tags=[make_tag(owner=alice)]
        )
    small = count()
    for i in range(60):
        make_contact(
            owner=alice, emails=[f"b{i}@example.com"], phones=["+1 555"], tags=[make_tag(owner=alice)]
        )
    assert count() == small


@pytest.mark.parametrize("fmt", ["vcard", "csv", "json"])
def test_exports_stream_a_big_account_in_pieces(alice, alice_client, fmt):
    """20,000 contacts took 8–10 s: the download starts at once and holds a chunk, not the file.

    The response streams; its first piece comes before most contacts are read (few
    queries), and the pieces are many small strings, not one document built in memory.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from contacts.importing.exporting import CHUNK

    contacts = [make_contact(owner=alice, emails=[f"p{i}@example.com"]) for i in range(CHUNK + 5)]
    make_interaction(contacts=contacts[:3])
    response = alice_client.get(reverse("contacts:export_download", args=[fmt]))
    assert response.streaming
    pieces = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as ctx:
        first = next(pieces)
    assert len(ctx.captured_queries) <= 8
    rest = list(pieces)
    assert len(rest) > CHUNK  # about one piece per contact
    assert max(len(piece) for piece in [first, *rest]) < 5_000
    if fmt == "json":
        document = json.loads(b"".join([first, *rest]))
        assert len(document["contacts"]) == CHUNK + 5 and len(document["interactions"]) == 1
