"""The period rules: tiling, boundaries, weeks from Monday, quarters, local days, reconnects, streaks."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contacts.gaps import MIN_SILENCE_DAYS
from crm.models import DORMANT_MONTHS_MIN
from goals import rules
from goals.rules import Outcome, PeriodResult

LENGTHS = st.sampled_from(["week", "month", "quarter"])
DAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 1))


@given(day=DAYS, length=LENGTHS)
def test_every_day_lies_in_exactly_one_period(day, length):
    start = rules.period_start(day, length)
    end = rules.period_end(start, length)
    assert start <= day <= end
    # The neighbouring periods end before it and start after it.
    assert rules.period_end(start - timedelta(days=1), length) == start - timedelta(days=1) < day
    assert rules.next_period_start(start, length) > day


@given(day=DAYS, length=LENGTHS)
def test_periods_tile_the_calendar(day, length):
    start = rules.period_start(day, length)
    following = rules.next_period_start(start, length)
    assert rules.period_start(following, length) == following
    assert rules.period_end(start, length) == following - timedelta(days=1)
    assert rules.period_start(following - timedelta(days=1), length) == start


@given(day=DAYS)
def test_weeks_start_on_monday_and_last_seven_days(day):
    start = rules.period_start(day, "week")
    assert start.weekday() == 0
    assert (rules.period_end(start, "week") - start).days == 6


@given(day=DAYS)
def test_quarters_start_in_january_april_july_october(day):
    start = rules.period_start(day, "quarter")
    assert start.day == 1 and start.month in (1, 4, 7, 10)
    assert start.year == day.year and 0 <= day.month - start.month <= 2


@given(first=DAYS, span=st.integers(0, 800), length=LENGTHS)
def test_periods_between_are_consecutive_and_cover_the_span(first, span, length):
    last = first + timedelta(days=span)
    starts = rules.periods_between(first, last, length)
    assert starts[0] <= first and rules.period_end(starts[-1], length) >= last
    for a, b in zip(starts, starts[1:], strict=False):
        assert rules.next_period_start(a, length) == b


@pytest.mark.parametrize(
    ("day", "length", "start", "end"),
    [
        (date(2026, 3, 31), "quarter", date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), "quarter", date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 12, 31), "quarter", date(2026, 10, 1), date(2026, 12, 31)),
        (date(2024, 2, 29), "month", date(2024, 2, 1), date(2024, 2, 29)),
        (date(2027, 1, 3), "week", date(2026, 12, 28), date(2027, 1, 3)),  # a week across the new year
        (date(2026, 11, 30), "week", date(2026, 11, 30), date(2026, 12, 6)),
    ],
)
def test_period_boundaries(day, length, start, end):
    assert rules.period_start(day, length) == start
    assert rules.period_end(start, length) == end


def test_labels():
    assert rules.period_label(date(2026, 11, 2), "week") == "Week of 2 Nov 2026"
    assert rules.period_label(date(2026, 11, 1), "month") == "November 2026"
    assert rules.period_label(date(2026, 10, 1), "quarter") == "Q4 2026"


def test_a_coffee_at_2330_local_on_the_last_day_of_the_month_is_that_month():
    paris = ZoneInfo("Europe/Paris")
    late = datetime(2026, 1, 31, 23, 30, tzinfo=paris)  # 22:30 UTC
    assert rules.local_day(late.astimezone(UTC), paris) == date(2026, 1, 31)
    assert rules.period_start(rules.local_day(late, paris), "month") == date(2026, 1, 1)
    # West of UTC the UTC date is already the next month; the local one is not.
    ny = ZoneInfo("America/New_York")
    evening = datetime(2026, 2, 1, 4, 30, tzinfo=UTC)  # 23:30 on 31 Jan in New York
    assert rules.local_day(evening, ny) == date(2026, 1, 31)


def test_history_reaches_back_a_year_or_to_the_goals_start():
    today = date(2026, 11, 26)
    assert rules.history_first_day(today=today, created_on=date(2020, 1, 1), length="month") == date(
        2025, 11, 1
    )
    assert rules.history_first_day(today=today, created_on=date(2026, 9, 15), length="month") == date(
        2026, 9, 1
    )
    assert rules.history_first_day(today=today, created_on=date(2020, 1, 1), length="quarter") == date(
        2025, 10, 1
    )
    # Dated after today (a backup from another time zone): the current period, never none.
    assert rules.history_first_day(today=today, created_on=date(2027, 3, 1), length="week") == date(
        2026, 11, 23
    )


@given(today=DAYS, created_on=DAYS, length=LENGTHS)
def test_a_goal_always_has_a_current_period(today, created_on, length):
    first = rules.history_first_day(today=today, created_on=created_on, length=length)
    starts = rules.periods_between(first, today, length)
    assert starts and starts[-1] == rules.period_start(today, length)
    assert len(starts) <= {"week": 54, "month": 13, "quarter": 5}[length]


def test_reconnect_cutoff_is_in_calendar_months():
    assert rules.dormant_cutoff(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert rules.is_reconnect(
        day=date(2026, 3, 31), previous_on=date(2026, 2, 28), added_on=date(2020, 1, 1), dormant_months=1
    )
    assert not rules.is_reconnect(
        day=date(2026, 3, 31), previous_on=date(2026, 3, 1), added_on=date(2020, 1, 1), dormant_months=1
    )
    # Never talked: dormant once added that long ago, not when just added.
    assert rules.is_reconnect(
        day=date(2026, 3, 31), previous_on=None, added_on=date(2025, 3, 31), dormant_months=12
    )
    assert not rules.is_reconnect(
        day=date(2026, 3, 31), previous_on=None, added_on=date(2026, 3, 30), dormant_months=12
    )


@given(
    day=st.dates(min_value=date(1950, 1, 1), max_value=date(2999, 12, 31)),
    back=st.integers(0, 4000),
    months=st.integers(DORMANT_MONTHS_MIN, 120),
    first=st.booleans(),
    zone_shift=st.sampled_from([-1, 0, 1]),
)
def test_the_stored_silences_hold_every_reconnect_the_goals_read(day, back, months, first, zone_shift):
    """goals.selectors reads reconnects from contacts.gaps: silences of at least
    MIN_SILENCE_DAYS stored, those of at least 28 × months − 1 read. Every reconnect
    must be among them, at any setting; for a first talk the silence is stored from the
    UTC date the contact was added, a day off its local date at most."""
    before = day - timedelta(days=back)
    local_added = before + timedelta(days=zone_shift)
    reconnect = rules.is_reconnect(
        day=day, previous_on=None if first else before, added_on=local_added, dormant_months=months
    )
    if reconnect:
        assert back >= 28 * months - 1 >= MIN_SILENCE_DAYS


def _results(outcomes: list[Outcome]) -> list[PeriodResult]:
    day = date(2026, 1, 1)
    return [
        PeriodResult(
            start=day, end=day, count=0, target=1, events=None, outcome=o, current=i == len(outcomes) - 1
        )
        for i, o in enumerate(outcomes)
    ]


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ([Outcome.MET, Outcome.MISSED, Outcome.MET, Outcome.MET, Outcome.OPEN], 2),  # open: breaks nothing
        ([Outcome.MET, Outcome.MET, Outcome.MET], 3),  # current met: counts
        ([Outcome.MET, Outcome.NO_EVENT, Outcome.MET, Outcome.OPEN], 2),  # no event: skipped
        ([Outcome.MET, Outcome.MISSED, Outcome.OPEN], 0),
        ([Outcome.OPEN], 0),
    ],
)
def test_streak(outcomes, expected):
    assert rules.streak(_results(outcomes)) == expected


def test_per_event_targets_and_outcomes():
    assert rules.period_target(target=2, per_event=True, events=3) == 6
    assert (
        rules.period_outcome(count=0, target=2, per_event=True, events=0, current=False) is Outcome.NO_EVENT
    )
    assert rules.period_outcome(count=3, target=2, per_event=True, events=2, current=False) is Outcome.MISSED
    assert rules.period_outcome(count=4, target=2, per_event=True, events=2, current=False) is Outcome.MET
    assert rules.period_outcome(count=1, target=2, per_event=False, events=0, current=True) is Outcome.OPEN


def test_period_results_sum_days_into_periods():
    results = rules.period_results(
        length="month",
        first_day=date(2026, 9, 10),
        today=date(2026, 11, 26),
        target=2,
        per_event=False,
        counts={date(2026, 9, 30): 1, date(2026, 10, 1): 1, date(2026, 10, 31): 1, date(2026, 11, 2): 5},
    )
    assert [(r.start, r.count, r.outcome) for r in results] == [
        (date(2026, 9, 1), 1, Outcome.MISSED),
        (date(2026, 10, 1), 2, Outcome.MET),
        (date(2026, 11, 1), 5, Outcome.MET),
    ]
    assert results[-1].current and not results[0].current


@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_day_text_is_the_template_filters_day(day):
    from django.utils.dateformat import format as date_format

    assert rules.day_text(day) == date_format(day, "j M Y")
