"""PostgreSQL's staged new contacts (contacts/importing/staging.py) write what the plain path writes.

The same files (LinkedIn exports with duplicates and job changes, a Google CSV that
merges into them, a vCard) are imported into two accounts, one with the stage and one
without, in chunks of 7 rows so that rows match contacts an earlier chunk created (the
stage is moved early then). Every row the imports wrote, with ids replaced by their
order, and every report must be the same.
"""

import random
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.importing import services, staging
from contacts.importing.services import import_run
from contacts.importing.write import CONTACT_COLUMNS
from contacts.models import Contact, ContactEmail, ContactPhone, Interaction, RoleHistory
from contacts.tests.factories import make_user
from reminders.models import PendingCheckIn, Reminder

from .test_import_postgres_copy import (
    LINKEDIN_HEADER,
    LINKEDIN_NOTES,
    VCARD,
    _csv,
    google_csv,
    linkedin_later_rows,
    linkedin_rows,
)

TODAY = date(2026, 11, 26)
_SKIPPED = {"id", "owner_id", "created_at", "updated_at"}  # ids and each import's own clock


def _files() -> dict[str, str]:
    rng = random.Random(14)
    linkedin = linkedin_rows(rng, count=120)
    return {
        "Connections.csv": _csv(LINKEDIN_HEADER, linkedin, preamble=LINKEDIN_NOTES),
        "google.csv": google_csv(rng, count=60),
        "contacts.vcf": VCARD,
        "Connections-later.csv": _csv(
            LINKEDIN_HEADER, linkedin_later_rows(rng, linkedin), preamble=LINKEDIN_NOTES
        ),
    }


def _account(owner) -> dict:
    """Everything the imports wrote for `owner`, ids replaced by their rank."""
    ids = list(Contact.objects.filter(owner=owner).order_by("id").values_list("id", flat=True))
    rank = {pk: n for n, pk in enumerate(ids)}
    columns = [name for name in CONTACT_COLUMNS if name not in _SKIPPED]
    contacts = [
        {**row, "introduced_by_id": rank.get(row["introduced_by_id"])}
        for row in Contact.objects.filter(owner=owner).order_by("id").values(*columns)
    ]
    interactions = Interaction.objects.filter(owner=owner).order_by("id")
    return {
        "contacts": contacts,
        "emails": [
            (rank[c], v, label)
            for c, v, label in ContactEmail.objects.filter(contact__owner=owner)
            .order_by("id")
            .values_list("contact_id", "value", "label")
        ],
        "emails_carry_the_owner": set(
            ContactEmail.objects.filter(contact__owner=owner).values_list("owner_id", flat=True)
        )
        == {owner.pk},
        "phones": [
            (rank[c], v, label)
            for c, v, label in ContactPhone.objects.filter(contact__owner=owner)
            .order_by("id")
            .values_list("contact_id", "value", "label")
        ],
        "tags": sorted(
            (rank[c], name)
            for c, name in Contact.tags.through.objects.filter(contact__owner=owner).values_list(
                "contact_id", "tag__name"
            )
        ),
        "interactions": [
            (i.occurred_on, i.kind, i.summary, i.follow_up_on, sorted(rank[c.pk] for c in i.contacts.all()))
            for i in interactions.prefetch_related("contacts")
        ],
        "roles": [
            (rank[c], company, title, started, ended)
            for c, company, title, started, ended in RoleHistory.objects.filter(contact__owner=owner)
            .order_by("id")
            .values_list("contact_id", "company", "title", "started_on", "ended_on")
        ],
        "pending_check_ins": sorted(
            (rank[c], due)
            for c, due in PendingCheckIn.objects.filter(owner=owner).values_list("contact_id", "due_on")
        ),
        "reminders": sorted(
            (rank[c], kind, due, status)
            for c, kind, due, status in Reminder.objects.filter(contact__owner=owner).values_list(
                "contact_id", "kind", "due_on", "status"
            )
        ),
    }


def _report(report, rank: dict[int, int]) -> dict:
    text = repr(report.as_dict())
    for pk, n in sorted(rank.items(), key=lambda item: -item[0]):  # longest ids first
        text = text.replace(f"'contact_id': {pk},", f"'contact_id': '#{n}',")
    return {"summary": report.summary_line(), "data": text}


def _import_all(owner, files, monkeypatch, *, staged: bool) -> tuple[list[dict], list[str]]:
    monkeypatch.setattr(staging, "STAGE_ON_POSTGRESQL", staged)
    reports, statements = [], []
    for name, text in files.items():
        with CaptureQueriesContext(connection) as queries:
            report = import_run(owner=owner, data=text.encode(), filename=name, today=TODAY)
        statements += [query["sql"] for query in queries]
        ids = Contact.objects.filter(owner=owner).order_by("id").values_list("id", flat=True)
        reports.append(_report(report, {pk: n for n, pk in enumerate(ids)}))
    return reports, statements


@pytest.mark.django_db
def test_staged_contacts_are_written_as_the_plain_path_writes_them(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the stage is PostgreSQL's (SQLite always takes the plain path)")
    monkeypatch.setattr(services, "CHUNK_SIZE", 7)
    files = _files()
    plain_owner, staged_owner = make_user("plainpath"), make_user("stagedpath")

    plain_reports, plain_sql = _import_all(plain_owner, files, monkeypatch, staged=False)
    staged_reports, staged_sql = _import_all(staged_owner, files, monkeypatch, staged=True)

    assert not any(staging._STAGE in sql for sql in plain_sql)
    assert any(
        sql.startswith('INSERT INTO "contacts_contact"') and staging._STAGE in sql for sql in staged_sql
    )
    # Rows matched contacts of earlier chunks: the stage moved before the end, more than once.
    assert sum(sql.startswith(f"TRUNCATE {staging._STAGE}") for sql in staged_sql) > len(files)
    assert staged_reports == plain_reports
    plain, staged = _account(plain_owner), _account(staged_owner)
    assert len(staged["contacts"]) > 150 and staged["roles"] and staged["reminders"]
    assert len(staged["pending_check_ins"]) > 150
    assert any(row["first_check_in_on"] for row in staged["contacts"])
    for key in plain:
        assert staged[key] == plain[key], key


@pytest.mark.django_db
def test_a_dry_run_and_a_failed_import_leave_no_stage_behind(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the stage is PostgreSQL's")
    files = _files()
    owner = make_user("stagedry")
    report = import_run(owner=owner, data=files["Connections.csv"].encode(), dry_run=True, today=TODAY)
    assert report.created > 100
    assert not Contact.objects.filter(owner=owner).exists()

    def broken(self) -> None:  # the end of the import fails after rows were staged
        raise RuntimeError("boom")

    monkeypatch.setattr(staging.ContactStage, "finish", broken)
    with pytest.raises(RuntimeError):
        import_run(owner=owner, data=files["Connections.csv"].encode(), today=TODAY)
    monkeypatch.undo()
    assert not Contact.objects.filter(owner=owner).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname = %s", [staging._STAGE])
        assert cursor.fetchone()[0] == 0
    # The next import stages again from scratch.
    report = import_run(owner=owner, data=files["Connections.csv"].encode(), today=TODAY)
    assert Contact.objects.filter(owner=owner).count() == report.created > 100
