"""Today's focus (reminders.focus) on the real database: order, backlog, imports, isolation, queries."""

import json
import math
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from unittest.mock import patch

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.importing.services import import_run
from contacts.models import Contact
from contacts.tests.factories import make_contact, make_interaction, make_reminder, make_tag, make_user
from reminders import rules, services
from reminders.focus import focus_pick, focus_pick_many, focus_today
from reminders.models import Reminder

from .helpers import at

pytestmark = pytest.mark.django_db

T = date(2027, 3, 15)
LONG_AGO = at(date(2020, 1, 10))


def months_ago(n: int) -> date:
    return T - relativedelta(months=n)


def generate(user, today: date = T) -> int:
    return services.reminders_generate(today=today, user_ids=[user.pk], now=at(today, 9))


def shown(user, today: date = T):
    """Today's focus as the dashboard shows it: picked (topped up) on the visit, then read."""
    focus_pick(owner_id=user.pk, today=today)
    return focus_today(owner_id=user.pk, today=today)


def names(items) -> list[str]:
    return [r.contact.first_name for r in items]


def in_focus(user, today: date = T) -> set[int]:
    return set(Reminder.objects.filter(owner=user, focus_on=today).values_list("contact_id", flat=True))


# --- the order on a known fixture ------------------------------------------------------


def _known_network(owner) -> None:
    """Events (no check-ins: cadence 0) and check-ins of known lateness and warmth on T."""
    events = {"checkin_cadence_months": 0, "created_at": LONG_AGO}
    fiona = make_contact(owner=owner, first_name="Fiona", **events)
    # Met two days ago and promised to follow up today.
    make_interaction(contact=fiona, occurred_on=T - timedelta(days=2), kind="coffee", follow_up_on=T)
    make_contact(owner=owner, first_name="Bea", birthday_month=T.month, birthday_day=T.day, **events)
    jon = make_contact(owner=owner, first_name="Jon", company="Globex", title="Director", **events)
    services.contact_role_changed(
        contact=jon, old_company="Acme", old_title="Engineer", today=T - timedelta(days=1)
    )
    lena = make_contact(owner=owner, first_name="Lena", **events)
    make_reminder(contact=lena, kind="birthday", due_on=T - timedelta(days=5), detail="birthday")

    def check_in(name: str, tie: str, talked: list[date]) -> None:
        contact = make_contact(owner=owner, first_name=name, tie_strength=tie, created_at=LONG_AGO)
        for day in talked:
            make_interaction(contact=contact, occurred_on=day)

    # Strong ties (3-month cadence). Sam: 6 months late (capped at one cadence), warmth 22.
    check_in("Sam", "strong", [months_ago(9)])
    # Stella and Stan: both 1 month late; Stella talked more often (warmth 43 vs 36).
    check_in("Stella", "strong", [months_ago(4), months_ago(6), months_ago(8), months_ago(10)])
    check_in("Stan", "strong", [months_ago(4)])
    # Weak ties (6-month cadence). Walt: 7 months late (capped), warmth 25; Wendy: never
    # talked, years late, warmth 11; Wally: 1 month late only, though warmer (38).
    check_in("Walt", "weak", [months_ago(13)])
    check_in("Wendy", "weak", [])
    check_in("Wally", "weak", [months_ago(7)])


