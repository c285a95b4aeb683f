"""The dashboard and the reminders page stay small when thousands are overdue, and
upcoming birthdays/anniversaries narrowed in SQL match the rules applied to everyone."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from contacts.models import Contact
from contacts.tests.factories import make_contact, make_reminder, make_user
from reminders import focus, rules, selectors

TODAY = date(2026, 11, 23)


def _overdue(owner, count: int) -> None:
    for i in range(count):
        make_reminder(contact=make_contact(owner=owner), due_on=TODAY - timedelta(days=i + 1))


def test_dashboard_shows_the_days_focus_of_many_overdue_and_says_how_many_wait(alice):
    _overdue(alice, 20)
    focus.focus_pick(owner_id=alice.pk, today=TODAY)
    context = selectors.dashboard_context(owner=alice, today=TODAY)
    assert len(context["focus"].items) == alice.profile.daily_focus == 5
    assert context["counts"] == {"focus": 5, "waiting": 15, "week": 0}
    # Equal weak ties with no warmth: the most overdue first (capped at one cadence late, then oldest).
    assert context["focus"].items[0].due_on == TODAY - timedelta(days=20)


def _queries(owner) -> int:
    with CaptureQueriesContext(connection) as captured:
        selectors.dashboard_context(owner=owner, today=TODAY)
        selectors.reminder_page_context(owner=owner, today=TODAY)
    return len(captured.captured_queries)


def test_query_count_does_not_grow_with_overdue_reminders(alice):
    _overdue(alice, 3)
    small = _queries(alice)
    _overdue(alice, 60)
    assert _queries(alice) == small


def test_dashboard_page_says_there_are_more(alice_client, alice):
    today = timezone.localdate()  # the view's today (alice is in UTC)
    for i in range(18):
        make_reminder(contact=make_contact(owner=alice), due_on=today - timedelta(days=i + 1))
    response = alice_client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert len(response.context["focus"].items) == 5
    html = response.content.decode()
    assert "13 more waiting" in html
    assert 'id="count-waiting">13<' in html  # the rest are counted, not listed


class UpcomingEventsMatchTheRules(TestCase):
    @settings(max_examples=25, deadline=None)
    @given(
        today=st.dates(min_value=date(2023, 1, 1), max_value=date(2030, 12, 31)),
        days=st.integers(1, 45),
        people=st.lists(
            st.tuples(st.integers(1, 12), st.integers(1, 31), st.booleans()), min_size=1, max_size=12
        ),
    )
    def test_sql_narrowing_drops_no_event(self, today, days, people):
        owner = make_user()
        for month, day, leap in people:
            year = 2000 if leap else 2001
            try:
                date(year, month, day)
            except ValueError:
                continue
            make_contact(
                owner=owner, birthday_month=month, birthday_day=day, started_on=date(year - 4, month, day)
            )
        found = {
            (u.contact.pk, u.kind, u.due_on)
            for u in selectors.upcoming_events(owner=owner, today=today, days=days)
        }
        expected = set()
        until = today + timedelta(days=days)
        for contact in Contact.objects.filter(owner=owner):
            for due, _ in rules.birthday_occurrences(
                month=contact.birthday_month, day=contact.birthday_day, year=None, after=today, until=until
            ):
                expected.add((contact.pk, "birthday", due))
            for due, _ in rules.anniversary_occurrences(
                started_on=contact.started_on, after=today, until=until
            ):
                expected.add((contact.pk, "work_anniversary", due))
        assert found == expected


def test_feb_29_birthday_is_upcoming_on_feb_28_of_a_common_year(alice):
    leapling = make_contact(owner=alice, birthday_month=2, birthday_day=29, started_on=date(2020, 2, 29))
    make_contact(owner=alice, birthday_month=3, birthday_day=10)  # outside the window
    events = selectors.upcoming_events(owner=alice, today=date(2027, 2, 25), days=7)
    assert [(e.contact.pk, e.kind, e.due_on) for e in events] == [
        (leapling.pk, "birthday", date(2027, 2, 28)),
        (leapling.pk, "work_anniversary", date(2027, 2, 28)),
    ]


def test_a_big_network_shows_fifteen_events_this_week_and_counts_all(alice):
    soon = TODAY + timedelta(days=3)
    for _ in range(20):
        make_contact(owner=alice, birthday_month=soon.month, birthday_day=soon.day)
    context = selectors.dashboard_context(owner=alice, today=TODAY)
    assert context["counts"]["week"] == 20
    assert len(context["week_shown"]) == 15
    assert context["hidden"]["week"] == 5


def test_reminders_page_caps_upcoming_rows(alice, monkeypatch):
    monkeypatch.setattr(selectors, "UPCOMING_ROWS", 4)
    soon = TODAY + timedelta(days=2)
    for _ in range(6):
        make_contact(owner=alice, birthday_month=soon.month, birthday_day=soon.day)
    context = selectors.reminder_page_context(owner=alice, today=TODAY)
    assert len(context["upcoming"]) == 4
    assert context["totals"]["upcoming"] == 6
    assert context["windows"]["upcoming"].left == 2
