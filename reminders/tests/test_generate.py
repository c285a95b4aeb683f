"""The generation job through its public entry points: the service and the command."""

import logging
from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from contacts.models import Contact
from contacts.tests.factories import make_contact, make_interaction, make_tag, make_user
from crm.models import JobRun
from reminders import services
from reminders.models import PendingCheckIn, Reminder
from reminders.pending import pending_due
from reminders.services import reminders_generate

from .helpers import at, keys

pytestmark = pytest.mark.django_db

D0 = date(2027, 1, 10)
CREATED = at(date(2026, 1, 10))


def run(day: date, **kwargs) -> int:
    return reminders_generate(today=day, **kwargs)


# --- check-ins ------------------------------------------------------------------


def test_contact_without_interactions_is_due_cadence_after_creation(alice):
    contact = make_contact(owner=alice, created_at=CREATED, tie_strength="weak")
    assert run(date(2026, 7, 9)) == 0
    assert run(date(2026, 7, 10)) == 1
    assert keys() == {(contact.pk, "check_in", date(2026, 7, 10))}


def test_contact_last_seen_two_years_ago_is_overdue_at_once(alice):
    contact = make_contact(owner=alice, created_at=at(date(2024, 1, 1)), tie_strength="strong")
    make_interaction(contact=contact, occurred_on=date(2024, 11, 5))
    assert run(D0) == 1
    assert keys() == {(contact.pk, "check_in", date(2025, 2, 5))}


def test_running_twice_creates_nothing_more(alice):
    make_contact(
        owner=alice, created_at=CREATED, birthday_month=1, birthday_day=10, started_on=date(2020, 1, 10)
    )
    assert run(D0) == 3
    assert run(D0) == 0
    assert Reminder.objects.count() == 3


def test_an_open_check_in_is_not_raised_again_and_done_moves_the_next(alice):
    contact = make_contact(owner=alice, created_at=CREATED, tie_strength="strong")
    run(date(2026, 4, 10))
    run(date(2026, 4, 20))
    reminder = Reminder.objects.get()
    assert reminder.due_on == date(2026, 4, 10)
    services.reminder_done(reminder=reminder, today=date(2026, 4, 25), now=at(date(2026, 4, 25)))
    contact.refresh_from_db()
    assert contact.next_check_in == date(2026, 7, 25)
    run(date(2026, 7, 25))
    assert keys(status="open") == {(contact.pk, "check_in", date(2026, 7, 25))}


def test_jan_31_plus_one_month_is_feb_28(alice):
    contact = make_contact(owner=alice, created_at=at(date(2027, 1, 31)), checkin_cadence_months=1)
    run(date(2027, 2, 27))
    assert keys() == set()
    run(date(2027, 2, 28))
    assert keys() == {(contact.pk, "check_in", date(2027, 2, 28))}


def test_cadence_zero_means_no_check_ins(alice):
    make_contact(owner=alice, created_at=at(date(2020, 1, 1)), checkin_cadence_months=0)
    tagged = make_contact(
        owner=alice, created_at=at(date(2020, 1, 1)), tags=[make_tag(owner=alice, checkin_cadence_months=0)]
    )
    assert run(D0) == 0
    tagged.refresh_from_db()
    assert tagged.next_check_in is None


def test_tag_cadence_precedence(alice):
    monthly = make_tag(owner=alice, name="investors", checkin_cadence_months=1)
    yearly = make_tag(owner=alice, name="alumni", checkin_cadence_months=12)
    blank = make_tag(owner=alice, name="london")
    created = at(date(2027, 1, 1))
    by_tags = make_contact(
        owner=alice, created_at=created, tie_strength="strong", tags=[monthly, yearly, blank]
    )
    own_value = make_contact(owner=alice, created_at=created, checkin_cadence_months=2, tags=[monthly])
    blank_only = make_contact(owner=alice, created_at=created, tie_strength="strong", tags=[blank])
    run(date(2027, 4, 1))
    assert keys() == {
        (by_tags.pk, "check_in", date(2027, 2, 1)),
        (own_value.pk, "check_in", date(2027, 3, 1)),
        (blank_only.pk, "check_in", date(2027, 4, 1)),
    }


