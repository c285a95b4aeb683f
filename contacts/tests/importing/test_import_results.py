"""Honest import results: rejected rows with their original columns, a bad optional date that
keeps the person, the preview's dry-run summary, and row numbers that agree everywhere."""

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import example, given, settings
from hypothesis import strategies as st

from contacts.importing import preview as preview_module
from contacts.importing.decide import Decider
from contacts.importing.errors import RowError
from contacts.importing.index import OwnerIndex
from contacts.importing.job_run import import_job_run
from contacts.importing.parsers import linkedin
from contacts.importing.preview import import_plan, preview_table
from contacts.importing.rejected import rejected_rows
from contacts.importing.report import ImportReport
from contacts.importing.services import import_preview, import_read_text, import_run
from contacts.models import CONNECTED_SUMMARY, Contact, ImportJob, Interaction
from contacts.tests.factories import make_contact

LINKEDIN_HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
PREAMBLE = (
    "Notes:\r\n"
    '"When exporting your connection data, you may notice that some of the email addresses are missing."\r\n'
    "\r\n"
)


def linkedin_file(*rows: list[str]) -> bytes:
    """A LinkedIn Connections.csv: the Notes preamble (rows 1-3), the header (row 4), then `rows` from row 5."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([LINKEDIN_HEADER, *rows])
    return (PREAMBLE + buffer.getvalue()).encode()


# The scenario of the issue: rows already there, a job change, a bad Connected On date,
# a row without a name, a match whose name disagrees, a row that fills an empty field, new rows.
SCENARIO = linkedin_file(
    [
        "Ada",
        "Lovelace",
        "https://www.linkedin.com/in/ada-lovelace",
        "ada@analytical.example",
        "Analytical Engines",
        "Lead Analyst",
        "",
    ],  # 5: already there
    [
        "Grace",
        "Hopper",
        "https://www.linkedin.com/in/gracehopper",
        "",
        "Monzo",
        "CTO",
        "14 Feb 2023",
    ],  # 6: job change
    [
        "Alan",
        "Turing",
        "https://www.linkedin.com/in/alan-turing",
        "",
        "Bletchley Park, Hut 8",
        "Cryptanalyst",
        "Connectd 31/13/2020",
    ],  # 7: bad date
    [
        "",
        "",
        "https://www.linkedin.com/in/nobody",
        "nobody@example.com",
        "NoName Inc",
        "Ghost",
        "01 Jan 2022",
    ],  # 8: no name
    [
        "Olga",
        "Ivanova",
        "",
        "olga@example.org",
        "Yandex",
        "Head of Research",
        "",
    ],  # 9: another name, one email
    [
        "Katherine",
        "Johnson",
        "https://www.linkedin.com/in/kjohnson",
        "",
        "NASA",
        "Mathematician",
        "",
    ],  # 10: fills the URL
    [
        "Margaret",
        "Hamilton",
        "https://www.linkedin.com/in/mhamilton",
        "margaret@mit.example",
        "MIT",
        "Director, Software Engineering",
        "30 Jun 2021",
    ],  # 11: new
)


def scenario_contacts(owner) -> dict[str, Contact]:
    return {
        "ada": make_contact(
            owner=owner,
            first_name="Ada",
            last_name="Lovelace",
            company="Analytical Engines",
            title="Lead Analyst",
            linkedin_url="https://www.linkedin.com/in/ada-lovelace",
            emails=["ada@analytical.example"],
        ),
        "grace": make_contact(
            owner=owner,
            first_name="Grace",
            last_name="Hopper",
            company="JetBrains",
            title="Developer Advocate",
            linkedin_url="https://www.linkedin.com/in/gracehopper",
        ),
        "olga": make_contact(
            owner=owner,
            first_name="Ольга",
            last_name="Иванова",
            company="Yandex",
            title="Researcher",
            emails=["olga@example.org"],
        ),
        "katherine": make_contact(
            owner=owner, first_name="Katherine", last_name="Johnson", company="NASA", title="Mathematician"
        ),
    }


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = True


def upload(client, name: str, data: bytes, fmt: str = "auto") -> ImportJob:
    client.post(reverse("contacts:import"), {"file": SimpleUploadedFile(name, data), "format": fmt})
    return ImportJob.objects.latest("pk")


def run_job(job: ImportJob) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(message="Queued")
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def rejected_csv(client, job: ImportJob) -> list[list[str]]:
    response = client.get(reverse("contacts:import_rejected", args=[job.pk]))
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))


def text_of(html: str, element_id: str) -> str:
    """The text inside the element with this id (up to the next section of the page), tags removed."""
    start = html.index(f'id="{element_id}"')
    return " ".join(re.sub(r"<[^>]+>", "", html[start : start + 6000]).split())


# --- 1. rejected rows with the original columns ------------------------------------


def test_rejected_csv_has_the_file_columns_then_row_and_reason(alice_client, alice):
    scenario_contacts(alice)
    job = run_job(upload(alice_client, "Connections.csv", SCENARIO))
    rows = rejected_csv(alice_client, job)
    assert rows == [
        [*LINKEDIN_HEADER, "row", "reason"],
        [
            "",
            "",
            "https://www.linkedin.com/in/nobody",
            "nobody@example.com",
            "NoName Inc",
            "Ghost",
            "01 Jan 2022",
            "8",
            "the row has no name (first or last name is required)",
        ],
    ]
    # What is stored per rejected row: original column → non-empty cell, nothing else.
    assert job.errors == [
        {
            "row": 8,
            "message": "the row has no name (first or last name is required)",
            "data": {
                "URL": "https://www.linkedin.com/in/nobody",
                "Email Address": "nobody@example.com",
                "Company": "NoName Inc",
                "Position": "Ghost",
                "Connected On": "01 Jan 2022",
            },
        }
    ]


def test_the_corrected_rejected_csv_imports_again_as_the_same_format(alice_client, alice):
    job = run_job(upload(alice_client, "Connections.csv", SCENARIO))
    rows = rejected_csv(alice_client, job)
    rows[1][0], rows[1][1] = "Nobody", "Known"  # fixed in a spreadsheet
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    again = upload(alice_client, "rejected.csv", buffer.getvalue().encode())
    assert again.format == "linkedin"  # the extra row and reason columns do not change the format
    again = run_job(again)
    assert (again.created_count, again.error_count) == (1, 0)
    fixed = Contact.objects.get(owner=alice, first_name="Nobody")
    assert (fixed.company, fixed.title, fixed.linkedin_url) == (
        "NoName Inc",
        "Ghost",
        "https://www.linkedin.com/in/nobody",
    )
    assert Interaction.objects.filter(contacts=fixed, summary=CONNECTED_SUMMARY).exists()


def test_a_rejected_csv_rejected_again_keeps_one_row_and_one_reason_column(alice_client, alice):
    job = run_job(upload(alice_client, "Connections.csv", SCENARIO))
    rows = rejected_csv(alice_client, job)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)  # uploaded again without fixing it
    again = run_job(upload(alice_client, "rejected.csv", buffer.getvalue().encode()))
    assert again.error_count == 1
    header, row = rejected_csv(alice_client, again)
    assert header == [*LINKEDIN_HEADER, "row", "reason"]
    assert row[-2:] == ["2", "the row has no name (first or last name is required)"]


def test_google_rejected_rows_keep_neutralised_phones_and_import_again(alice_client, alice):
    google = (
        b"First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value\n"
        b"Ada,Lovelace,Work,ada@example.org,Mobile,+44 20 7946 0000\n"
        b",,Work,nameless@example.org,Mobile,+44 20 7946 0001\n"
    )
    job = run_job(upload(alice_client, "contacts.csv", google))
    header, row = rejected_csv(alice_client, job)
    assert header[-2:] == ["row", "reason"] and row[-2] == "3"
    assert row[5] == "'+44 20 7946 0001"  # neutralised against formula injection...
    row[0] = "Nameless"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, row])
    again = run_job(upload(alice_client, "rejected.csv", buffer.getvalue().encode()))
    assert again.format == "google" and again.created_count == 1
    fixed = Contact.objects.get(owner=alice, first_name="Nameless")
    assert list(fixed.phones.values_list("value", flat=True)) == ["+44 20 7946 0001"]  # ...and read back


def test_vcard_rejected_rows_give_row_name_reason_and_the_card(alice_client, alice):
    cards = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nN:Lovelace;Ada;;;\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nEMAIL;TYPE=WORK:ghost@example.org\r\nPHOTO;ENCODING=b;TYPE=JPEG:AAAA\r\nEND:VCARD\r\n"
    )
    job = run_job(upload(alice_client, "contacts.vcf", cards))
    assert (job.created_count, job.error_count) == (1, 1)
    rows = rejected_csv(alice_client, job)
    assert rows == [
        ["row", "name", "reason", "card"],
        [
            "2",
            "",
            "the row has no name (first or last name is required)",
            "BEGIN:VCARD\nVERSION:3.0\nEMAIL;TYPE=WORK:ghost@example.org\nEND:VCARD",
        ],
    ]


@pytest.mark.parametrize(
    ("errors", "report"),
    [
        ([{"row": 3, "message": "bad", "data": {"first name": "Ada", "email address": "a@x.org"}}], {}),
        ([{"row": 3, "message": "bad", "data": {"first_name": "Ada", "emails": "a@x.org"}}], ["not a dict"]),
        (
            [{"row": 3}, {"message": "no row"}, {"row": 4, "data": "not a dict"}, "junk", None],
            {"columns": "x"},
        ),
        ({"not": "a list"}, {"columns": [1, 2]}),
        ([{"row": 1, "message": "m", "data": {"name": "A", "card": "BEGIN:VCARD"}}], {"format": "vcard"}),
    ],
)
def test_an_old_job_download_never_fails(alice_client, alice, errors, report):
    job = run_job(upload(alice_client, "Connections.csv", SCENARIO))
    ImportJob.objects.filter(pk=job.pk).update(errors=errors, report=report)
    rows = rejected_csv(alice_client, job)
    assert rows and "reason" in rows[0]
    assert alice_client.get(reverse("contacts:import_job", args=[job.pk])).status_code == 200


def test_the_old_shape_keeps_its_cells_under_its_keys():
    rows = list(
        rejected_rows(
            errors=[{"row": 3, "message": "bad", "data": {"first name": "Ada", "email address": "a@x.org"}}],
            report={},
            fmt="linkedin",
        )
    )
    assert rows == [["first name", "email address", "row", "reason"], ["Ada", "a@x.org", "3", "bad"]]


# --- row numbers: the file's, as a spreadsheet shows them, everywhere ---------------


def test_row_numbers_agree_in_the_preview_the_result_page_and_the_csv(alice_client, alice):
    # Row 1 header, 2 Ada, 3 blank, 4 Grace (her note spans two lines), 5 no name, 6 Alan.
    data = (
        b"Name,Email,Notes\n"
        b"Ada Lovelace,ada@example.org,\n"
        b"\n"
        b'Grace Hopper,grace@example.org,"Met at the\nNavy yard"\n'
        b",nobody@example.org,no name\n"
        b"Alan Turing,alan@example.org,\n"
    )
    job = upload(alice_client, "people.csv", data)
    text = import_read_text(data=data)
    table = preview_table(import_preview(text=text, fmt="csv")["rows"])
    assert [row["row"] for row in table["rows"]] == [2, 4, 5, 6]
    page = alice_client.get(reverse("contacts:import_preview", args=[job.pk])).content.decode()
    assert "Row 5: the row has no name" in text_of(page, "plan-rejected")
    assert "Will be rejected: the row has no name" in page
    job = run_job(job)
    assert [e["row"] for e in job.errors] == [5]
    result = alice_client.get(reverse("contacts:import_job", args=[job.pk])).content.decode()
    assert "<td>5</td><td>the row has no name" in result
    header, row = rejected_csv(alice_client, job)
    assert header == ["Name", "Email", "Notes", "row", "reason"]
    assert row[:4] == ["", "nobody@example.org", "no name", "5"]


def test_linkedin_rows_count_the_notes_preamble():
    rows = list(linkedin.parse(import_read_text(data=SCENARIO)))
    assert [row["row"] for row in rows] == [5, 6, 7, 8, 9, 10, 11]


# --- 2. a bad optional date keeps the person -------------------------------------


def test_a_bad_connected_on_date_imports_the_person_without_the_connection(alice_client, alice):
    job = run_job(upload(alice_client, "Connections.csv", SCENARIO))
    alan = Contact.objects.get(owner=alice, first_name="Alan")
    assert not Interaction.objects.filter(contacts=alan).exists()  # no "Connected on LinkedIn"
    margaret = Contact.objects.get(owner=alice, first_name="Margaret")
    assert Interaction.objects.filter(contacts=margaret, summary=CONNECTED_SUMMARY).exists()
    assert {
        "row": 7,
        "message": ("Connected On “Connectd 31/13/2020” is not a date; imported without the connection date"),
    } in job.report["warnings"]
    assert [e["row"] for e in job.errors] == [8]  # only the row without a name is rejected
    page = alice_client.get(reverse("contacts:import_job", args=[job.pk])).content.decode()
    problems = text_of(page, "import-problems")
    assert "Imported with a problem" in problems
    assert (
        "Row 7: Connected On “Connectd 31/13/2020” is not a date; imported without the connection date"
        in problems
    )
    rejected = page[page.index('id="import-rejected"') : page.index('id="import-problems"')]
    assert "Connectd" not in rejected


@pytest.mark.parametrize(
    ("name", "data", "first_name"),
    [
        (
            "google.csv",
            "First Name,Last Name,E-mail 1 - Value,Birthday\nAda,Lovelace,ada@example.org,1815-13-45\n",
            "Ada",
        ),
        (
            "outlook.csv",
            "First Name,Last Name,E-mail Address,Job Title,Birthday\nAda,Lovelace,ada@example.org,Analyst,31/31/1990\n",
            "Ada",
        ),
        (
            "people.vcf",
            "BEGIN:VCARD\nVERSION:3.0\nFN:Ada Lovelace\nN:Lovelace;Ada;;;\nBDAY:1990-02-30\nEND:VCARD\n",
            "Ada",
        ),
        (
            "people.csv",
            "Name,Email,Birthday,Start date\nAda Lovelace,ada@example.org,31/31/1990,someday\n",
            "Ada",
        ),
        (
            "backup.json",
            '{"format": "keepwarm-backup", "version": 1, "contacts": [{"id": 1, "first_name": "Ada",'
            ' "last_name": "Lovelace", "birthday": "--13-45", "started_on": "2020-02-30"}]}',
            "Ada",
        ),
    ],
)
def test_a_bad_birthday_keeps_the_person_in_every_format(alice, name, data, first_name):
    report = import_run(owner=alice, data=data.encode(), filename=name)
    assert (report.created, report.error_count) == (1, 0)
    contact = Contact.objects.get(owner=alice, first_name=first_name)
    assert contact.birthday_month is None
    assert any(
        "is not a date" in w["message"] and "imported without the birthday" in w["message"]
        for w in report.warnings
    )


@settings(max_examples=300, deadline=None)
@given(value=st.text(max_size=40).filter(lambda v: "\x00" not in v))
@example(value="Connectd 31/13/2020")
@example(value="31/02/2020")
@example(value="01 Jan 0001")
@example(value='"\n"')
def test_no_connected_on_value_rejects_a_row_with_a_name(value):
    """Whatever the Connected On cell holds (the decoder refuses NUL bytes before any parser)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([LINKEDIN_HEADER, ["Ada", "Lovelace", "", "", "Acme", "CTO", value]])
    rows = list(linkedin.parse(buffer.getvalue()))
    assert len(rows) == 1 and isinstance(rows[0], dict)
    report = ImportReport()
    decider = Decider(
        index=OwnerIndex(), take_id=iter(range(1, 10)).__next__, defaults={}, report=report, job_changes=True
    )
    kept = decider.clean(rows)
    assert len(kept) == 1 and not report.errors
    if report.warnings:  # a value that is not a date is reported, and left out
        assert rows[0]["connected_on"] is None
        assert report.warnings[0]["message"].endswith("imported without the connection date")


