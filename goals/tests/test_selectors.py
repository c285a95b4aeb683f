"""What each goal counts, per period, in the owner's time zone; history, streak; query counts."""

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from django.template.loader import render_to_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts.models import Contact, Interaction
from contacts.selectors import dormant_q
from contacts.tests.factories import make_contact, make_interaction, make_user
from goals import rules, selectors
from goals.rules import Outcome
from goals.tests.factories import make_goal
from reminders.services import contacts_schedule_refresh

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)  # a Thursday
OLD = datetime(2020, 1, 1, tzinfo=UTC)


def settle(owner) -> None:
    """What the interaction services do after every write (the factories do not): the
    contacts' first interaction and stored silences (contacts.gaps) follow their interactions."""
    contacts_schedule_refresh(contact_ids=Contact.objects.filter(owner=owner).values_list("pk", flat=True))


def progress_of(owner, today=TODAY, history=True):
    settle(owner)
    return {p.goal.pk: p for p in selectors.goal_progress_list(owner=owner, today=today, history=history)}


def old_contact(owner, **kw):
    return make_contact(owner=owner, created_at=OLD, **kw)


def test_interactions_of_a_kind_count_once_per_interaction_whatever_its_people(alice):
    goal = make_goal(owner=alice, kind="informational_interview", target=3, period="month")
    a, b = old_contact(alice), old_contact(alice)
    make_interaction(contacts=[a, b], kind="informational_interview", occurred_on=date(2026, 11, 2))
    make_interaction(contact=a, kind="informational_interview", occurred_on=date(2026, 11, 25))
    make_interaction(contact=a, kind="coffee", occurred_on=date(2026, 11, 25))  # another kind
    make_interaction(contact=a, kind="informational_interview", occurred_on=date(2026, 10, 31))  # last month
    make_interaction(contact=a, kind="informational_interview", occurred_on=date(2026, 11, 27))  # tomorrow
    p = progress_of(alice)[goal.pk]
    assert (p.current.count, p.current.target, p.current.outcome) == (2, 3, Outcome.OPEN)
    assert p.percent == 67 and p.bar_width == 65


def test_an_event_is_a_day_with_event_interactions(alice):
    goal = make_goal(owner=alice, kind="event", target=2, period="month")
    for _ in range(3):  # the met form logs one event interaction per person met
        make_interaction(contact=old_contact(alice), kind="event", occurred_on=date(2026, 11, 5))
    make_interaction(contact=old_contact(alice), kind="event", occurred_on=date(2026, 11, 19))
    assert progress_of(alice)[goal.pk].current.count == 2


def test_introductions_made_are_introduction_interactions(alice):
    goal = make_goal(owner=alice, kind="introduction", target=1, period="month")
    a, b = old_contact(alice), old_contact(alice)
    make_interaction(contacts=[a, b], kind="introduction", occurred_on=date(2026, 11, 3))
    old_contact(alice, introduced_by=a)  # someone introduced *to* me: not an introduction I made
    p = progress_of(alice)[goal.pk]
    assert (p.current.count, p.current.outcome) == (1, Outcome.MET)


def test_new_people_are_contacts_added_in_the_period_in_local_time_not_imports(db):
    paris = make_user("paris", tz="Europe/Paris")
    goal = make_goal(owner=paris, measure="new_contacts", kind="", target=2, period="month")
    zone = ZoneInfo("Europe/Paris")
    # 23:30 in Paris on 31 October is 22:30 UTC: October. 00:30 on 1 November (23:30 UTC on 31 Oct): November.
    make_contact(owner=paris, created_at=datetime(2026, 10, 31, 23, 30, tzinfo=zone))
    make_contact(owner=paris, created_at=datetime(2026, 11, 1, 0, 30, tzinfo=zone))
    make_contact(owner=paris, created_at=datetime(2026, 11, 20, 12, 0, tzinfo=zone))
    make_contact(  # created by a LinkedIn import: not someone met this month
        owner=paris, created_at=datetime(2026, 11, 20, 12, 0, tzinfo=zone), first_check_in_on=date(2027, 1, 1)
    )
    p = progress_of(paris)[goal.pk]
    assert p.current.count == 2
    assert [(r.start, r.count) for r in p.history][-1] == (date(2026, 10, 1), 1)