def test_profile_defaults_by_tie_strength(db):
    user = make_user(strong_cadence_months=1, weak_cadence_months=2)
    strong = make_contact(owner=user, created_at=at(date(2027, 1, 1)), tie_strength="strong")
    weak = make_contact(owner=user, created_at=at(date(2027, 1, 1)), tie_strength="weak")
    run(date(2027, 3, 1))
    assert keys() == {(strong.pk, "check_in", date(2027, 2, 1)), (weak.pk, "check_in", date(2027, 3, 1))}


# --- birthdays and anniversaries -------------------------------------------------


def test_feb_29_birthday_is_raised_on_feb_28_in_common_years_and_feb_29_in_leap_years(alice):
    contact = make_contact(
        owner=alice, created_at=CREATED, birthday_month=2, birthday_day=29, birthday_year=1988
    )
    run(date(2027, 2, 27))
    run(date(2027, 3, 1))
    run(date(2028, 2, 27))
    run(date(2028, 3, 1))
    birthdays = Reminder.objects.filter(kind="birthday").order_by("due_on")
    assert [(r.due_on, r.detail) for r in birthdays] == [
        (date(2027, 2, 28), "turns 39"),
        (date(2028, 2, 29), "turns 40"),
    ]
    assert all(r.contact_id == contact.pk for r in birthdays)


def test_feb_29_work_anniversary_counts_years(alice):
    make_contact(owner=alice, created_at=CREATED, started_on=date(2024, 2, 29), company="Acme")
    run(date(2027, 2, 1))
    run(date(2028, 3, 1))
    anniversaries = Reminder.objects.filter(kind="work_anniversary").order_by("due_on")
    assert [(r.due_on, r.detail) for r in anniversaries] == [
        (date(2027, 2, 28), "3 years at Acme"),
        (date(2028, 2, 29), "4 years at Acme"),
    ]


def test_first_run_covers_today_only(alice):
    make_contact(owner=alice, created_at=CREATED, checkin_cadence_months=0, birthday_month=1, birthday_day=9)
    run(D0)
    assert not Reminder.objects.filter(kind="birthday").exists()


def test_a_ten_day_gap_is_caught_up(alice):
    a = make_contact(
        owner=alice, created_at=CREATED, checkin_cadence_months=0, birthday_month=1, birthday_day=13
    )
    b = make_contact(owner=alice, created_at=CREATED, checkin_cadence_months=0, started_on=date(2019, 1, 17))
    c = make_contact(
        owner=alice, created_at=CREATED, checkin_cadence_months=0, birthday_month=1, birthday_day=20
    )
    late = make_contact(
        owner=alice,
        created_at=at(date(2027, 1, 16)),
        checkin_cadence_months=0,
        birthday_month=1,
        birthday_day=14,
    )
    run(D0)
    assert run(D0 + timedelta(days=10)) == 3
    assert keys(kind__in=["birthday", "work_anniversary"]) == {
        (a.pk, "birthday", date(2027, 1, 13)),
        (b.pk, "work_anniversary", date(2027, 1, 17)),
        (c.pk, "birthday", date(2027, 1, 20)),
    }
    # Never dated before the contact was created.
    assert not Reminder.objects.filter(contact=late).exists()


def test_contact_added_after_todays_run_gets_todays_birthday_on_the_next_run(alice):
    run(D0)
    contact = make_contact(
        owner=alice, created_at=at(D0, 15), checkin_cadence_months=0, birthday_month=1, birthday_day=10
    )
    assert run(D0) == 1
    assert keys() == {(contact.pk, "birthday", D0)}
    services.reminder_done(reminder=Reminder.objects.get(), today=D0)
    assert run(D0) == 0  # done stays done: the row exists, nothing is raised twice


def test_run_date_is_recorded_only_forward(alice):
    run(D0)
    alice.profile.refresh_from_db()
    assert alice.profile.reminders_run_on == D0
    run(D0 - timedelta(days=3))
    alice.profile.refresh_from_db()
    assert alice.profile.reminders_run_on == D0


# --- time zones -------------------------------------------------------------------