# --- 3. the preview's dry-run summary --------------------------------------------


def test_the_preview_says_what_the_import_will_do_and_the_import_does_it(
    alice_client, alice, django_capture_on_commit_callbacks
):
    people = scenario_contacts(alice)
    job = upload(alice_client, "Connections.csv", SCENARIO)
    before = Contact.objects.filter(owner=alice).count()
    with CaptureQueriesContext(connection) as queries:
        page = alice_client.get(reverse("contacts:import_preview", args=[job.pk])).content.decode()
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []  # a preview only reads
    assert Contact.objects.filter(owner=alice).count() == before
    counts = {
        key: int(re.search(rf'data-count="{key}"><div class="fs-4 fw-semibold">(\d+)<', page)[1])
        for key in ("new", "unchanged", "update", "rejected")
    }
    assert counts == {"new": 2, "unchanged": 2, "update": 2, "rejected": 1}
    assert "7 rows checked against your contacts" in text_of(page, "import-plan-scope")
    job_changes = text_of(page, "plan-job-changes")
    assert "Grace Hopper: Developer Advocate at JetBrains → CTO at Monzo" in job_changes
    assert "“Olga Ivanova” matches Ольга Иванова" in text_of(page, "plan-to-confirm")
    assert "Row 10: Katherine Johnson — LinkedIn URL" in text_of(page, "plan-updates")
    assert "Row 8: the row has no name" in text_of(page, "plan-rejected")
    assert "Row 7: Connected On “Connectd 31/13/2020” is not a date" in text_of(page, "plan-problems")
    # The import then does exactly that.
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("contacts:import_preview", args=[job.pk]), {"format": "linkedin"})
    job.refresh_from_db()
    assert (job.created_count, job.skipped_count, job.updated_count, job.error_count) == (2, 2, 2, 1)
    people["grace"].refresh_from_db()
    assert (people["grace"].company, people["grace"].title) == ("Monzo", "CTO")
    people["olga"].refresh_from_db()
    assert people["olga"].title == "Researcher"