def test_a_coffee_at_2330_local_on_the_last_day_of_the_month_counts_for_that_month(db):
    la = make_user("la", tz="America/Los_Angeles")
    goal = make_goal(
        owner=la, measure="new_contacts", kind="", target=1, period="month", created_on=date(2026, 9, 1)
    )
    # 23:30 on 31 October in Los Angeles is 06:30 UTC on 1 November.
    make_contact(owner=la, created_at=datetime(2026, 11, 1, 6, 30, tzinfo=UTC))
    p = progress_of(la)[goal.pk]
    assert p.current.count == 0
    assert [(r.start, r.count, r.outcome) for r in p.history] == [
        (date(2026, 9, 1), 0, Outcome.MISSED),
        (date(2026, 10, 1), 1, Outcome.MET),
    ]


def test_new_people_at_events_are_added_contacts_whose_first_interaction_is_an_event(alice):
    goal = make_goal(
        owner=alice, measure="event_newcomers", kind="", target=2, period="month", per_event=True
    )
    added = datetime(2026, 11, 12, 9, tzinfo=UTC)
    # What the met-at-an-event form does: a new contact, an event interaction "Met at …".
    for _ in range(3):
        make_interaction(
            contact=make_contact(owner=alice, created_at=added),
            kind="event",
            occurred_on=date(2026, 11, 10),
            summary="Met at PyCon",
        )
    # Someone already known, met again at the event: not new.
    known = make_contact(owner=alice, created_at=added)
    make_interaction(contact=known, kind="coffee", occurred_on=date(2026, 9, 1))
    make_interaction(contact=known, kind="event", occurred_on=date(2026, 11, 10), summary="Met at PyCon")
    # A new contact first met over coffee: new, but not at an event.
    make_interaction(
        contact=make_contact(owner=alice, created_at=added), kind="coffee", occurred_on=date(2026, 11, 11)
    )
    p = progress_of(alice)[goal.pk]
    # One event day, 2 per event: target 2; 3 new people: met.
    assert (p.current.count, p.current.events, p.current.target, p.current.outcome) == (3, 1, 2, Outcome.MET)


def test_a_per_event_goal_without_an_event_is_neither_met_nor_missed(alice):
    goal = make_goal(
        owner=alice,
        measure="event_newcomers",
        kind="",
        target=2,
        period="month",
        per_event=True,
        created_on=date(2026, 9, 1),
    )
    contact = make_contact(owner=alice, created_at=datetime(2026, 10, 3, tzinfo=UTC))
    make_interaction(contact=contact, kind="event", occurred_on=date(2026, 10, 2))
    p = progress_of(alice)[goal.pk]
    assert [r.outcome for r in p.history] == [Outcome.NO_EVENT, Outcome.MISSED]  # Oct: 1 of 2
    assert p.current.outcome is Outcome.NO_EVENT


