"""Today's focus picked for many users at once (`focus.focus_pick_many`, what a digest batch
runs): each user gets exactly what `focus_pick` alone gives them, in a number of queries
that does not grow with the users or their reminders."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts.tests.factories import make_contact, make_reminder, make_tag, make_user
from reminders.focus import focus_pick, focus_pick_many
from reminders.models import Reminder

T = date(2027, 3, 15)
LONG_AGO = datetime(2020, 1, 10, 9, 0, tzinfo=UTC)
_users = itertools.count()

reminder = st.fixed_dictionaries(
    {
        "person": st.integers(0, 4),
        "kind": st.sampled_from(["check_in", "check_in", "birthday", "follow_up", "job_change"]),
        "days_ago": st.integers(-3, 200),  # a few not due yet
        "status": st.sampled_from(["open", "open", "snoozed", "done"]),
        "picked": st.booleans(),
    }
)
person = st.fixed_dictionaries(
    {
        "tie": st.sampled_from(["weak", "strong"]),
        "warmth": st.integers(0, 100),
        "cadence": st.sampled_from([None, None, 1, 3, 12]),
        "tagged": st.booleans(),
        "archived": st.booleans(),
    }
)
account = st.fixed_dictionaries(
    {
        "daily_focus": st.integers(0, 4),
        "tomorrow": st.booleans(),  # a user whose local date is a day ahead
        "people": st.lists(person, min_size=5, max_size=5),
        "reminders": st.lists(reminder, max_size=12),
    }
)


def _make(spec: dict):
    owner = make_user(f"many{next(_users)}", daily_focus=spec["daily_focus"])
    today = T + timedelta(days=1) if spec["tomorrow"] else T
    tag = make_tag(owner=owner, checkin_cadence_months=2)
    people = [
        make_contact(
            owner=owner,
            created_at=LONG_AGO,
            tie_strength=p["tie"],
            warmth=p["warmth"],
            checkin_cadence_months=p["cadence"],
            archived=p["archived"],
            tags=[tag] if p["tagged"] else (),
        )
        for p in spec["people"]
    ]
    seen = set()
    for r in spec["reminders"]:
        due = today - timedelta(days=r["days_ago"])
        key = (r["person"], r["kind"], due)
        if key in seen:
            continue  # unique on (contact, kind, due_on)
        seen.add(key)
        make_reminder(
            contact=people[r["person"]],
            kind=r["kind"],
            due_on=due,
            status=r["status"],
            snoozed_until=today - timedelta(days=r["days_ago"] % 3 - 1) if r["status"] == "snoozed" else None,
            focus_on=today if r["picked"] else None,
        )
    return owner, today


def _picked(todays: dict[int, date]) -> dict[int, set[int]]:
    return {
        owner_id: set(Reminder.objects.filter(owner_id=owner_id, focus_on=today).values_list("id", flat=True))
        for owner_id, today in todays.items()
    }


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(accounts=st.lists(account, min_size=1, max_size=4))
def test_picking_for_many_users_gives_each_what_picking_alone_gives(accounts):
    todays = dict(_make_each(accounts))
    with transaction.atomic():
        for owner_id, today in todays.items():
            focus_pick(owner_id=owner_id, today=today)
        alone = _picked(todays)
        transaction.set_rollback(True)
    before = _picked(todays)
    focus_pick_many(owner_ids=list(todays), today_of=todays.__getitem__)
    assert _picked(todays) == alone
    assert all(before[owner_id] <= alone[owner_id] for owner_id in todays)  # a pick never removes one


def _make_each(accounts):
    for spec in accounts:
        owner, today = _make(spec)
        yield owner.pk, today


def test_the_batch_pick_costs_the_same_queries_for_two_users_as_for_twenty(db):
    def queries(n_users: int) -> int:
        todays = {}
        for n in range(n_users):
            owner = make_user(f"batch{n_users}-{n}")
            tag = make_tag(owner=owner, checkin_cadence_months=1)
            for i in range(8):
                contact = make_contact(
                    owner=owner, created_at=LONG_AGO, tags=[tag] if i % 2 else (), warmth=10 * i
                )
                make_reminder(contact=contact, due_on=T - timedelta(days=30 + i))
            todays[owner.pk] = T + timedelta(days=n % 2)  # two local dates in the batch
        with CaptureQueriesContext(connection) as captured:
            focus_pick_many(owner_ids=list(todays), today_of=todays.__getitem__)
        assert {owner_id: len(ids) for owner_id, ids in _picked(todays).items()} == dict.fromkeys(todays, 5)
        return len(captured.captured_queries)

    assert queries(2) == queries(20)
