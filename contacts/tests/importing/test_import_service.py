"""import_run end to end on the real database: fields, matching, job changes, bad input."""

import json
from datetime import UTC, date, datetime
from unittest.mock import patch

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.importing.errors import ImportFormatError
from contacts.importing.exporting import backup_build
from contacts.importing.services import import_run
from contacts.models import Contact, ContactEmail, Interaction, RoleHistory
from contacts.tests.factories import make_contact, make_user
from reminders import services as reminder_services
from reminders.models import Reminder

from .conftest import FIXTURES

TODAY = date(2026, 11, 23)


def run(owner, name, **kwargs):
    return import_run(owner=owner, data=(FIXTURES / name).read_bytes(), filename=name, today=TODAY, **kwargs)


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("linkedin_connections.csv", 6),
        ("google_contacts.csv", 3),
        ("outlook_contacts_utf16.csv", 2),
        ("contacts_v21.vcf", 2),
        ("contacts_v30.vcf", 2),
        ("contacts_v40.vcf", 2),
        ("generic.csv", 2),
        ("generic_cp1252.csv", 2),
        ("backup.json", 2),
    ],
)
def test_each_format_imports_then_reimports_without_duplicates(alice, name, count):
    first = run(alice, name)
    assert (first.created, first.error_count) == (count, 0)
    contacts = Contact.objects.filter(owner=alice).count()
    emails = ContactEmail.objects.filter(contact__owner=alice).count()
    interactions = Interaction.objects.filter(owner=alice).count()
    again = run(alice, name)
    assert again.created == 0
    assert again.updated == 0
    assert again.skipped == count
    assert Contact.objects.filter(owner=alice).count() == contacts
    assert ContactEmail.objects.filter(contact__owner=alice).count() == emails
    assert Interaction.objects.filter(owner=alice).count() == interactions


def test_linkedin_import_sets_fields_and_one_connected_interaction(alice):
    run(alice, "linkedin_connections.csv")
    ada = Contact.objects.get(owner=alice, first_name="Ada")
    assert (ada.company, ada.title) == ("Analytical Engines", "Lead Analyst")
    assert ada.linkedin_url == "https://www.linkedin.com/in/ada-lovelace"
    assert list(ada.emails.values_list("value", flat=True)) == ["ada@analytical.example"]
    connected = Interaction.objects.get(contacts=ada)
    assert (connected.kind, connected.summary, connected.occurred_on) == (
        "other",
        "Connected on LinkedIn",
        date(2024, 3, 5),
    )
    ada.refresh_from_db()
    assert ada.last_interaction_on == date(2024, 3, 5)  # the schedule was refreshed


def test_newer_linkedin_export_records_job_changes(alice):
    run(alice, "linkedin_connections.csv")
    report = run(alice, "linkedin_connections_newer.csv")
    assert report.created == 1  # Radia Perlman
    changes = {c["name"]: c for c in report.job_changes}
    assert set(changes) == {"Ada Lovelace", "Grace Hopper"}
    assert changes["Ada Lovelace"]["old_company"] == "Analytical Engines"
    assert changes["Ada Lovelace"]["new_company"] == "Difference Engines Ltd"
    ada = Contact.objects.get(owner=alice, first_name="Ada")
    assert (ada.company, ada.title) == ("Difference Engines Ltd", "Chief Scientist")
    assert RoleHistory.objects.filter(
        contact=ada, company="Analytical Engines", title="Lead Analyst"
    ).exists()
    assert Reminder.objects.filter(contact=ada, kind="job_change", due_on=TODAY).exists()
    # Margaret's URL differs only by case, http and a trailing slash: matched, unchanged.
    assert Contact.objects.filter(owner=alice, first_name="Margaret").count() == 1
    assert Interaction.objects.filter(owner=alice, summary="Connected on LinkedIn").count() == 7


def test_a_match_fills_empty_fields_and_never_overwrites_typed_ones(alice):
    typed = make_contact(
        owner=alice,
        first_name="Linus",
        last_name="Torvalds",
        company="My own note",
        title="",
        emails=["LINUS@LF.example"],
    )
    report = run(alice, "google_contacts.csv")
    typed.refresh_from_db()
    assert typed.company == "My own note"  # typed: kept
    assert typed.title == "Fellow"  # empty: filled
    assert (typed.birthday_month, typed.birthday_day, typed.birthday_year) == (12, 28, 1969)
    assert sorted(typed.emails.values_list("value", flat=True)) == [
        "LINUS@LF.example",
        "linus.home@example.org",
    ]
    merged = next(m for m in report.merged if m["contact_id"] == typed.pk)
    assert "title" in merged["fields"] and "email linus.home@example.org" in merged["fields"]
    assert report.created == 2 and report.updated == 1