def test_reconnects_are_talks_with_dormant_ties_once_per_contact_and_day(alice):
    goal = make_goal(owner=alice, measure="reconnects", kind="", target=1, period="week")
    dormant = old_contact(alice)
    make_interaction(contact=dormant, occurred_on=date(2025, 5, 1))
    make_interaction(contact=dormant, kind="call", occurred_on=date(2026, 11, 24))  # 18 months later
    make_interaction(contact=dormant, kind="email", occurred_on=date(2026, 11, 24))  # same day: one reconnect
    make_interaction(
        contact=dormant, kind="email", occurred_on=date(2026, 11, 25)
    )  # the day after: warm again
    recent = old_contact(alice)
    make_interaction(contact=recent, occurred_on=date(2026, 6, 1))
    make_interaction(contact=recent, occurred_on=date(2026, 11, 24))  # 6 months: not dormant (12)
    never = old_contact(alice)  # added in 2020, never talked: dormant
    make_interaction(contact=never, occurred_on=date(2026, 11, 23))
    brand_new = make_contact(owner=alice, created_at=datetime(2026, 11, 20, tzinfo=UTC))
    make_interaction(contact=brand_new, occurred_on=date(2026, 11, 24))  # just added: not a reconnect
    # Imported last month, connected on LinkedIn in 2019, first talk this week: dormant
    # by the reconnect list's rule (its last interaction is 2019), so a reconnect.
    imported = make_contact(owner=alice, created_at=datetime(2026, 10, 20, tzinfo=UTC))
    make_interaction(
        contact=imported, kind="other", summary="Connected on LinkedIn", occurred_on=date(2019, 3, 1)
    )
    make_interaction(contact=imported, kind="coffee", occurred_on=date(2026, 11, 25))
    assert progress_of(alice)[goal.pk].current.count == 3
    # The dashboard's way (current period only) finds the same.
    assert progress_of(alice, history=False)[goal.pk].current.count == 3


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    previous=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 11, 25)),
    months=st.integers(3, 24),
)
def test_a_reconnect_is_a_talk_with_someone_dormant_by_the_reconnect_lists_rule(alice, previous, months):
    """goals.rules.is_reconnect and contacts.selectors.dormant_q agree on every gap."""
    contact = old_contact(alice, last_interaction_on=previous)
    dormant = Contact.objects.filter(dormant_q(today=TODAY, months=months), pk=contact.pk).exists()
    assert dormant == rules.is_reconnect(
        day=TODAY, previous_on=previous, added_on=OLD.date(), dormant_months=months
    )
    contact.delete()


def test_reconnects_follow_the_profiles_dormant_months(db):
    user = make_user("quick", dormant_months=3)
    goal = make_goal(owner=user, measure="reconnects", kind="", target=1, period="month")
    contact = old_contact(user)
    make_interaction(contact=contact, occurred_on=date(2026, 7, 20))
    make_interaction(contact=contact, occurred_on=date(2026, 11, 2))
    assert progress_of(user)[goal.pk].current.count == 1


def test_history_met_missed_and_streak_on_a_known_fixture(alice):
    goal = make_goal(owner=alice, kind="coffee", target=1, period="week", created_on=date(2026, 10, 1))
    contact = old_contact(alice)
    # Weeks (Mondays): 28 Sep (goal set on Thu 1 Oct), 5 Oct, 12 Oct, 19 Oct, 26 Oct, 2 Nov, 9 Nov, 16 Nov, 23 Nov (current).
    for day in (
        date(2026, 10, 1),
        date(2026, 10, 7),
        date(2026, 10, 27),
        date(2026, 11, 3),
        date(2026, 11, 10),
        date(2026, 11, 11),
        date(2026, 11, 22),
    ):
        make_interaction(contact=contact, kind="coffee", occurred_on=day)
    p = progress_of(alice)[goal.pk]
    assert [r.outcome for r in p.history] == [
        Outcome.MET,
        Outcome.MET,
        Outcome.MISSED,
        Outcome.MISSED,
        Outcome.MET,
        Outcome.MET,
        Outcome.MET,
        Outcome.MET,
    ]
    assert p.current.outcome is Outcome.OPEN and p.current.start == date(2026, 11, 23)
    assert p.streak == 4 and not p.streak_open_ended
    assert (p.met_count, p.judged_count) == (6, 8)
    # Meeting this week's target extends the streak at once.
    make_interaction(contact=contact, kind="coffee", occurred_on=TODAY)
    assert progress_of(alice)[goal.pk].streak == 5