def test_auckland_and_los_angeles_around_midnight_utc(db):
    auckland = make_user("kiwi", tz="Pacific/Auckland")
    angeles = make_user("angeleno", tz="America/Los_Angeles")
    created = at(date(2026, 1, 1))
    for user in (auckland, angeles):
        make_contact(
            owner=user,
            created_at=created,
            first_name="Mar4",
            checkin_cadence_months=0,
            birthday_month=3,
            birthday_day=4,
        )
        make_contact(
            owner=user,
            created_at=created,
            first_name="Mar5",
            checkin_cadence_months=0,
            birthday_month=3,
            birthday_day=5,
        )
    # 11:30 UTC on Mar 4 is 00:30 on Mar 5 in Auckland (NZDT, +13) and 03:30 on Mar 4 in LA (PST, -8).
    reminders_generate(now=datetime(2027, 3, 4, 11, 30, tzinfo=ZoneInfo("UTC")))
    got = {
        (r.owner.username, r.contact.first_name, r.due_on)
        for r in Reminder.objects.select_related("owner", "contact")
    }
    assert got == {("kiwi", "Mar5", date(2027, 3, 5)), ("angeleno", "Mar4", date(2027, 3, 4))}
    # Ten minutes earlier Auckland was still on Mar 4.
    Reminder.objects.all().delete()
    for user in (auckland, angeles):
        user.profile.reminders_run_on = None
        user.profile.save()
    reminders_generate(now=datetime(2027, 3, 4, 10, 50, tzinfo=ZoneInfo("UTC")))
    got = {
        (r.owner.username, r.contact.first_name) for r in Reminder.objects.select_related("owner", "contact")
    }
    assert got == {("kiwi", "Mar4"), ("angeleno", "Mar4")}


def test_dst_start_in_los_angeles_moves_local_midnight(db):
    user = make_user(tz="America/Los_Angeles")
    contact = make_contact(
        owner=user,
        created_at=at(date(2026, 1, 1)),
        checkin_cadence_months=0,
        birthday_month=3,
        birthday_day=14,
    )
    # DST starts 2027-03-14 at 02:00 PST (10:00 UTC). 07:30 UTC is still 23:30 on Mar 13.
    reminders_generate(now=datetime(2027, 3, 14, 7, 30, tzinfo=ZoneInfo("UTC")))
    assert keys() == set()
    reminders_generate(now=datetime(2027, 3, 14, 8, 30, tzinfo=ZoneInfo("UTC")))
    assert keys() == {(contact.pk, "birthday", date(2027, 3, 14))}


def test_dst_end_in_london(db):
    user = make_user(tz="Europe/London")
    contact = make_contact(
        owner=user,
        created_at=at(date(2026, 1, 1)),
        checkin_cadence_months=0,
        birthday_month=10,
        birthday_day=31,
    )
    # BST ends 2027-10-31 01:00 UTC; 23:30 UTC on Oct 30 is already 00:30 BST on Oct 31.
    reminders_generate(now=datetime(2027, 10, 30, 23, 30, tzinfo=ZoneInfo("UTC")))
    assert keys() == {(contact.pk, "birthday", date(2027, 10, 31))}


def test_created_date_is_local_to_the_user(db):
    user = make_user(tz="Pacific/Auckland")
    # 20:00 UTC on Jan 9 is Jan 10 in Auckland: a Jan 9 check-in base would be wrong.
    contact = make_contact(
        owner=user, created_at=datetime(2027, 1, 9, 20, 0, tzinfo=ZoneInfo("UTC")), tie_strength="strong"
    )
    run(date(2027, 4, 9))
    assert keys() == set()
    run(date(2027, 4, 10))
    assert keys() == {(contact.pk, "check_in", date(2027, 4, 10))}


# --- archived, follow-ups, snoozed ------------------------------------------------------


def test_archived_contacts_get_nothing(alice):
    contact = make_contact(
        owner=alice,
        created_at=at(date(2020, 1, 1)),
        archived=True,
        birthday_month=1,
        birthday_day=10,
        started_on=date(2020, 1, 10),
    )
    make_interaction(contact=contact, occurred_on=date(2027, 1, 1), follow_up_on=date(2027, 1, 3))
    assert run(D0) == 0


def test_follow_up_is_raised_once_on_its_day_and_linked(alice):
    contact = make_contact(owner=alice, created_at=CREATED, checkin_cadence_months=0)
    interaction = make_interaction(
        contact=contact, occurred_on=date(2027, 1, 8), follow_up_on=date(2027, 1, 10), kind="coffee"
    )
    assert run(date(2027, 1, 9)) == 0
    assert run(date(2027, 1, 12)) == 1
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.due_on, reminder.interaction_id) == (
        "follow_up",
        date(2027, 1, 10),
        interaction.pk,
    )
    assert reminder.detail == "follow up on coffee of 8 Jan"
    services.reminder_done(reminder=reminder, today=date(2027, 1, 12))
    assert run(date(2027, 1, 13)) == 0