def test_the_plan_matches_the_import_report(alice):
    scenario_contacts(alice)
    text = import_read_text(data=SCENARIO)
    planned = import_plan(owner=alice, text=text, fmt="linkedin")["report"]
    done = import_run(owner=alice, text=text, fmt="linkedin")
    for attribute in ("created", "updated", "skipped", "error_count", "warnings", "to_confirm"):
        assert getattr(planned, attribute) == getattr(done, attribute), attribute
    assert [e.row for e in planned.errors] == [e.row for e in done.errors]
    assert planned.job_changes == done.job_changes
    assert [(m["row"], m["fields"]) for m in planned.merged] == [(m["row"], m["fields"]) for m in done.merged]


def test_the_plan_spans_chunks_like_the_import(alice, monkeypatch):
    # A later chunk's row matching an earlier chunk's new contact: merged, not created twice.
    monkeypatch.setattr(preview_module, "CHUNK_SIZE", 2)
    rows = [[f"P{i}", "Q", f"https://www.linkedin.com/in/p{i}", "", "Acme", "Eng", ""] for i in range(5)]
    rows.append(["P0", "Q", "https://www.linkedin.com/in/p0", "p0@example.org", "Acme", "Eng", ""])
    plan = import_plan(owner=alice, text=import_read_text(data=linkedin_file(*rows)), fmt="linkedin")
    report = plan["report"]
    assert (report.created, report.updated, plan["rows"]) == (5, 1, 6)
    assert report.merged[0]["fields"] == ["email p0@example.org"]


