"""The check-ins still to raise (`reminders.pending`, `PendingCheckIn`): written where the
schedule sets or moves a check-in, read by date and settled by the job. A pending date is
always its contact's `next_check_in`, and an archived contact has none."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts import services as contact_services
from contacts.importing.services import import_run
from contacts.models import Contact
from contacts.tests.factories import make_contact, make_user
from reminders import services
from reminders.models import PendingCheckIn, Reminder
from reminders.pending import pending_settle

from .helpers import at, keys

pytestmark = pytest.mark.django_db

TODAY = date(2027, 3, 10)
HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]


def _pending(owner) -> dict[int, date]:
    return dict(PendingCheckIn.objects.filter(owner=owner).values_list("contact_id", "due_on"))


def _assert_pending_follows_the_schedule(owner) -> None:
    """Every pending date is its contact's next check-in; archived contacts have none."""
    pending = _pending(owner)
    contacts = {
        pk: (due, archived)
        for pk, due, archived in Contact.objects.filter(owner=owner).values_list(
            "pk", "next_check_in", "archived"
        )
    }
    for pk, due in pending.items():
        assert contacts[pk] == (due, False), pk


def _linkedin(count: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for i in range(count):
        connected = date(2020, 1, 1) + timedelta(days=37 * i)
        writer.writerow(
            [
                f"Ada{i}",
                f"Pending{i}",
                f"https://www.linkedin.com/in/pending-{i}",
                "",
                "Acme",
                "Engineer",
                connected.strftime("%d %b %Y"),
            ]
        )
    return out.getvalue().encode()


def test_each_way_a_check_in_is_set_or_moved_leaves_it_pending_at_the_new_date(alice):
    # An import: every new contact's (staggered) first check-in is pending.
    import_run(owner=alice, data=_linkedin(40), filename="Connections.csv", today=TODAY)
    imported = list(Contact.objects.filter(owner=alice).order_by("pk"))
    assert len(imported) == 40
    assert _pending(alice) == {c.pk: c.next_check_in for c in imported}
    assert len(set(_pending(alice).values())) > 1  # staggered, not one wave
    # Created with the form's service.
    made = contact_services.contact_create(
        owner=alice, fields={"first_name": "Grace", "tie_strength": "strong"}
    )
    made.refresh_from_db()
    assert _pending(alice)[made.pk] == made.next_check_in
    # An interaction moves it.
    before = _pending(alice)[imported[0].pk]
    contact_services.interaction_create(
        owner=alice, contact_ids=[imported[0].pk], occurred_on=TODAY, today=TODAY, kind="coffee"
    )
    assert _pending(alice)[imported[0].pk] != before
    # Archived: none; back from the archive: pending again.
    contact_services.contact_set_archived(contact=imported[1], archived=True)
    assert imported[1].pk not in _pending(alice)
    _assert_pending_follows_the_schedule(alice)
    contact_services.contact_set_archived(contact=imported[1], archived=False)
    assert imported[1].pk in _pending(alice)
    # A cadence changed in bulk moves every one of them.
    ids = [c.pk for c in imported[2:10]]
    contact_services.contacts_bulk_update(owner=alice, contact_ids=ids, action="set_cadence", value=1)
    _assert_pending_follows_the_schedule(alice)
    assert all(_pending(alice)[pk] <= TODAY + timedelta(days=31) for pk in ids)


def test_the_job_raises_the_due_ones_settles_them_and_leaves_the_rest(alice):
    due = [
        make_contact(owner=alice, created_at=at(date(2026, 1, 1)), tie_strength="strong") for _ in range(3)
    ]
    later = make_contact(owner=alice, created_at=at(TODAY - timedelta(days=10)), tie_strength="strong")
    services.contacts_schedule_refresh(contact_ids=[c.pk for c in [*due, later]], now=at(TODAY))
    assert set(_pending(alice)) == {c.pk for c in [*due, later]}
    assert services.reminders_generate(today=TODAY) == 3
    assert keys() == {(c.pk, "check_in", Contact.objects.get(pk=c.pk).next_check_in) for c in due}
    assert set(_pending(alice)) == {later.pk}  # not due yet: still to raise
    assert services.reminders_generate(today=TODAY + timedelta(days=1)) == 0


def test_a_check_in_already_open_is_settled_without_a_second_one(alice):
    contact = make_contact(owner=alice, created_at=at(date(2026, 1, 1)), tie_strength="strong")
    Reminder.objects.create(owner=alice, contact=contact, kind="check_in", due_on=date(2026, 2, 1))
    services.contacts_schedule_refresh(contact_ids=[contact.pk], now=at(TODAY))
    assert contact.pk in _pending(alice)
    assert services.reminders_generate(today=TODAY) == 0
    assert Reminder.objects.filter(contact=contact).count() == 1
    assert _pending(alice) == {}


def test_an_archived_contacts_pending_check_in_is_settled_not_raised(alice):
    """Written behind the services' back (an archive flag set by hand in the database)."""
    contact = make_contact(owner=alice, created_at=at(date(2026, 1, 1)), tie_strength="strong")
    services.contacts_schedule_refresh(contact_ids=[contact.pk], now=at(TODAY))
    Contact.objects.filter(pk=contact.pk).update(archived=True)
    assert services.reminders_generate(today=TODAY) == 0
    assert _pending(alice) == {}


def test_a_date_moved_past_the_run_while_it_ran_stays_pending(alice):
    raised, moved = (make_contact(owner=alice, created_at=at(date(2026, 1, 1))) for _ in range(2))
    PendingCheckIn.objects.create(contact=raised, owner=alice, due_on=TODAY - timedelta(days=3))
    PendingCheckIn.objects.create(contact=moved, owner=alice, due_on=TODAY + timedelta(days=20))
    pending_settle([raised.pk, moved.pk], until=TODAY)
    assert _pending(alice) == {moved.pk: TODAY + timedelta(days=20)}


def test_each_user_is_read_on_their_own_local_today(db):
    """A user a day behind (in their zone) has their check-in of the later day left pending."""
    behind = make_user("behind", tz="Pacific/Honolulu")
    ahead = make_user("ahead", tz="Pacific/Auckland")
    people = {}
    for user in (behind, ahead):
        contact = make_contact(owner=user, created_at=at(date(2026, 1, 1)))
        PendingCheckIn.objects.create(contact=contact, owner=user, due_on=date(2027, 3, 11))
        Contact.objects.filter(pk=contact.pk).update(next_check_in=date(2027, 3, 11), scores_on=TODAY)
        people[user.pk] = contact
    # 2027-03-10 22:00 UTC: Mar 10 in Honolulu, Mar 11 in Auckland.
    created = services.reminders_generate_batch(user_ids=[behind.pk, ahead.pk], now=at(TODAY, 22)).created
    assert created == 1
    assert keys() == {(people[ahead.pk].pk, "check_in", date(2027, 3, 11))}
    assert set(_pending(behind)) == {people[behind.pk].pk}


def test_the_runs_queries_do_not_grow_with_what_is_due(db):
    services.reminders_generate(today=TODAY, user_ids=[])  # the job's record exists (an UPDATE from now on)
    counts = []
    for size in (5, 60):
        user = make_user(f"queries{size}")
        people = [
            make_contact(owner=user, created_at=at(date(2026, 1, 1)), birthday_month=3, birthday_day=10)
            for _ in range(size)
        ]
        services.contacts_schedule_refresh(contact_ids=[c.pk for c in people], now=at(TODAY))
        with CaptureQueriesContext(connection) as captured:
            # A check-in and a birthday each.
            assert services.reminders_generate(today=TODAY, user_ids=[user.pk]) == 2 * size
        counts.append(len(captured))
    assert counts[0] == counts[1]