def test_a_snoozed_check_in_blocks_a_new_one_and_wakes_up_on_its_date(alice):
    make_contact(owner=alice, created_at=CREATED, tie_strength="strong")
    run(date(2026, 4, 10))
    reminder = Reminder.objects.get()
    services.reminder_snooze(reminder=reminder, until=date(2026, 4, 20), today=date(2026, 4, 10))
    assert run(date(2026, 4, 19)) == 0
    reminder.refresh_from_db()
    assert reminder.status == "snoozed"
    run(date(2026, 4, 20))
    reminder.refresh_from_db()
    assert reminder.status == "open"
    assert Reminder.objects.count() == 1


def test_a_dismissed_check_in_moves_the_base_like_done(alice):
    contact = make_contact(owner=alice, created_at=CREATED, tie_strength="strong")
    run(date(2026, 4, 10))
    services.reminder_dismiss(
        reminder=Reminder.objects.get(), today=date(2026, 5, 2), now=at(date(2026, 5, 2))
    )
    contact.refresh_from_db()
    assert contact.next_check_in == date(2026, 8, 2)
    assert run(date(2026, 7, 1)) == 0


# --- robustness --------------------------------------------------------------------


def test_one_corrupt_row_is_logged_and_skipped(alice, caplog):
    bad = make_contact(
        owner=alice, created_at=CREATED, checkin_cadence_months=0, birthday_month=1, birthday_day=10
    )
    good = make_contact(
        owner=alice, created_at=CREATED, checkin_cadence_months=0, birthday_month=1, birthday_day=10
    )
    with connection.cursor() as cursor:  # a birth year no date can hold, written behind the form's back
        cursor.execute(f"UPDATE {Contact._meta.db_table} SET birthday_year = 32767 WHERE id = %s", [bad.pk])
    with caplog.at_level(logging.ERROR, logger="reminders.services"):
        assert run(D0) == 1
    assert keys() == {(good.pk, "birthday", D0)}
    assert f"skipping contact {bad.pk}" in caplog.text
    assert "skipped_rows=1" in JobRun.objects.get(name="generate_reminders").last_summary


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL cannot store an impossible date")
def test_an_unreadable_date_is_logged_and_skipped(alice, caplog):
    bad = make_contact(
        owner=alice, created_at=CREATED, checkin_cadence_months=0, started_on=date(2020, 1, 10)
    )
    good = make_contact(
        owner=alice, created_at=CREATED, checkin_cadence_months=0, started_on=date(2020, 1, 10)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Contact._meta.db_table} SET started_on = '2020-02-30' WHERE id = %s", [bad.pk]
        )
    with caplog.at_level(logging.ERROR, logger="reminders.services"):
        assert run(D0) == 1
    assert keys() == {(good.pk, "work_anniversary", D0)}
    assert f"skipping unreadable contact {bad.pk}" in caplog.text


def test_an_unknown_time_zone_in_the_database_falls_back_to_utc(db, caplog):
    user = make_user()
    contact = make_contact(
        owner=user, created_at=CREATED, checkin_cadence_months=0, birthday_month=1, birthday_day=10
    )
    type(user.profile).objects.filter(pk=user.profile.pk).update(timezone="Mars/Olympus")
    reminders_generate(now=at(D0, 9))
    assert keys() == {(contact.pk, "birthday", D0)}
    assert "unknown time zone" in caplog.text


def test_the_finished_run_is_recorded_for_healthz(alice, client, settings):
    settings.HEALTHZ_TOKEN = "monitor"
    run(D0)
    job = JobRun.objects.get(name="generate_reminders")
    assert job.last_finished_at is not None and job.last_started_at is not None
    assert job.last_summary.startswith("created=0")
    details = client.get("/healthz", HTTP_AUTHORIZATION="Bearer monitor").json()
    assert "generate_reminders" in details["jobs"]


def test_other_users_are_left_alone_with_user_ids(alice, bob):
    make_contact(owner=alice, created_at=CREATED, checkin_cadence_months=0, birthday_month=1, birthday_day=10)
    theirs = make_contact(
        owner=bob, created_at=CREATED, checkin_cadence_months=0, birthday_month=1, birthday_day=10
    )
    run(D0, user_ids=[bob.pk])
    assert keys() == {(theirs.pk, "birthday", D0)}