def test_a_big_file_is_planned_on_its_first_rows_and_says_so(alice_client, alice, monkeypatch):
    monkeypatch.setattr(preview_module, "PLAN_ROWS", 3)
    job = upload(alice_client, "Connections.csv", SCENARIO)
    page = alice_client.get(reverse("contacts:import_preview", args=[job.pk])).content.decode()
    assert "Counted on the first 3 rows of the file (it has more)" in text_of(page, "import-plan-scope")


# --- 4. the preview table ----------------------------------------------------------


def test_the_preview_hides_the_columns_the_file_never_fills(alice_client, alice):
    scenario_contacts(alice)
    job = upload(alice_client, "Connections.csv", SCENARIO)
    page = alice_client.get(reverse("contacts:import_preview", args=[job.pk])).content.decode()
    headings = re.findall(r'<th scope="col" data-column="(\w+)">', page)
    assert headings == ["outcome", "name", "emails", "company", "title", "linkedin_url", "connected_on"]
    assert re.findall(r'data-row="(\d+)"', page) == ["5", "6", "7", "8", "9", "10", "11"]
    outcomes = re.findall(
        r'data-row="\d+">\s*<td[^>]*>\d+</td>\s*<td[^>]*><span class="badge [^"]+">([^<]+)<', page
    )
    assert outcomes == ["already there", "job change", "new", "rejected", "check match", "update", "new"]
    assert ">in/gracehopper<" in page  # the profile, not the whole address
    google = b"First Name,Last Name,E-mail 1 - Value,Phone 1 - Value,Birthday\nAda,Lovelace,ada@example.org,+44 1,--12-10\n"
    job = upload(alice_client, "google.csv", google)
    page = alice_client.get(reverse("contacts:import_preview", args=[job.pk])).content.decode()
    headings = re.findall(r'<th scope="col" data-column="(\w+)">', page)
    assert headings == ["outcome", "name", "emails", "phones", "birthday"]
    assert ">10 Dec<" in page