def test_matching_by_name_and_company_when_there_is_no_email(alice):
    make_contact(
        owner=alice,
        first_name="Alan",
        last_name="Turing",
        company="Bletchley Park, Hut 8",
        title="Cryptanalyst",
    )
    report = run(alice, "linkedin_connections.csv")
    assert report.created == 5
    assert Contact.objects.filter(owner=alice, first_name="Alan").count() == 1


def test_the_same_person_twice_in_one_file_is_one_contact(alice):
    data = b"Name,Email,Phone\nAda Lovelace,ada@example.org,\nAda Lovelace,ADA@example.org,+44 1\n"
    report = import_run(owner=alice, data=data, today=TODAY)
    assert (report.created, report.updated) == (1, 1)
    ada = Contact.objects.get(owner=alice)
    assert list(ada.phones.values_list("value", flat=True)) == ["+44 1"]


def test_imports_never_touch_another_users_contacts(alice, bob):
    bobs = make_contact(owner=bob, first_name="Ada", last_name="Lovelace", emails=["ada@analytical.example"])
    report = run(alice, "linkedin_connections.csv")
    assert report.created == 6
    bobs.refresh_from_db()
    assert bobs.company == "Acme"
    assert Contact.objects.filter(owner=bob).count() == 1


def test_dry_run_writes_nothing_but_counts_exactly(alice):
    report = run(alice, "linkedin_connections.csv", dry_run=True)
    assert report.summary_line() == "created=6 updated=0 skipped=0 errors=0"
    assert not Contact.objects.exists()
    assert not Interaction.objects.exists()


def test_malformed_rows_are_reported_and_the_rest_imports(alice):
    report = run(alice, "bad_malformed_rows.csv")
    assert report.summary_line() == "created=2 updated=0 skipped=0 errors=2"
    assert {e.row for e in report.errors} == {3, 5}
    assert sorted(Contact.objects.values_list("first_name", flat=True)) == ["Second", "Valid"]


def test_absurd_optional_dates_keep_the_person_and_are_reported(alice):
    report = run(alice, "bad_absurd_dates.csv")
    assert report.created == 5 and report.error_count == 0
    assert {w["row"] for w in report.warnings} == {3, 4, 5, 6}
    far = Contact.objects.get(owner=alice, first_name="Year")
    assert (far.birthday_month, far.birthday_day, far.birthday_year, far.started_on) == (5, 5, 1985, None)


@pytest.mark.parametrize(
    "name", ["bad_empty.csv", "bad_binary.xlsx", "bad_unknown_header.csv", "bad_not_backup.json"]
)
def test_unreadable_files_write_nothing(alice, name):
    with pytest.raises(ImportFormatError):
        run(alice, name)
    assert not Contact.objects.exists()


def test_a_fatal_error_midway_rolls_back_everything(alice):
    # A valid backup header, then a list where a list must not be: fatal after contacts parse.
    doc = json.loads((FIXTURES / "backup.json").read_text())
    doc["reminders"] = {"not": "a list"}
    with pytest.raises(ImportFormatError, match="reminders"):
        import_run(owner=alice, data=json.dumps(doc).encode(), today=TODAY)
    assert not Contact.objects.exists()


def test_forced_format_that_does_not_fit_is_a_clear_error(alice):
    with pytest.raises(ImportFormatError, match="no known column"):
        run(alice, "contacts_v30.vcf", fmt="linkedin")


def test_oversized_file_is_refused_before_reading_it_all(alice, settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ImportFormatError, match="larger than"):
        run(alice, "google_contacts.csv")


def test_invalid_emails_are_dropped_with_a_warning(alice):
    report = import_run(owner=alice, data=b"Name,Email\nAda Lovelace,not-an-email\n", today=TODAY)
    assert report.created == 1 and report.warnings[0]["row"] == 2
    assert not ContactEmail.objects.exists()


def test_backup_round_trip_gives_the_same_document(alice):
    run(alice, "backup_v3.json")
    first = backup_build(owner=alice)
    expected = json.loads((FIXTURES / "backup_v3.json").read_text())
    assert first == expected
    bob = make_user("roundtrip")
    import_run(owner=bob, data=json.dumps(first).encode(), today=TODAY)
    assert backup_build(owner=bob) == first