def test_focus_order_on_a_known_fixture(alice):
    """Promised first, then today's news (the new role of yesterday, then today's birthday),
    then check-ins by priority (strong before weak, later before less late, warmer before
    colder at equal lateness), then an event already past."""
    assert alice.profile.daily_focus == 5
    _known_network(alice)
    generate(alice)
    focus = shown(alice)
    assert names(focus.items) == ["Fiona", "Jon", "Bea", "Sam", "Stella"]
    assert [r.kind for r in focus.items] == ["follow_up", "job_change", "birthday", "check_in", "check_in"]
    assert all(r.why for r in focus.items)
    assert focus.items[0].why.startswith("you promised to follow up on coffee of")
    assert focus.items[2].why == "birthday — today"
    assert focus.items[3].why.startswith(
        "last talked 9 months ago · strong tie · 6 months past its 3-month rhythm"
    )
    assert focus.done == [] and not focus.finished
    assert focus.waiting == 10 - 5
    # Everyone, in the same order: the rest of the check-ins, then the late birthday.
    assert focus_pick(owner_id=alice.pk, today=T, want=20) == 10
    everyone = shown(alice)
    assert names(everyone.items) == [
        "Fiona",
        "Jon",
        "Bea",
        "Sam",
        "Stella",
        "Stan",
        "Walt",
        "Wendy",
        "Wally",
        "Lena",
    ]
    assert all(r.why for r in everyone.items)
    assert everyone.items[-1].why == "birthday (5 days ago)"
    assert everyone.waiting == 0
    warmth = dict(Contact.objects.filter(owner=alice).values_list("first_name", "warmth"))
    assert warmth["Stella"] > warmth["Stan"] and warmth["Wally"] > warmth["Walt"] > warmth["Wendy"]


def test_the_focus_counts_people_not_reminders(alice):
    """A person with a birthday today and an overdue check-in takes one place, by their
    first-ranked reminder; the other four places go to four other people."""
    both = make_contact(
        owner=alice,
        first_name="Both",
        tie_strength="strong",
        created_at=LONG_AGO,
        birthday_month=T.month,
        birthday_day=T.day,
    )
    for _ in range(6):
        make_contact(owner=alice, tie_strength="weak", created_at=LONG_AGO)
    assert generate(alice) == 8  # seven check-ins and a birthday
    focus = shown(alice)
    assert len(focus.items) == 5
    assert len({r.contact_id for r in focus.items}) == 5
    assert [(r.contact_id, r.kind) for r in focus.items if r.contact_id == both.pk] == [(both.pk, "birthday")]
    assert focus.items[0].contact_id == both.pk
    assert focus.waiting == 8 - 5


# --- a restored backup of 500 stale contacts ---------------------------------------------


def _backup(n: int) -> str:
    contacts = [
        {
            "id": i,
            "first_name": f"Stale{i}",
            "last_name": "Contact",
            "emails": [{"value": f"stale{i}@example.org", "label": "work"}],
            "phones": [],
            "company": f"Company {i % 17}",
            "title": "Engineer",
            "industry": "",
            "location": "",
            "linkedin_url": "",
            "how_we_met": "",
            "introduced_by": None,
            "relationship": "peer",
            "network": "operational",
            "tie_strength": "strong" if i % 3 == 0 else "weak",
            "checkin_cadence_months": None,
            "birthday": None,
            "started_on": None,
            "tags": [],
            "notes": "",
            "archived": False,
            "created_at": f"{2018 + i % 4}-0{1 + i % 9}-1{i % 10}T09:00:00+00:00",
        }
        for i in range(1, n + 1)
    ]
    return json.dumps(
        {"format": "keepwarm-backup", "version": 1, "contacts": contacts, "interactions": [], "reminders": []}
    )