def test_a_streak_as_long_as_the_history_is_open_ended(alice):
    goal = make_goal(owner=alice, kind="coffee", target=1, period="quarter", created_on=date(2020, 1, 1))
    contact = old_contact(alice)
    for day in (date(2025, 11, 1), date(2026, 2, 1), date(2026, 5, 1), date(2026, 8, 1)):
        make_interaction(contact=contact, kind="coffee", occurred_on=day)
    p = progress_of(alice)[goal.pk]
    assert len(p.history) == 4 and p.streak == 4 and p.streak_open_ended


def test_archived_goals_are_not_shown_and_others_data_is_never_counted(alice, bob):
    mine = make_goal(owner=alice, kind="coffee", target=1, period="month")
    make_goal(owner=alice, kind="call", target=1, period="month", archived=True)
    for measure in ("new_contacts", "reconnects", "event_newcomers"):
        make_goal(owner=alice, measure=measure, kind="", target=1, period="month")
    theirs = make_contact(owner=bob, created_at=datetime(2026, 11, 3, tzinfo=UTC))
    make_interaction(contact=theirs, kind="coffee", occurred_on=date(2026, 11, 3))
    make_interaction(contact=theirs, kind="event", occurred_on=date(2026, 11, 3))
    old = make_contact(owner=bob, created_at=OLD)
    make_interaction(contact=old, kind="coffee", occurred_on=date(2026, 11, 4))
    settle(alice)
    settle(bob)
    progress = selectors.goal_progress_list(owner=alice, today=TODAY)
    assert len(progress) == 4 and mine.pk in {p.goal.pk for p in progress}
    assert all(p.current.count == 0 for p in progress)
    assert selectors.goal_progress_list(owner=bob, today=TODAY) == []