def test_query_count_does_not_grow_with_contacts(alice, django_assert_max_num_queries):
    def counted(n: int) -> int:
        Reminder.objects.all().delete()
        Contact.objects.all().delete()
        for i in range(n):
            contact = make_contact(
                owner=alice,
                created_at=CREATED,
                birthday_month=1,
                birthday_day=10,
                started_on=date(2020, 1, 10),
            )
            make_interaction(
                contact=contact, occurred_on=date(2026, 2, 1), follow_up_on=date(2027, 1, 1 + i % 9)
            )
        alice.profile.reminders_run_on = None
        alice.profile.save()
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert run(D0) == 4 * n
        return len(ctx.captured_queries)

    counted(1)  # the first run ever also creates the JobRun row
    assert counted(5) == counted(60)


# --- the command ---------------------------------------------------------------------


def test_command_prints_created_last(alice):
    make_contact(owner=alice, created_at=CREATED, checkin_cadence_months=0, birthday_month=1, birthday_day=10)
    out = StringIO()
    call_command("generate_reminders", "--date", "2027-01-10", "--user", "alice", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "created=1"


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--date", "2027-02-30"], "--date must be a date"), (["--user", "nobody"], "no user named 'nobody'")],
)
def test_command_refuses_bad_options_and_writes_nothing(alice, args, message):
    make_contact(owner=alice, created_at=CREATED, birthday_month=1, birthday_day=10)
    with pytest.raises(CommandError, match=message):
        call_command("generate_reminders", *args)
    assert not Reminder.objects.exists()
    assert not JobRun.objects.exists()


def test_a_crash_half_way_is_redone_without_duplicates_or_gaps(alice, bob, monkeypatch):
    for owner in (alice, bob):
        for _ in range(3):
            make_contact(owner=owner, created_at=CREATED, birthday_month=1, birthday_day=10)
    monkeypatch.setattr(services, "CHUNK_SIZE", 2)  # several chunks, so the crash lands in the middle
    real_insert = services.reminders_insert
    calls = {"n": 0}

    def dies_on_the_second_chunk(new, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("worker killed")  # stands in for a process dying mid-run
        return real_insert(new, **kwargs)

    monkeypatch.setattr(services, "reminders_insert", dies_on_the_second_chunk)
    with pytest.raises(OSError):
        run(D0)
    half = Reminder.objects.count()
    assert 0 < half < 12
    alice.profile.refresh_from_db()
    assert alice.profile.reminders_run_on is None  # not marked done: the next run redoes it
    monkeypatch.setattr(services, "reminders_insert", real_insert)
    assert run(D0) == 12 - half
    assert Reminder.objects.count() == 12  # 6 birthdays + 6 check-ins, none twice


def test_a_backlog_of_open_check_ins_is_not_read_again(alice):
    """The next day's run reads the contacts with something due, not the people whose
    check-in is already open: their pending date was cleared when it was raised."""
    overdue = [make_contact(owner=alice, created_at=CREATED, tie_strength="strong") for _ in range(30)]
    assert run(D0) == 30  # the backlog, raised once
    assert not PendingCheckIn.objects.filter(owner=alice).exists()
    fresh = make_contact(owner=alice, created_at=at(D0 - timedelta(days=95)), tie_strength="strong")
    clocks = services._owner_clocks([alice.pk], today=D0 + timedelta(days=1), now=at(D0))
    services._schedule_new(clocks)
    read = {item.contact_id for item in pending_due({alice.pk: D0 + timedelta(days=1)})}
    read |= set(services.event_candidates(clocks).values_list("pk", flat=True))
    assert read == {fresh.pk}  # not one of the 30 open ones
    assert run(D0 + timedelta(days=1)) == 1
    assert Reminder.objects.filter(contact__in=overdue, status="open").count() == 30


def test_a_check_in_moved_into_the_past_is_raised_by_the_next_run(alice):
    """A shorter cadence makes a check-in overdue at once: its new date is pending, so the
    next run raises it although it is older than the last run."""
    contact = make_contact(owner=alice, created_at=CREATED, tie_strength="weak", checkin_cadence_months=12)
    assert run(date(2026, 6, 1)) == 0
    Contact.objects.filter(pk=contact.pk).update(checkin_cadence_months=2)
    services.contacts_schedule_refresh(contact_ids=[contact.pk], now=at(date(2026, 6, 2)))
    assert PendingCheckIn.objects.get(contact=contact).due_on == date(2026, 3, 10)
    assert run(date(2026, 6, 2)) == 1
    assert keys() == {(contact.pk, "check_in", date(2026, 3, 10))}