def test_a_restored_backlog_reaches_the_user_daily_focus_people_a_day(alice):
    report = import_run(owner=alice, text=_backup(500), fmt="json", today=T)
    assert (report.created, report.error_count) == (500, 0)
    daily = alice.profile.daily_focus
    assert generate(alice) == 500  # a restore is not staggered: every check-in is overdue at once
    focus = shown(alice)
    assert len(focus.items) == daily
    assert {r.kind for r in focus.items} == {"check_in"}
    assert focus.waiting == 500 - daily
    assert all(r.why for r in focus.items)
    # Strong ties first.
    strong = set(Contact.objects.filter(owner=alice, tie_strength="strong").values_list("pk", flat=True))
    assert {r.contact_id for r in focus.items} <= strong
    picked = in_focus(alice)

    # Picking again the same day (the dashboard again, a digest's batch pick) adds nobody.
    assert focus_pick(owner_id=alice.pk, today=T) == daily
    focus_pick_many(owner_ids=[alice.pk], today_of=lambda _owner_id: T)
    assert generate(alice) == 0
    assert in_focus(alice) == picked

    # Closing the five finishes the day; picking again still adds nobody.
    for reminder in focus.items:
        assert services.reminder_done(reminder=reminder, today=T, now=at(T, 15))
    assert focus_pick(owner_id=alice.pk, today=T) == daily
    assert generate(alice) == 0
    done = shown(alice)
    assert done.finished and done.items == [] and len(done.done) == daily
    assert done.waiting == 500 - daily
    assert in_focus(alice) == picked

    # "One more": exactly one more person.
    assert focus_pick(owner_id=alice.pk, today=T, want=daily + 1) == daily + 1
    more = shown(alice)
    assert len(more.items) == 1 and not more.finished
    assert len(in_focus(alice) - picked) == 1
    assert more.waiting == 500 - daily - 1

    # The next day, the next five.
    tomorrow = T + timedelta(days=1)
    generate(alice, tomorrow)
    next_day = shown(alice, tomorrow)
    assert len(next_day.items) == daily
    assert not {r.contact_id for r in next_day.items} & picked


# --- a 300-row LinkedIn import, then 30 days ------------------------------------------------


def _linkedin(n: int) -> bytes:
    lines = [
        "Notes:",
        '"When exporting your connection data, you may notice that some of the email addresses are missing."',
        "",
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
    ]
    titles = ["Engineer", "Senior Engineer", "Director of Sales", "CEO", "Analyst"]
    for i in range(n):
        connected = date(2016 + i % 6, 1 + i % 12, 1 + i % 28)
        lines.append(
            f"Link{i},Person{i},https://www.linkedin.com/in/link-person-{i},,Company {i % 23},"
            f"{titles[i % len(titles)]},{connected:%d %b %Y}"
        )
    return ("\n".join(lines) + "\n").encode()


def test_a_linkedin_import_makes_no_wave(alice):
    day0 = date(2026, 11, 23)
    with patch("django.utils.timezone.now", return_value=datetime(2026, 11, 23, 10, 0, tzinfo=UTC)):
        report = import_run(owner=alice, data=_linkedin(300), filename="Connections.csv", today=day0)
    assert (report.format, report.created, report.error_count) == ("linkedin", 300, 0)
    contacts = list(
        Contact.objects.filter(owner=alice).values_list(
            "next_check_in", "first_check_in_on", "last_interaction_on", "tie_strength"
        )
    )
    assert len(contacts) == 300
    assert {tie for *_rest, tie in contacts} == {"weak"}
    period = (rules.next_check_in(day0, 6) - day0).days
    per_day = Counter(due for due, *_rest in contacts)
    # Spread over the first 6-month period, never later than the plain rule...
    assert max(per_day.values()) <= math.ceil(300 / period) + 1
    assert min(per_day) == day0 and max(per_day) <= rules.next_check_in(day0, 6)
    assert all(due == first for due, first, *_rest in contacts)
    # ... where the plain rule would have put all 300 on one day (connected years ago).
    plain = {
        rules.check_in_due(created_on=day0, last_interaction_on=last, last_closed_on=None, cadence=6)
        for _due, _first, last, _tie in contacts
    }
    assert plain == {rules.next_check_in(day0, 6)}

    daily = alice.profile.daily_focus
    open_before = 0
    for offset in range(30):
        day = day0 + timedelta(days=offset)
        generate(alice, day)
        focus = shown(alice, day)
        assert 1 <= len(focus.items) <= daily, (day, len(focus.items))
        assert all(r.why for r in focus.items)
        assert {r.kind for r in focus.items} == {"check_in"}
        open_now = Reminder.objects.filter(owner=alice, status="open").count()
        # The backlog grows by what fell due that day only (staggered: a couple a day).
        assert open_now - open_before == per_day.get(day, 0) <= math.ceil(300 / period) + 1
        assert focus.waiting == open_now - len(focus.items)
        open_before = open_now
    assert open_before == sum(count for due, count in per_day.items() if due < day0 + timedelta(days=30))