def test_the_preview_page_has_no_inline_script_or_handler(alice_client, alice):
    job = upload(alice_client, "Connections.csv", SCENARIO)
    page = alice_client.get(reverse("contacts:import_preview", args=[job.pk])).content.decode()
    assert not re.search(r"\son[a-z]+=", page)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "js/autosubmit.js" in page and "data-autosubmit" in page


# --- 5. the result page's wording ----------------------------------------------------


def test_the_result_page_never_says_nothing_was_overwritten_above_a_job_change(alice_client, alice):
    scenario_contacts(alice)
    job = run_job(upload(alice_client, "Connections.csv", SCENARIO))
    page = alice_client.get(reverse("contacts:import_job", args=[job.pk])).content.decode()
    assert job.report["job_changes"]
    assert "overwritten" not in page
    assert "For the job changes above, the company and title were replaced" in page
    # Without a job change, the plain rule is what happened.
    again = run_job(
        upload(
            alice_client,
            "Connections.csv",
            linkedin_file(["Katherine", "Johnson", "", "kj@nasa.example", "NASA", "Mathematician", ""]),
        )
    )
    page = alice_client.get(reverse("contacts:import_job", args=[again.pk])).content.decode()
    assert not again.report["job_changes"] and again.updated_count == 1
    assert "Only empty fields were filled in; nothing you typed was overwritten." in page


def test_the_admin_table_keeps_a_bad_date_as_a_row_error():
    """The admin's preview lists row errors, not warnings: nothing is dropped unseen there."""
    from contacts.importing.parsers.tabular import table_rows

    rows = list(table_rows(["first_name", "last_name", "birthday"], [["Ada", "Lovelace", "--13-45"]], "csv"))
    assert isinstance(rows[0], RowError) and rows[0].message == "birthday “--13-45” is not a real date"
