"""Writing a run's reminders (reminders/inserting.py): every new (contact, kind, due_on)
once, in the order given, existing ones left alone, the count exact; on PostgreSQL the
COPY-staged path gives exactly what the plain executemany gives."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts.tests.factories import make_contact, make_reminder, make_user
from reminders import inserting
from reminders.inserting import NewReminder
from reminders.models import Reminder

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
DAY = date(2026, 11, 26)
_users = itertools.count()

wanted = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.sampled_from(["check_in", "birthday", "follow_up"]),
        st.integers(0, 3),
        st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=3),
    ),
    max_size=25,
)


def random_runs(test):
    """25 random lists of reminders to raise, over a few existing check-ins."""
    existing = st.sets(st.tuples(st.integers(0, 2), st.just("check_in"), st.integers(0, 3)), max_size=4)
    return pytest.mark.django_db(
        settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])(
            given(asked=wanted, existing=existing)(test)
        )
    )


def _expected(existing: set[tuple], asked: list[tuple]) -> list[tuple]:
    """The rows the definition adds: the first of each new (contact, kind, due_on), in order."""
    seen = set(existing)
    added = []
    for row in asked:
        if row[:3] not in seen:
            seen.add(row[:3])
            added.append(row)
    return added


def _run(insert, asked_rows, existing_rows) -> tuple[int, list[tuple]]:
    owner = make_user(f"ins{next(_users)}")
    people = [make_contact(owner=owner) for _ in range(3)]
    for who, kind, days in existing_rows:
        make_reminder(contact=people[who], kind=kind, due_on=DAY + timedelta(days=days))
    before = set(Reminder.objects.filter(owner=owner).values_list("id", flat=True))
    new = [
        NewReminder(owner.pk, people[who].pk, kind, DAY + timedelta(days=days), detail)
        for who, kind, days, detail in asked_rows
    ]
    with transaction.atomic():
        count = insert(new, now=NOW)
    index = {person.pk: n for n, person in enumerate(people)}
    rows = [
        (index[contact_id], kind, (due_on - DAY).days, detail, status, created_at)
        for contact_id, kind, due_on, detail, status, created_at in Reminder.objects.filter(owner=owner)
        .exclude(id__in=before)
        .order_by("id")
        .values_list("contact_id", "kind", "due_on", "detail", "status", "created_at")
    ]
    return count, rows


@random_runs
def test_each_new_reminder_is_inserted_once_in_order_and_counted(asked, existing):
    count, rows = _run(inserting.reminders_insert, asked, existing)
    expected = [
        (who, kind, days, detail, "open", NOW) for who, kind, days, detail in _expected(existing, asked)
    ]
    assert rows == expected
    assert count == len(expected)


@random_runs
def test_the_postgresql_staged_insert_equals_the_plain_one(asked, existing):
    if connection.vendor != "postgresql":
        pytest.skip("the COPY-staged path is PostgreSQL's")
    assert _run(inserting.insert_staged, asked, existing) == _run(inserting.insert_plain, asked, existing)


def test_two_staged_inserts_in_one_transaction(db):
    if connection.vendor != "postgresql":
        pytest.skip("the COPY-staged path is PostgreSQL's")
    owner = make_user("twice")
    ada = make_contact(owner=owner)
    with transaction.atomic():
        assert inserting.insert_staged([NewReminder(owner.pk, ada.pk, "check_in", DAY)], now=NOW) == 1
        assert inserting.insert_staged([NewReminder(owner.pk, ada.pk, "birthday", DAY)], now=NOW) == 1
        assert inserting.insert_staged([NewReminder(owner.pk, ada.pk, "birthday", DAY)], now=NOW) == 0
    assert Reminder.objects.filter(owner=owner).count() == 2