# --- concurrency sanity ----------------------------------------------------------------------


def _overdue(owner, n: int, *, tag=None) -> list[Contact]:
    return [
        make_contact(
            owner=owner,
            created_at=LONG_AGO,
            tie_strength="strong" if i % 2 else "weak",
            tags=[tag] if tag and i % 3 == 0 else (),
        )
        for i in range(n)
    ]


def test_picking_twice_in_a_row_is_idempotent(alice):
    _overdue(alice, 12)
    assert generate(alice) == 12
    assert in_focus(alice) == set()  # the job picks nobody: the focus is picked where it is shown
    assert focus_pick(owner_id=alice.pk, today=T) == 5
    first = in_focus(alice)
    assert len(first) == 5
    assert focus_pick(owner_id=alice.pk, today=T) == 5
    assert focus_pick(owner_id=alice.pk, today=T) == 5
    assert in_focus(alice) == first
    assert focus_pick(owner_id=alice.pk, today=T, want=7) == 7
    seven = in_focus(alice)
    assert focus_pick(owner_id=alice.pk, today=T, want=7) == 7
    assert in_focus(alice) == seven and first < seven
    # Asking for fewer never removes anyone already picked.
    assert focus_pick(owner_id=alice.pk, today=T, want=1) == 7
    assert Reminder.objects.filter(owner=alice, focus_on=T).count() == 7


def test_a_user_never_sees_another_users_reminders(alice, bob):
    mine = {c.pk for c in _overdue(alice, 4)}
    theirs = {c.pk for c in _overdue(bob, 30)}
    services.reminders_generate(today=T, now=at(T, 9))
    focus_pick_many(owner_ids=[alice.pk, bob.pk], today_of=lambda _owner_id: T)  # the digests' batch pick
    assert in_focus(alice) <= mine and len(in_focus(alice)) == 4
    assert in_focus(bob) <= theirs and len(in_focus(bob)) == 5
    # Bob asks for everyone he has: Alice's focus is untouched and never in his.
    assert focus_pick(owner_id=bob.pk, today=T, want=20) == 20
    assert focus_pick(owner_id=alice.pk, today=T, want=20) == 4
    alice_focus = shown(alice)
    bob_focus = shown(bob)
    assert {r.contact_id for r in alice_focus.items} == mine
    assert {r.contact_id for r in bob_focus.items} <= theirs and len(bob_focus.items) == 20
    assert {r.owner_id for r in alice_focus.items} == {alice.pk}
    assert alice_focus.waiting == 0 and bob_focus.waiting == 10
    assert Reminder.objects.filter(owner=alice, focus_on=T).count() == 4


# --- query counts --------------------------------------------------------------------------


def test_focus_queries_do_not_grow_with_the_reminders(db):
    def queries(n: int) -> tuple[int, int]:
        user = make_user()
        tag = make_tag(owner=user, checkin_cadence_months=4)
        contacts = _overdue(user, n, tag=tag)
        make_interaction(contact=contacts[0], occurred_on=T - timedelta(days=1), follow_up_on=T)
        generate(user)
        day = T + timedelta(days=1)  # nobody picked yet that day
        assert Reminder.objects.active(day).filter(owner=user).count() == n
        with CaptureQueriesContext(connection) as pick:
            assert focus_pick(owner_id=user.pk, today=day) == 5
        with CaptureQueriesContext(connection) as show:
            focus = focus_today(owner_id=user.pk, today=day)
        assert len(focus.items) == 5 and focus.waiting == n - 5
        return len(pick.captured_queries), len(show.captured_queries)

    small, large = queries(10), queries(200)
    assert small == large
    assert small[1] <= 5
