"""The job against an independent reference: a day-by-day simulation of DESIGN's rules.

Hypothesis draws contacts (cadences, tags, birthdays incl. Feb 29, role start dates,
archived), interactions with follow-ups, the days the job runs (with gaps) and how
long the user leaves check-ins open. The real services run on those days; the
reference below re-implements the rules plainly (month/day matching day by day, no
relativedelta for yearly dates), and both must give the same set of reminders.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from contacts.models import Contact, Interaction
from contacts.tests.factories import make_contact, make_tag, make_user
from reminders import services
from reminders.models import Reminder

from .helpers import at

START = date(2027, 1, 1)
HORIZON = 3 * 366  # several years, Feb 29 2028 included


@dataclass
class SimContact:
    created: int  # day offset (may be negative: created before START)
    tie: str
    cadence: int | None
    tag_cadences: list[int | None]
    birthday: tuple[int, int, int | None] | None
    started: int | None  # day offset of the role start
    archived: bool


@dataclass
class SimInteraction:
    day: int
    people: list[int]
    follow_up: int | None  # days after the interaction


@dataclass
class Scenario:
    contacts: list[SimContact]
    interactions: list[SimInteraction]
    runs: list[int]
    patience: int | None  # check-ins open this many days are marked done (None: never)
    strong: int = 3
    weak: int = 6
    tags: list[int | None] = field(default_factory=list)


def _birthday():
    return st.one_of(
        st.none(),
        st.just((2, 29, None)),
        st.just((2, 29, 1988)),
        # Around the first run day (START), where the window's edges are.
        st.sampled_from([(12, 30, None), (12, 31, 1990), (1, 1, None), (1, 2, 1980), (1, 3, None)]),
        st.tuples(st.integers(1, 12), st.integers(1, 28), st.one_of(st.none(), st.integers(1950, 2005))),
    )


@st.composite
def scenarios(draw) -> Scenario:
    tag_cadences = draw(st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=0, max_size=3))
    contacts = draw(
        st.lists(
            st.builds(
                SimContact,
                created=st.one_of(st.integers(-800, 400), st.integers(-3, 3)),
                tie=st.sampled_from(["weak", "strong"]),
                cadence=st.one_of(st.none(), st.integers(0, 5)),
                tag_cadences=st.just([]),
                birthday=_birthday(),
                started=st.one_of(st.none(), st.integers(-3000, 300), st.just(-1036)),  # -1036: Feb 29 2024
                archived=st.booleans().map(lambda b: b and False)
                | st.just(True).filter(lambda _: False)
                | st.booleans(),
            ),
            min_size=1,
            max_size=4,
        )
    )
    for contact in contacts:
        if tag_cadences:
            contact.tag_cadences = draw(
                st.lists(st.sampled_from(range(len(tag_cadences))), max_size=2, unique=True)
            )
    n = len(contacts)
    interactions = draw(
        st.lists(
            st.builds(
                SimInteraction,
                day=st.integers(0, HORIZON),
                people=st.lists(st.integers(0, n - 1), min_size=1, max_size=2, unique=True),
                follow_up=st.one_of(st.none(), st.integers(0, 40)),
            ),
            max_size=6,
        )
    )
    runs = draw(st.sets(st.integers(0, HORIZON), min_size=1, max_size=25))
    if draw(st.booleans()):
        runs.add(draw(st.integers(0, 3)))  # a first run right at the start
    runs = sorted(runs)
    return Scenario(
        contacts=contacts,
        interactions=interactions,
        runs=runs,
        patience=draw(st.one_of(st.none(), st.integers(0, 60))),
        strong=draw(st.integers(0, 4)),
        weak=draw(st.integers(1, 7)),
        tags=tag_cadences,
    )


# --- the reference ---------------------------------------------------------------


def _day(offset: int) -> date:
    return START + timedelta(days=offset)


def _add_months(d: date, months: int) -> date:
    """Plain month arithmetic, clipped to the month's end (independent of relativedelta)."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def _falls_on(day: date, month: int, dom: int) -> bool:
    if (month, dom) == (2, 29) and not calendar.isleap(day.year):
        return (day.month, day.day) == (2, 28)
    return (day.month, day.day) == (month, dom)