def test_backup_keeps_created_at_reminders_and_introductions(alice):
    run(alice, "backup.json")
    ada = Contact.objects.get(owner=alice, first_name="Ada")
    charles = Contact.objects.get(owner=alice, first_name="Charles")
    assert ada.created_at.isoformat() == "2026-01-05T09:00:00+00:00"
    assert charles.introduced_by == ada
    assert (ada.birthday_month, ada.birthday_day, ada.birthday_year) == (12, 10, None)
    snoozed = Reminder.objects.get(contact=charles)
    assert (snoozed.status, snoozed.snoozed_until) == ("snoozed", date(2026, 12, 1))
    meeting = Interaction.objects.get(owner=alice, kind="meeting")
    assert set(meeting.contacts.all()) == {ada, charles}


def _linkedin(n: int, start: int = 0) -> bytes:
    lines = [
        "Notes:",
        '"preamble"',
        "",
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
    ]
    for i in range(start, start + n):
        lines.append(
            f"P{i},Q{i},https://www.linkedin.com/in/p{i},p{i}@example.com,Co {i % 7},Role,05 Mar 2024"
        )
    return ("\n".join(lines) + "\n").encode()


def _count_queries(owner, data) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        import_run(owner=owner, data=data, today=TODAY)
    writes = sum(
        1 for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    )
    return len(ctx.captured_queries) - writes, writes


def test_query_count_does_not_grow_with_rows(alice, bob):
    """Reads cost the same for 10 and 1000 rows; inserts and updates come in batches."""
    for owner in (alice, bob):
        make_contact(owner=owner, first_name="P0", last_name="Q0", emails=["p0@example.com"])
    small_other, small_inserts = _count_queries(alice, _linkedin(10))
    big_other, big_inserts = _count_queries(bob, _linkedin(1000))
    assert big_other == small_other
    assert big_inserts < 1000 / 5
    assert Contact.objects.filter(owner=bob).count() == 1000


def test_new_tags_on_a_match_are_added_and_reported_once(alice):
    run(alice, "google_contacts.csv")
    data = b"Name,Email,Tags\nLinus Torvalds,linus@lf.example,kernel; Open Source\n"
    report = import_run(owner=alice, data=data, today=TODAY)
    assert report.updated == 1 and report.merged[0]["fields"] == ["tag kernel"]
    linus = Contact.objects.get(owner=alice, first_name="Linus")
    assert sorted(linus.tags.values_list("name", flat=True)) == ["Open Source", "kernel"]
    again = import_run(owner=alice, data=data, today=TODAY)
    assert (again.updated, again.skipped) == (0, 1)


@pytest.mark.parametrize("tz", ["UTC", "Pacific/Auckland", "America/Los_Angeles"])
def test_schedule_set_at_insert_equals_the_reminder_engines(db, tz):
    """New contacts get next_check_in at insert (no second write); it must match the engine."""
    from contacts.tests.factories import make_tag
    from reminders.services import contacts_schedule_refresh

    owner = make_user(f"sched-{tz.replace('/', '-')}", tz=tz, strong_cadence_months=2, weak_cadence_months=5)
    make_tag(owner=owner, name="investors", checkin_cadence_months=1)
    run(owner, "linkedin_connections.csv")
    import_run(owner=owner, data=(FIXTURES / "generic.csv").read_bytes(), today=TODAY)  # strong tie, tags
    import_run(owner=owner, data=b"Name,Tags\nIvy Investor,investors\nNora Never,\n", today=TODAY)
    before = dict(Contact.objects.filter(owner=owner).values_list("pk", "next_check_in"))
    last = dict(Contact.objects.filter(owner=owner).values_list("pk", "last_interaction_on"))
    contacts_schedule_refresh(contact_ids=list(before))
    assert dict(Contact.objects.filter(owner=owner).values_list("pk", "next_check_in")) == before
    assert dict(Contact.objects.filter(owner=owner).values_list("pk", "last_interaction_on")) == last
    assert all(before.values())