def _network(owner, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        contact = make_contact(owner=owner, created_at=datetime(2026, 1 + i % 10, 3, tzinfo=UTC))
        make_interaction(
            contact=contact,
            kind=("coffee", "event", "informational_interview")[i % 3],
            occurred_on=date(2026, 1 + i % 11, 1 + i % 27),
        )
        make_interaction(contact=contact, kind="call", occurred_on=date(2024, 1, 1) + timedelta(days=i))


def _all_measures(owner) -> None:
    make_goal(owner=owner, kind="coffee", target=1, period="week", created_on=date(2025, 1, 1))
    make_goal(
        owner=owner, kind="informational_interview", target=3, period="month", created_on=date(2025, 1, 1)
    )
    make_goal(
        owner=owner, measure="new_contacts", kind="", target=2, period="month", created_on=date(2025, 1, 1)
    )
    make_goal(
        owner=owner, measure="reconnects", kind="", target=1, period="week", created_on=date(2025, 1, 1)
    )
    make_goal(
        owner=owner,
        measure="event_newcomers",
        kind="",
        target=2,
        period="month",
        per_event=True,
        created_on=date(2025, 1, 1),
    )


@pytest.mark.parametrize("history", [True, False])
def test_five_queries_whatever_the_data_and_rendering_costs_none(alice, django_assert_num_queries, history):
    _all_measures(alice)
    _network(alice, 10)
    settle(alice)
    alice.profile  # noqa: B018 - the request has it loaded already
    with django_assert_num_queries(5):
        small = selectors.goal_progress_list(owner=alice, today=TODAY, history=history)
    _network(alice, 60, start=10)
    settle(alice)
    with django_assert_num_queries(5):
        large = selectors.goal_progress_list(owner=alice, today=TODAY, history=history)
    assert len(small) == len(large) == 5
    with django_assert_num_queries(0):
        render_to_string("goals/_dashboard_goals.html", {"goal_progress": large})


def test_no_goals_cost_one_query(alice, django_assert_num_queries):
    alice.profile  # noqa: B018
    with django_assert_num_queries(1):
        assert selectors.goal_progress_list(owner=alice, today=TODAY) == []


def test_someone_added_from_the_attendee_list_before_the_event_is_new_there_on_both_views(alice):
    goal = make_goal(owner=alice, measure="event_newcomers", kind="", target=1, period="month")
    # Added on 28 October from the attendee list; met at the event on 3 November.
    listed = make_contact(owner=alice, created_at=datetime(2026, 10, 28, 9, tzinfo=UTC))
    make_interaction(contact=listed, kind="event", occurred_on=date(2026, 11, 3))
    # In the network since 2020, first talked to at the event: not new.
    make_interaction(contact=old_contact(alice), kind="event", occurred_on=date(2026, 11, 3))
    assert progress_of(alice)[goal.pk].current.count == 1
    assert progress_of(alice, history=False)[goal.pk].current.count == 1


def test_a_goal_dated_after_today_shows_its_current_period(alice):
    goal = make_goal(owner=alice, kind="coffee", target=1, period="month", created_on=date(2027, 6, 1))
    p = progress_of(alice)[goal.pk]
    assert p.current.start == date(2026, 11, 1) and p.history == [] and p.streak == 0


def assert_counts_by_period(owner, goal, by_period: dict[date, int]) -> None:
    """The page's periods (history and current) and the dashboard's current one count
    exactly `by_period` ({period start: count}, the plain definition)."""
    page = progress_of(owner)[goal.pk]
    assert [(r.start, r.count) for r in [*page.history, page.current]] == [
        (r.start, by_period.get(r.start, 0)) for r in [*page.history, page.current]
    ]
    dashboard = progress_of(owner, history=False)[goal.pk]
    assert dashboard.current.count == by_period.get(dashboard.current.start, 0)


def _plain_reconnects(owner, *, today: date) -> dict[date, int]:
    """Reconnects by day by the plain definition: every (contact, day) up to today, its
    previous day among all the contact's interactions, goals.rules.is_reconnect."""
    zone = ZoneInfo(owner.profile.timezone)
    months = owner.profile.dormant_months
    days: dict[int, set[date]] = {}
    for contact_id, day in Interaction.contacts.through.objects.filter(
        interaction__owner=owner, interaction__occurred_on__lte=today
    ).values_list("contact_id", "interaction__occurred_on"):
        days.setdefault(contact_id, set()).add(day)
    added = dict(Contact.objects.filter(owner=owner).values_list("pk", "created_at"))
    found: dict[date, int] = {}
    for contact_id, contact_days in days.items():
        previous_on = None
        for day in sorted(contact_days):
            if rules.is_reconnect(
                day=day,
                previous_on=previous_on,
                added_on=rules.local_day(added[contact_id], zone),
                dormant_months=months,
            ):
                found[day] = found.get(day, 0) + 1
            previous_on = day
    return found


_users = itertools.count()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    months=st.sampled_from([3, 12]),
    tz=st.sampled_from(["UTC", "Europe/Paris", "America/Los_Angeles"]),
    added=st.lists(
        st.tuples(st.dates(date(2024, 1, 1), date(2026, 11, 26)), st.integers(0, 23)), min_size=1, max_size=4
    ),
    talks=st.lists(
        st.tuples(
            st.dates(date(2025, 1, 1), date(2026, 12, 5)),
            st.integers(0, 3),
            st.booleans(),
            st.sampled_from([None, -1, 0, 1]),
        ),
        max_size=12,
    ),
    period=st.sampled_from(["week", "month", "quarter"]),
)
def test_reconnect_counts_equal_the_plain_definition_on_both_reads(db, months, tz, added, talks, period):
    """The dashboard's read (current period only) and the page's (a year of history)
    count exactly what the plain definition counts, period by period."""
    owner = make_user(f"gen{next(_users)}", tz=tz, dormant_months=months)
    goal = make_goal(
        owner=owner, measure="reconnects", kind="", target=1, period=period, created_on=date(2020, 1, 1)
    )
    people = [
        make_contact(owner=owner, created_at=datetime(d.year, d.month, d.day, h, 30, tzinfo=UTC))
        for d, h in added
    ]
    for day, who, with_next, again in talks:
        first = people[who % len(people)]
        second = people[(who + 1) % len(people)]
        make_interaction(
            contacts=[first, second] if with_next and second != first else [first], occurred_on=day
        )
        if again is not None:  # the same person again, a day either side of dormant
            later = day + relativedelta(months=months) + timedelta(days=again)
            make_interaction(contact=first, occurred_on=later)
    plain = rules.by_period(_plain_reconnects(owner, today=TODAY), period)
    assert_counts_by_period(owner, goal, plain)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    tz=st.sampled_from(["UTC", "Europe/Paris", "America/Los_Angeles"]),
    added=st.lists(
        st.tuples(st.dates(date(2025, 6, 1), date(2026, 11, 26)), st.integers(0, 23), st.booleans()),
        min_size=1,
        max_size=4,
    ),
    talks=st.lists(
        st.tuples(
            st.dates(date(2025, 6, 1), date(2026, 12, 5)),
            st.integers(0, 3),
            st.sampled_from(["event", "event", "coffee"]),
        ),
        max_size=10,
    ),
    period=st.sampled_from(["week", "month", "quarter"]),
)
def test_new_people_at_events_equal_the_plain_definition_on_both_reads(db, tz, added, talks, period):
    """Each added contact counts once, on its first interaction's day, when that day has
    an event of theirs and they were added at most NEW_AT_EVENT_LEAD before it."""
    owner = make_user(f"gen{next(_users)}", tz=tz)
    goal = make_goal(
        owner=owner,
        measure="event_newcomers",
        kind="",
        target=1,
        period=period,
        per_event=True,
        created_on=date(2020, 1, 1),
    )
    people = [
        make_contact(
            owner=owner,
            created_at=datetime(d.year, d.month, d.day, h, 30, tzinfo=UTC),
            first_check_in_on=date(2027, 1, 1) if imported else None,
        )
        for d, h, imported in added
    ]
    for day, who, kind in talks:
        make_interaction(contact=people[who % len(people)], kind=kind, occurred_on=day)
    zone = ZoneInfo(tz)
    plain: dict[date, int] = {}
    for person in people:
        talked = list(person.interactions.values_list("occurred_on", "kind"))
        if person.first_check_in_on is not None or not talked:
            continue
        first = min(day for day, _kind in talked)
        if (
            (first, "event") in talked
            and first <= TODAY
            and rules.local_day(person.created_at, zone) >= first - selectors.NEW_AT_EVENT_LEAD
        ):
            plain[first] = plain.get(first, 0) + 1
    by_period = rules.by_period(plain, period)
    assert_counts_by_period(owner, goal, by_period)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    tz=st.sampled_from(["UTC", "Europe/Paris", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Kiritimati"]),
    added=st.lists(
        st.tuples(st.datetimes(datetime(2025, 10, 1), datetime(2026, 11, 27, 23, 59)), st.booleans()),
        max_size=8,
    ),
    lengths=st.lists(st.sampled_from(["week", "month", "quarter"]), min_size=1, max_size=3, unique=True),
)
def test_new_people_equal_the_plain_definition_for_goals_of_any_lengths(db, tz, added, lengths):
    """Contacts added by hand, counted on their local day, each goal's periods summing
    them: whatever mix of period lengths shares the one read, history and dashboard."""
    owner = make_user(f"gen{next(_users)}", tz=tz)
    goals = [
        make_goal(
            owner=owner, measure="new_contacts", kind="", target=1, period=length, created_on=date(2020, 1, 1)
        )
        for length in lengths
    ]
    for moment, imported in added:
        make_contact(
            owner=owner,
            created_at=moment.replace(tzinfo=UTC),
            first_check_in_on=date(2027, 1, 1) if imported else None,
        )
    zone = ZoneInfo(tz)
    plain: dict[date, int] = {}
    for moment, imported in added:
        day = rules.local_day(moment.replace(tzinfo=UTC), zone)
        if not imported and day <= TODAY:
            plain[day] = plain.get(day, 0) + 1
    for goal in goals:
        assert_counts_by_period(owner, goal, rules.by_period(plain, goal.period))
