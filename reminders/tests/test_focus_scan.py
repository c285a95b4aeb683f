"""The fast path of picking today's focus (`focus._choose_scan`) chooses exactly what the
plain path (`focus._choose_all`: rank every active reminder) chooses, on generated backlogs
that cross its windows: every kind and tier, ties of place, warmth above 100, tag and own
cadences, people with several reminders, people already picked, snoozed and archived rows."""

from datetime import date, timedelta
from unittest.mock import patch

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts.models import Contact
from contacts.tests.factories import make_user
from crm.models import Profile
from reminders import focus
from reminders.models import Reminder, ReminderKind

pytestmark = pytest.mark.django_db

T = date(2027, 3, 15)
KINDS = [kind.value for kind in ReminderKind]

person = st.fixed_dictionaries(
    {
        "tie_strength": st.sampled_from(["strong", "weak"]),
        "warmth": st.one_of(st.sampled_from([0, 0, 50, 100]), st.integers(0, 130)),
        "checkin_cadence_months": st.one_of(st.none(), st.integers(0, 24)),
        "tag_cadence": st.one_of(st.none(), st.integers(1, 12)),
        "archived": st.sampled_from([False] * 9 + [True]),
    }
)
reminder = st.fixed_dictionaries(
    {
        "person": st.integers(0, 199),
        "kind": st.sampled_from(KINDS + [ReminderKind.CHECK_IN] * 4),
        # Clustered dates make ties of place likely.
        "days_ago": st.one_of(st.sampled_from([0, 1, 6, 7, 30, 400, 800, 800, 900]), st.integers(0, 900)),
        "snoozed": st.sampled_from([None, None, None, 0, 5]),  # snoozed until T-0 (active) or T+5
        "picked": st.sampled_from([False] * 9 + [True]),
    }
)


def _backlog(people: list[dict], reminders: list[dict]):
    owner = make_user()
    Profile.objects.filter(user=owner).update(strong_cadence_months=2, weak_cadence_months=6)
    contacts = Contact.objects.bulk_create(
        Contact(
            owner=owner,
            first_name=f"P{n}",
            tie_strength=spec["tie_strength"],
            warmth=spec["warmth"],
            checkin_cadence_months=spec["checkin_cadence_months"],
            archived=spec["archived"],
        )
        for n, spec in enumerate(people)
    )
    for contact, spec in zip(contacts, people, strict=True):
        if spec["tag_cadence"] is not None:
            tag = owner.tags.create(name=f"t{contact.pk}", checkin_cadence_months=spec["tag_cadence"])
            contact.tags.add(tag)
    unique = {}  # (person, kind, due): one reminder, as the database allows
    for spec in reminders:
        unique.setdefault((spec["person"] % len(contacts), spec["kind"], spec["days_ago"]), spec)
    Reminder.objects.bulk_create(
        Reminder(
            owner=owner,
            contact=contacts[spec["person"] % len(contacts)],
            kind=spec["kind"],
            due_on=T - timedelta(days=spec["days_ago"]),
            status="open" if spec["snoozed"] is None else "snoozed",
            snoozed_until=None if spec["snoozed"] is None else T + timedelta(days=spec["snoozed"]),
            focus_on=T if spec["picked"] else None,
        )
        for spec in unique.values()
    )
    return owner


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(
    people=st.lists(person, min_size=5, max_size=60),
    reminders=st.lists(reminder, min_size=30, max_size=220),
    need=st.one_of(st.integers(1, 6), st.integers(1, 25)),
)
def test_the_scan_chooses_what_ranking_everything_chooses(people, reminders, need):
    owner = _backlog(people, reminders)
    profile = Profile.objects.get(user=owner)
    picked = set(Reminder.objects.filter(owner=owner, focus_on=T).values_list("contact_id", flat=True))
    plain = focus._choose_all(owner_id=owner.pk, today=T, profile=profile, picked=picked, need=need)
    fast = focus._choose_scan(owner_id=owner.pk, today=T, profile=profile, picked=picked, need=need)
    assert fast == plain
    # Windows of one row per person needed: the stopping rule decides at every window.
    with patch.object(focus, "_FIRST_WINDOW", 1), patch.object(focus, "_WINDOW_PER_PERSON", 1):
        fast = focus._choose_scan(owner_id=owner.pk, today=T, profile=profile, picked=picked, need=need)
    assert fast == plain


def _weak_cold_backlog(size: int):
    """A restored backlog: `size` weak, cold check-ins a year late (every place within one tie)."""
    owner = make_user()
    contacts = Contact.objects.bulk_create(Contact(owner=owner, first_name=f"P{n}") for n in range(size))
    Reminder.objects.bulk_create(
        Reminder(owner=owner, contact=c, kind="check_in", due_on=T - timedelta(days=365 + n % 40))
        for n, c in enumerate(contacts)
    )
    return owner


@pytest.mark.parametrize("size", [300, 1200])
def test_the_scan_reads_one_window_of_a_backlog_whatever_its_size(size):
    """Five people out of a backlog: the same queries and one window of rows at both sizes."""
    owner = _weak_cold_backlog(size)
    profile = Profile.objects.get(user=owner)
    with CaptureQueriesContext(connection) as queries:
        chosen = focus._choose_scan(owner_id=owner.pk, today=T, profile=profile, picked=set(), need=5)
    assert chosen == focus._choose_all(owner_id=owner.pk, today=T, profile=profile, picked=set(), need=5)
    assert len(queries) == 3  # first tiers, one window of check-ins, its tag cadences
    assert f"LIMIT {focus._FIRST_WINDOW}" in queries[1]["sql"]


def test_strong_ties_late_in_a_backlog_are_still_found():
    """Three strong ties added last to a cold weak backlog come first (the windows' order)."""
    owner = _weak_cold_backlog(200)
    strong = Contact.objects.bulk_create(
        Contact(owner=owner, first_name=f"S{n}", tie_strength="strong") for n in range(3)
    )
    Reminder.objects.bulk_create(
        Reminder(owner=owner, contact=c, kind="check_in", due_on=T - timedelta(days=10)) for c in strong
    )
    profile = Profile.objects.get(user=owner)
    chosen = focus._choose_scan(owner_id=owner.pk, today=T, profile=profile, picked=set(), need=5)
    assert set(Reminder.objects.filter(pk__in=chosen[:3]).values_list("contact_id", flat=True)) == {
        c.pk for c in strong
    }
    assert chosen == focus._choose_all(owner_id=owner.pk, today=T, profile=profile, picked=set(), need=5)