def test_new_ids_never_reuse_a_deleted_one_and_the_orm_continues_after_them(alice, bob):
    newest = make_contact(owner=bob, first_name="Deleted", last_name="Later")
    gone = newest.pk
    newest.delete()
    report = import_run(owner=alice, data=_linkedin(5), today=TODAY)
    ids = sorted(Contact.objects.filter(owner=alice).values_list("pk", flat=True))
    assert report.created == 5 and len(set(ids)) == 5
    assert min(ids) > gone  # AUTOINCREMENT on SQLite, the sequence on PostgreSQL
    after = make_contact(owner=alice, first_name="Typed", last_name="ByHand")
    assert after.pk > max(ids)  # the database's own numbering knows the imported ids


def test_the_same_person_in_two_chunks_and_in_one_chunk_is_one_contact(alice, monkeypatch):
    from contacts.importing import services

    monkeypatch.setattr(services, "CHUNK_SIZE", 2)
    data = (
        b"Name,Email,Company\n"
        b"Ada Lovelace,ada@example.org,Engines\n"  # chunk 1
        b"Alan Turing,,Bletchley\n"  # chunk 1
        b"Grace Hopper,grace@example.org,Navy\n"  # chunk 2
        b"Alan Turing,alan@example.org,Bletchley\n"  # chunk 2: the chunk-1 Alan, by name + company
        b"Grace Hopper,GRACE@example.org,\n"  # chunk 3: chunk-2 Grace, by email
        b"Grace Hopper,grace.h@example.org,Navy\n"  # chunk 3: chunk-2 Grace, by name + company
    )
    report = import_run(owner=alice, data=data, today=TODAY)
    assert (report.created, report.updated) == (3, 2)
    assert report.skipped == 1
    assert sorted(Contact.objects.filter(owner=alice).values_list("first_name", flat=True)) == [
        "Ada",
        "Alan",
        "Grace",
    ]
    grace = Contact.objects.get(owner=alice, first_name="Grace")
    assert sorted(grace.emails.values_list("value", flat=True)) == [
        "grace.h@example.org",
        "grace@example.org",
    ]
    alan = Contact.objects.get(owner=alice, first_name="Alan")
    assert list(alan.emails.values_list("value", flat=True)) == ["alan@example.org"]


def test_the_same_person_twice_in_one_chunk_merges_into_the_first_row(alice):
    data = (
        b"Name,Email,Company,Phone\n"
        b"Ada Lovelace,ada@example.org,,\n"
        b"Alan Turing,,Bletchley,\n"
        b"Ada Lovelace,ada@example.org,Engines,+44 1\n"
    )
    report = import_run(owner=alice, data=data, today=TODAY)
    assert (report.created, report.updated) == (2, 1)
    assert report.merged[0]["row"] == 4 and report.merged[0]["contact_id"] == (
        Contact.objects.get(owner=alice, first_name="Ada").pk
    )
    ada = Contact.objects.get(owner=alice, first_name="Ada")
    assert ada.company == "Engines" and list(ada.phones.values_list("value", flat=True)) == ["+44 1"]


def test_an_error_midway_rolls_back_every_chunk_and_leaves_the_connection_usable(alice, monkeypatch):
    from contacts.importing import services

    monkeypatch.setattr(services, "CHUNK_SIZE", 2)

    def progress(done: int, total: int) -> None:
        if done > 4:  # after two chunks were written
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        import_run(owner=alice, data=_linkedin(10), today=TODAY, progress=progress)
    assert not Contact.objects.filter(owner=alice).exists()
    assert not Interaction.objects.filter(owner=alice).exists()
    again = import_run(owner=alice, data=_linkedin(10), today=TODAY)
    assert again.created == 10 and Interaction.objects.filter(owner=alice).count() == 10


