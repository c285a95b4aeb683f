"""Services other areas call: schedule refresh, interaction recorded, role change, actions."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts import services as contact_services
from contacts.models import Contact, Interaction, RoleHistory
from contacts.tests.factories import make_contact, make_interaction, make_reminder, make_tag, make_user
from crm.models import Profile
from reminders import services
from reminders.models import Reminder

from .helpers import at

pytestmark = pytest.mark.django_db

CREATED = at(date(2026, 1, 10))
TODAY = date(2027, 1, 10)


def test_interaction_recorded_closes_open_check_ins_and_moves_the_next(alice):
    a = make_contact(owner=alice, created_at=CREATED, tie_strength="strong")
    b = make_contact(owner=alice, created_at=CREATED, tie_strength="weak")
    other = make_contact(owner=alice, created_at=CREATED)
    open_a = make_reminder(contact=a, due_on=date(2026, 4, 10))
    snoozed_b = make_reminder(
        contact=b, due_on=date(2026, 7, 10), status="snoozed", snoozed_until=date(2027, 2, 1)
    )
    untouched = make_reminder(contact=other, due_on=date(2026, 7, 10))
    birthday = make_reminder(contact=a, kind="birthday", due_on=date(2027, 1, 1))
    interaction = make_interaction(contacts=[a, b], occurred_on=date(2027, 1, 8))
    services.interaction_recorded(interaction_id=interaction.pk, today=TODAY, now=at(TODAY, 15))
    statuses = dict(Reminder.objects.values_list("pk", "status"))
    assert statuses == {open_a.pk: "done", snoozed_b.pk: "done", untouched.pk: "open", birthday.pk: "open"}
    a.refresh_from_db()
    b.refresh_from_db()
    # Base = the later of the interaction (Jan 8) and the check-in's closing date (Jan 10).
    assert (a.last_interaction_on, a.next_check_in) == (date(2027, 1, 8), date(2027, 4, 10))
    assert (b.last_interaction_on, b.next_check_in) == (date(2027, 1, 8), date(2027, 7, 10))


def test_logging_through_contacts_service_closes_the_check_in(alice):
    from contacts.services import interaction_create

    contact = make_contact(owner=alice, created_at=CREATED)
    reminder = make_reminder(contact=contact, due_on=date(2026, 7, 10))
    interaction_create(
        owner=alice, contact_ids=[contact.pk], occurred_on=TODAY, today=TODAY, kind="call", summary="hi"
    )
    reminder.refresh_from_db()
    assert reminder.status == "done" and reminder.completed_at is not None


def test_schedule_refresh_sets_last_interaction_and_next_check_in(alice):
    tag = make_tag(owner=alice, checkin_cadence_months=1)
    seen = make_contact(owner=alice, created_at=CREATED, tags=[tag])
    unseen = make_contact(owner=alice, created_at=CREATED, tie_strength="strong")
    never = make_contact(owner=alice, created_at=CREATED, checkin_cadence_months=0)
    archived = make_contact(owner=alice, created_at=CREATED, archived=True)
    make_interaction(contact=seen, occurred_on=date(2026, 12, 31))
    make_interaction(contact=seen, occurred_on=date(2026, 5, 1))
    services.contacts_schedule_refresh(contact_ids=[seen.pk, unseen.pk, never.pk, archived.pk])
    got = dict(Contact.objects.values_list("pk", "next_check_in"))
    assert got == {
        seen.pk: date(2027, 1, 31),
        unseen.pk: date(2026, 4, 10),
        never.pk: None,
        archived.pk: None,
    }
    assert Contact.objects.get(pk=seen.pk).last_interaction_on == date(2026, 12, 31)


def test_schedule_refresh_query_count_is_constant(alice):
    def queries(n: int) -> int:
        ids = []
        for _ in range(n):
            contact = make_contact(
                owner=alice, created_at=CREATED, tags=[make_tag(owner=alice, checkin_cadence_months=2)]
            )
            make_interaction(contact=contact, occurred_on=date(2026, 6, 1))
            ids.append(contact.pk)
        with CaptureQueriesContext(connection) as ctx:
            services.contacts_schedule_refresh(contact_ids=ids)
        assert Contact.objects.filter(pk__in=ids, next_check_in=date(2026, 8, 1)).count() == n
        return len([q for q in ctx.captured_queries if not q["sql"].startswith(("UPDATE", "INSERT"))])

    # 10 and 400 contacts: the same reads (the bulk update and the stored silences'
    # insert, contacts.gaps, are one statement per batch).
    assert queries(10) == queries(400)


def test_role_change_keeps_history_and_raises_job_change_once(alice):
    contact = make_contact(owner=alice, company="Globex", title="Director", started_on=date(2021, 3, 1))
    for _ in range(2):
        services.contact_role_changed(
            contact=contact,
            old_company="Acme",
            old_title="Engineer",
            today=TODAY,
            old_started_on=date(2018, 5, 2),
        )
    history = RoleHistory.objects.get(contact=contact)
    assert (history.company, history.title, history.started_on, history.ended_on) == (
        "Acme",
        "Engineer",
        date(2018, 5, 2),
        TODAY,
    )
    reminder = Reminder.objects.get(contact=contact)
    assert (reminder.kind, reminder.due_on, reminder.status) == ("job_change", TODAY, "open")
    assert reminder.detail == "new role: Director at Globex — congratulate them"


def test_role_change_of_an_archived_contact_keeps_history_only(alice):
    contact = make_contact(owner=alice, archived=True)
    services.contact_role_changed(contact=contact, old_company="Acme", old_title="", today=TODAY)
    assert RoleHistory.objects.filter(contact=contact).exists()
    assert not Reminder.objects.exists()


def test_done_twice_closes_once(alice):
    reminder = make_reminder(contact=make_contact(owner=alice), kind="birthday", due_on=TODAY)
    assert services.reminder_done(reminder=reminder, today=TODAY) is True
    assert services.reminder_done(reminder=reminder, today=TODAY) is False
    reminder.refresh_from_db()
    assert reminder.status == "done"


def test_snooze_needs_a_later_date(alice):
    reminder = make_reminder(contact=make_contact(owner=alice), due_on=TODAY)
    with pytest.raises(ValueError, match="after today"):
        services.reminder_snooze(reminder=reminder, until=TODAY, today=TODAY)
    assert services.reminder_snooze(reminder=reminder, until=date(2027, 1, 17), today=TODAY)
    reminder.refresh_from_db()
    assert (reminder.status, reminder.snoozed_until) == ("snoozed", date(2027, 1, 17))


def test_dismiss_closes_without_logging(alice):
    reminder = make_reminder(contact=make_contact(owner=alice), due_on=TODAY)
    services.reminder_dismiss(reminder=reminder, today=TODAY)
    reminder.refresh_from_db()
    assert reminder.status == "dismissed" and reminder.completed_at is not None
    assert not Interaction.objects.exists()


def test_done_and_log_creates_the_interaction_in_one_step(alice):
    contact = make_contact(owner=alice, created_at=CREATED)
    reminder = make_reminder(contact=contact, kind="birthday", due_on=TODAY)
    check_in = make_reminder(contact=contact, due_on=date(2026, 7, 10))
    interaction = contact_services.reminder_done_and_log(
        reminder=reminder, user=alice, kind="message", summary="Happy birthday!", today=TODAY
    )
    assert list(interaction.contacts.all()) == [contact]
    assert (interaction.kind, interaction.summary, interaction.occurred_on) == (
        "message",
        "Happy birthday!",
        TODAY,
    )
    assert set(Reminder.objects.values_list("status", flat=True)) == {"done"}
    contact.refresh_from_db()
    assert contact.last_interaction_on == TODAY
    assert check_in.pk


# --- bad data is refused by validation ------------------------------------------------


def test_birthday_of_feb_30_is_refused(alice):
    contact = make_contact(owner=alice)
    contact.birthday_month, contact.birthday_day = 2, 30
    with pytest.raises(ValidationError) as info:
        contact.full_clean()
    assert "February has no day 30" in str(info.value)


def test_negative_cadence_is_refused(alice):
    contact = make_contact(owner=alice)
    contact.checkin_cadence_months = -1
    with pytest.raises(ValidationError) as info:
        contact.full_clean()
    assert "greater than or equal to 0" in str(info.value.message_dict["checkin_cadence_months"])


def test_unknown_time_zone_is_refused(db):
    profile: Profile = make_user().profile
    profile.timezone = "Europe/Atlantis"
    with pytest.raises(ValidationError) as info:
        profile.full_clean()
    assert "is not a known time zone" in str(info.value.message_dict["timezone"])


def test_warmth_decays_by_the_daily_sweep_not_by_the_reminder_job(alice, bob):
    """The reminder job reads only what is due; warmth and rank, which decay by the day, are
    recomputed by `scores_refresh` once per local day, the stale ones only, within its limit."""
    from contacts.models import Contact

    contact = make_contact(owner=alice, created_at=CREATED)
    make_interaction(contact=contact, occurred_on=date(2026, 6, 1))
    services.reminders_generate(today=date(2026, 7, 1), user_ids=[alice.pk])  # schedules the new contact
    first = Contact.objects.get(pk=contact.pk)
    assert first.scores_on == date(2026, 7, 1) and first.warmth > 0
    # The next runs, days later, leave it (written behind the job's back: 99 stays).
    Contact.objects.filter(pk=contact.pk).update(warmth=99)
    services.reminders_generate(today=date(2026, 9, 1), user_ids=[alice.pk])
    assert Contact.objects.get(pk=contact.pk).warmth == 99
    # The sweep recomputes it for the new day: decayed below the first figure.
    others = [make_contact(owner=bob, created_at=CREATED) for _ in range(3)]
    assert services.scores_refresh(today=date(2026, 9, 1)) == 4
    swept = Contact.objects.get(pk=contact.pk)
    assert swept.warmth < first.warmth and swept.scores_on == date(2026, 9, 1)
    # Once a day: a second sweep that day finds nothing stale; the limit bounds a run.
    assert services.scores_refresh(today=date(2026, 9, 1)) == 0
    assert services.scores_refresh(today=date(2026, 9, 2), limit=2) == 2
    assert services.scores_refresh(today=date(2026, 9, 2)) == 2
    assert {c.scores_on for c in Contact.objects.filter(pk__in=[o.pk for o in others])} == {date(2026, 9, 2)}
