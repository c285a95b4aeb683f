"""The reminder job's queries on PostgreSQL: index scans for the owners of a run, never a
sequential scan of contacts, reminders or interactions (issue #14), whatever else the
deployment holds. The plans are in the failure message."""

import random
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from contacts.models import Contact, ContactEmail, Interaction
from contacts.tests.factories import make_user
from reminders import services
from reminders.models import PendingCheckIn, Reminder
from reminders.pending import due_pending

pytestmark = pytest.mark.django_db

TODAY = date(2027, 3, 10)
BIG_TABLES = ("contacts_contact", "reminders_reminder", "contacts_interaction", "reminders_pendingcheckin")


@pytest.fixture
def deployment():
    """40 users of 250 contacts (10,000), half of them with an open overdue check-in,
    birthdays and role starts all year, interactions with follow-ups; the tables analysed."""
    if connection.vendor != "postgresql":
        pytest.skip("query plans are checked in the PostgreSQL pass")
    rng = random.Random(14)
    users = [make_user(f"plan{n}") for n in range(40)]
    for user in users:
        people = Contact.objects.bulk_create(
            [
                Contact(
                    owner=user,
                    first_name=f"P{i}",
                    created_at=datetime(2024, 1, 1, tzinfo=UTC),
                    next_check_in=TODAY + timedelta(days=rng.randrange(-300, 300)),
                    scores_on=TODAY - timedelta(days=1),
                    birthday_month=rng.randint(1, 12) if i % 2 else None,
                    birthday_day=rng.randint(1, 28) if i % 2 else None,
                    started_on=date(2015, 1, 1) + timedelta(days=rng.randrange(3000)) if i % 3 == 0 else None,
                )
                for i in range(250)
            ]
        )
        Reminder.objects.bulk_create(
            [
                Reminder(owner=user, contact=c, kind="check_in", due_on=c.next_check_in)
                for c in people
                if c.next_check_in < TODAY
            ]
        )
        PendingCheckIn.objects.bulk_create(  # the future check-ins are still to raise
            [
                PendingCheckIn(contact=c, owner=user, due_on=c.next_check_in)
                for c in people
                if c.next_check_in >= TODAY
            ]
        )
        ContactEmail.objects.bulk_create(
            [ContactEmail(contact=c, value=f"p{c.pk}@example.org") for c in people]
        )
        interactions = Interaction.objects.bulk_create(
            [
                Interaction(
                    owner=user,
                    occurred_on=TODAY - timedelta(days=rng.randrange(1, 400)),
                    follow_up_on=TODAY - timedelta(days=rng.randrange(0, 60)) if n % 10 == 0 else None,
                )
                for n in range(200)
            ]
        )
        Interaction.contacts.through.objects.bulk_create(
            [Interaction.contacts.through(interaction=it, contact=rng.choice(people)) for it in interactions]
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return users


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _assert_no_seq_scan(plan: str) -> None:
    for table in BIG_TABLES:
        assert not re.search(rf"Seq Scan on {table}\b(?!_)", plan), plan


def test_the_candidates_and_follow_ups_of_a_run_are_read_through_indexes(deployment):
    clocks = services._owner_clocks([u.pk for u in deployment[:5]], today=TODAY, now=datetime.now(UTC))
    events = services.event_candidates(clocks).order_by().values("pk")
    _assert_no_seq_scan(_plan(events))
    pending = due_pending({clock.user_id: clock.today for clock in clocks.values()})
    _assert_no_seq_scan(_plan(pending))
    _assert_no_seq_scan(_plan(services.follow_ups_due(clocks)))


def test_the_score_sweep_finds_stale_contacts_through_its_index(deployment):
    stale = Contact.objects.filter(owner_id__in=[u.pk for u in deployment[:5]], scores_on__lt=TODAY).values(
        "pk"
    )[:2000]
    _assert_no_seq_scan(_plan(stale))