def test_first_check_ins_of_an_import_are_staggered_over_the_first_cadence_best_first(db):
    """DESIGN rule 1 at import: base = the later of the creation date and the "Connected on"
    date; the first check-ins of one import's new contacts are spread over that first
    period by reconnect rank (the k-th of n with the same cadence k/n of the way through
    it), never later than the rule."""
    owner = make_user("rule1", tz="UTC", strong_cadence_months=3, weak_cadence_months=6)
    moment = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    with patch("django.utils.timezone.now", return_value=moment):
        import_run(
            owner=owner, data=b"Name,Tie strength\nWeak Tie,\nStrong Tie,strong\nOther Weak,\n", today=TODAY
        )
        lines = [
            "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
            "Old,Friend,https://www.linkedin.com/in/old,,Acme,CTO,05 Mar 2024",
            "Next,Week,https://www.linkedin.com/in/next,,Acme,CTO,30 Nov 2026",
        ]
        import_run(owner=owner, data="\n".join(lines).encode(), today=TODAY)
    schedule = {
        c.full_name: (c.last_interaction_on, c.next_check_in) for c in Contact.objects.filter(owner=owner)
    }
    assert schedule == {
        # First import: the first (k = 0) of each cadence is due the day of the import; the
        # second weak tie (equal rank, a later row) half-way through its 181-day first period.
        "Weak Tie": (None, date(2026, 11, 23)),
        "Strong Tie": (None, date(2026, 11, 23)),
        "Other Weak": (None, date(2027, 2, 21)),
        # Second: equal rank (a CTO, no history), so the first row first.
        "Old Friend": (date(2024, 3, 5), date(2026, 11, 23)),
        # Connected after the import date: the plain rule (a connection is an interaction).
        "Next Week": (date(2026, 11, 30), date(2027, 5, 30)),
    }
    # A refresh computes the same dates from the stored first check-in.
    before = set(Contact.objects.values_list("pk", "next_check_in", "warmth", "reconnect_score"))
    with patch("django.utils.timezone.now", return_value=moment):
        reminder_services.contacts_schedule_refresh(contact_ids=Contact.objects.values_list("pk", flat=True))
    assert set(Contact.objects.values_list("pk", "next_check_in", "warmth", "reconnect_score")) == before


def test_contact_columns_are_every_column_of_the_model():
    from contacts.importing.write import CONTACT_COLUMNS

    columns = {f.attname for f in Contact._meta.concrete_fields}
    assert set(CONTACT_COLUMNS) == columns, (
        "Contact's columns changed: the importer inserts new contacts with the columns in "
        "contacts.importing.write.CONTACT_COLUMNS. Add the new field to contacts.models.CONTACT_FIELDS "
        "(a field people fill in) or to CONTACT_COLUMNS, give it a default the database driver binds "
        "as it is (DriverValues), and say in decide.py whether an import fills it."
    )
    assert len(CONTACT_COLUMNS) == len(columns)


def test_a_match_whose_names_differ_is_listed_to_confirm_never_a_silent_job_change(alice):
    header = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
    first = f"{header}\nOlga,Ivanova,,olga@example.org,JetBrains,Developer Advocate,05 Mar 2024\n"
    import_run(owner=alice, data=first.encode(), today=TODAY)
    cyrillic = f"{header}\nОльга,Иванова,,olga@example.org,Monzo,CTO,05 Mar 2024\n"
    report = import_run(owner=alice, data=cyrillic.encode(), today=TODAY)
    olga = Contact.objects.get(owner=alice)
    assert (olga.company, olga.title) == ("JetBrains", "Developer Advocate")
    assert report.job_changes == [] and not RoleHistory.objects.exists()
    assert not Reminder.objects.filter(kind="job_change").exists()
    assert report.to_confirm == [
        {
            "row": 2,
            "contact_id": olga.pk,
            "name": "Olga Ivanova",
            "row_name": "Ольга Иванова",
            "new_company": "Monzo",
            "new_title": "CTO",
        }
    ]
    # The same name (case aside) is the same person: a job change.
    moved = f"{header}\nolga,IVANOVA,,olga@example.org,Monzo,CTO,05 Mar 2024\n"
    report = import_run(owner=alice, data=moved.encode(), today=TODAY)
    olga.refresh_from_db()
    assert (olga.company, olga.title) == ("Monzo", "CTO") and len(report.job_changes) == 1


def test_rows_already_there_are_listed_by_name(alice):
    import_run(owner=alice, data=_linkedin(3), today=TODAY)
    report = import_run(owner=alice, data=_linkedin(3), today=TODAY)
    assert report.skipped == 3
    assert [item["name"] for item in report.unchanged] == ["P0 Q0", "P1 Q1", "P2 Q2"]
    assert [item["row"] for item in report.unchanged] == [5, 6, 7]


@pytest.mark.parametrize("dry_run", [True, False])
def test_text_handed_over_with_a_nul_is_refused_like_a_binary_file(alice, dry_run):
    """Text given to import_run directly (not bytes to decode) gets the decoder's checks:
    a NUL would otherwise reach PostgreSQL's COPY and fail there."""
    text = "First Name,Last Name,Email Address\nAda\x00,Lovelace,ada@example.org\n"
    with pytest.raises(ImportFormatError, match="binary file"):
        import_run(owner=alice, text=text, fmt="csv", dry_run=dry_run, today=TODAY)
    assert not Contact.objects.filter(owner=alice).exists()