def reference(s: Scenario) -> set[tuple[int, str, date]]:
    raised: dict[tuple[int, str, date], str] = {}  # key -> status
    last_seen: dict[int, date] = {}
    last_closed: dict[int, date] = {}
    last_run: date | None = None
    followups: list[tuple[int, date]] = []

    def close_open_check_ins(i: int, today: date) -> None:
        for key, status in raised.items():
            if key[0] == i and key[1] == "check_in" and status == "open":
                raised[key] = "closed"
                last_closed[i] = today

    for offset in range(0, HORIZON + 1):
        today = _day(offset)
        for inter in s.interactions:
            if inter.day == offset:
                for i in inter.people:
                    last_seen[i] = max(last_seen.get(i, today), today)
                    if inter.follow_up is not None:
                        followups.append((i, today + timedelta(days=inter.follow_up)))
                for i in inter.people:
                    close_open_check_ins(i, today)
        if offset not in s.runs:
            continue
        for i, c in enumerate(s.contacts):
            if c.archived:
                continue
            created = _day(c.created)
            cadence = c.cadence
            if cadence is None:
                values = [s.tags[t] for t in c.tag_cadences if s.tags[t] is not None]
                cadence = min(values) if values else (s.strong if c.tie == "strong" else s.weak)
            has_open = any(k[0] == i and k[1] == "check_in" and st_ == "open" for k, st_ in raised.items())
            if cadence and not has_open:
                base = max(d for d in (created, last_seen.get(i), last_closed.get(i)) if d)
                due = _add_months(base, cadence)
                if due <= today and (i, "check_in", due) not in raised:
                    raised[(i, "check_in", due)] = "open"
            first = (last_run or today - timedelta(days=1)) + timedelta(days=1)
            day = max(first, created)
            while day <= today:
                if c.birthday:
                    month, dom, year = c.birthday
                    if _falls_on(day, month, dom) and (year is None or day.year > year):
                        raised.setdefault((i, "birthday", day), "open")
                if c.started is not None:
                    started = _day(c.started)
                    if _falls_on(day, started.month, started.day) and day.year > started.year:
                        raised.setdefault((i, "work_anniversary", day), "open")
                day += timedelta(days=1)
        for i, due in followups:
            if due <= today and not s.contacts[i].archived:
                raised.setdefault((i, "follow_up", due), "open")
        last_run = today
        if s.patience is not None:
            for key, status in list(raised.items()):
                if key[1] == "check_in" and status == "open" and key[2] <= today - timedelta(days=s.patience):
                    raised[key] = "closed"
                    last_closed[key[0]] = today
    return set(raised)


# --- the real thing ---------------------------------------------------------------


def real(s: Scenario) -> set[tuple[int, str, date]]:
    user = make_user(strong_cadence_months=s.strong, weak_cadence_months=s.weak)
    tags = [make_tag(owner=user, checkin_cadence_months=value) for value in s.tags]
    contacts = []
    for c in s.contacts:
        fields = {"tie_strength": c.tie, "checkin_cadence_months": c.cadence, "archived": c.archived}
        if c.birthday:
            fields.update(
                birthday_month=c.birthday[0], birthday_day=c.birthday[1], birthday_year=c.birthday[2]
            )
        if c.started is not None:
            fields["started_on"] = _day(c.started)
        contacts.append(
            make_contact(
                owner=user,
                created_at=at(_day(c.created), 9),
                tags=[tags[t] for t in c.tag_cadences],
                **fields,
            )
        )
    for offset in range(0, HORIZON + 1):
        today = _day(offset)
        now = at(today, 12)
        for inter in s.interactions:
            if inter.day == offset:
                row = Interaction.objects.create(
                    owner=user,
                    occurred_on=today,
                    kind="call",
                    follow_up_on=today + timedelta(days=inter.follow_up)
                    if inter.follow_up is not None
                    else None,
                )
                row.contacts.set([contacts[i] for i in inter.people])
                services.interaction_recorded(interaction_id=row.pk, today=today, now=now)
        if offset not in s.runs:
            continue
        services.reminders_generate(today=today, user_ids=[user.pk], now=now)
        if s.patience is not None:
            stale = Reminder.objects.filter(
                owner=user, kind="check_in", status="open", due_on__lte=today - timedelta(days=s.patience)
            )
            for reminder in stale:
                services.reminder_done(reminder=reminder, today=today, now=now)
    index = {contact.pk: i for i, contact in enumerate(contacts)}
    return {
        (index[c], kind, due) for c, kind, due in Reminder.objects.values_list("contact_id", "kind", "due_on")
    }


@pytest.mark.slow
@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
# The window's edges: a birthday the day before the first run, one in a 10-day gap,
# Feb 29 across a common and a leap year.
@example(
    Scenario(
        contacts=[
            SimContact(-10, "weak", 0, [], (12, 31, None), None, False),
            SimContact(-10, "strong", None, [], (1, 8, 1980), -1036, False),
        ],
        interactions=[SimInteraction(3, [1], 2)],
        runs=[1, 11, 420, 425, 480],
        patience=5,
    )
)
def test_the_job_matches_a_day_by_day_reference(scenario):
    try:
        got = real(scenario)
        expected = reference(scenario)
        assert got == expected
        # A check-in is a state: never two open ones for a contact.
        open_check_ins = list(
            Reminder.objects.filter(kind="check_in", status__in=["open", "snoozed"]).values_list(
                "contact_id", flat=True
            )
        )
        assert len(open_check_ins) == len(set(open_check_ins))
    finally:
        Reminder.objects.all().delete()
        Interaction.objects.all().delete()
        Contact.objects.all().delete()
        from django.contrib.auth.models import User

        User.objects.all().delete()
