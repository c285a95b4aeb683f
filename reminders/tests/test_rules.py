"""The pure date rules, by example and by property (no database)."""

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reminders import rules

dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31))


# --- check-in ------------------------------------------------------------------


def test_jan_31_plus_one_month_is_end_of_february():
    assert rules.next_check_in(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert rules.next_check_in(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert rules.next_check_in(date(2027, 1, 31), 3) == date(2027, 4, 30)


def test_cadence_below_one_is_refused():
    with pytest.raises(ValueError):
        rules.next_check_in(date(2027, 1, 1), 0)


@given(base=dates, months=st.integers(1, 60))
def test_next_check_in_keeps_day_or_month_end(base, months):
    due = rules.next_check_in(base, months)
    assert (due.year - base.year) * 12 + due.month - base.month == months
    assert due.day == min(base.day, calendar.monthrange(due.year, due.month)[1])


def test_contact_cadence_wins_over_tags_and_default():
    assert rules.cadence_months(contact_cadence=12, tag_cadences=[1], default=3) == 12
    assert rules.cadence_months(contact_cadence=0, tag_cadences=[1], default=3) == 0


def test_shortest_tag_cadence_wins_over_default_and_blank_tags_are_ignored():
    assert rules.cadence_months(contact_cadence=None, tag_cadences=[None, 6, 2], default=3) == 2
    assert rules.cadence_months(contact_cadence=None, tag_cadences=[None], default=3) == 3
    assert rules.cadence_months(contact_cadence=None, tag_cadences=[], default=6) == 6


def test_a_tag_cadence_of_zero_counts_and_means_never():
    assert rules.cadence_months(contact_cadence=None, tag_cadences=[4, 0], default=3) == 0


def test_check_in_base_is_the_latest_date():
    created = date(2026, 1, 10)
    assert rules.check_in_base(created_on=created, last_interaction_on=None, last_closed_on=None) == created
    assert rules.check_in_base(
        created_on=created, last_interaction_on=date(2026, 3, 1), last_closed_on=date(2026, 2, 1)
    ) == date(2026, 3, 1)
    assert rules.check_in_base(
        created_on=created, last_interaction_on=date(2025, 3, 1), last_closed_on=date(2026, 4, 1)
    ) == date(2026, 4, 1)


def test_check_in_due_is_none_for_cadence_zero():
    kwargs = {"created_on": date(2026, 1, 1), "last_interaction_on": None, "last_closed_on": None}
    assert rules.check_in_due(**kwargs, cadence=0) is None
    assert rules.check_in_due(**kwargs, cadence=3) == date(2026, 4, 1)


# --- yearly dates --------------------------------------------------------------


def test_feb_29_falls_on_feb_28_in_common_years_and_comes_back():
    origin = date(2000, 2, 29)
    assert rules.yearly_on(origin, 2027) == date(2027, 2, 28)
    assert rules.yearly_on(origin, 2028) == date(2028, 2, 29)
    # Never drifts: 2028 after 2027 is still the 29th.
    got = [rules.yearly_on(origin, y) for y in range(2025, 2030)]
    assert got == [
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
        date(2029, 2, 28),
    ]


@given(origin=dates, year=st.integers(1950, 2150))
def test_yearly_on_is_computed_from_the_origin(origin, year):
    got = rules.yearly_on(origin, year)
    assert got.year == year and got.month == origin.month
    if calendar.isleap(year) or (origin.month, origin.day) != (2, 29):
        assert got.day == origin.day
    else:
        assert got.day == 28


def test_impossible_birthdays_are_refused():
    with pytest.raises(ValueError):
        rules.birthday_origin(month=2, day=30, year=None)
    with pytest.raises(ValueError):
        rules.birthday_origin(month=2, day=29, year=1999)
    assert rules.birthday_origin(month=2, day=29, year=None) == date(2000, 2, 29)


def test_birthday_occurrences_with_age():
    got = rules.birthday_occurrences(
        month=3, day=5, year=1987, after=date(2027, 1, 1), until=date(2028, 12, 31)
    )
    assert got == [(date(2027, 3, 5), 40), (date(2028, 3, 5), 41)]


def test_birthday_without_year_has_no_age():
    got = rules.birthday_occurrences(
        month=2, day=29, year=None, after=date(2026, 12, 31), until=date(2027, 3, 1)
    )
    assert got == [(date(2027, 2, 28), None)]


def test_no_birthday_on_the_day_of_birth():
    assert (
        rules.birthday_occurrences(month=5, day=1, year=2026, after=date(2026, 1, 1), until=date(2026, 12, 1))
        == []
    )


def test_work_anniversary_starts_from_the_first_full_year():
    started = date(2024, 2, 29)
    got = rules.anniversary_occurrences(started_on=started, after=date(2024, 1, 1), until=date(2028, 12, 31))
    assert got == [
        (date(2025, 2, 28), 1),
        (date(2026, 2, 28), 2),
        (date(2027, 2, 28), 3),
        (date(2028, 2, 29), 4),
    ]


@given(origin=dates, after=dates, length=st.integers(0, 3000))
def test_occurrences_are_exactly_the_matching_days(origin, after, length):
    until = after + timedelta(days=length)
    got = rules.occurrences_between(origin, after=after, until=until)
    expected = []
    day = after + timedelta(days=1)
    while day <= until:
        if day.year >= origin.year and day == rules.yearly_on(origin, day.year):
            expected.append(day)
        day += timedelta(days=1)
    assert got == expected


def test_first_run_window_covers_today_only():
    today = date(2027, 6, 1)
    assert rules.event_window(last_run_on=None, today=today, created_on=date(2020, 1, 1)) == (
        date(2027, 5, 31),
        today,
    )


def test_window_after_a_gap_covers_every_day_missed():
    today = date(2027, 6, 11)
    assert rules.event_window(last_run_on=date(2027, 6, 1), today=today, created_on=date(2020, 1, 1)) == (
        date(2027, 6, 1),
        today,
    )


def test_a_second_run_the_same_day_still_covers_today():
    today = date(2027, 6, 11)
    assert rules.event_window(last_run_on=today, today=today, created_on=date(2020, 1, 1)) == (
        date(2027, 6, 10),
        today,
    )


def test_window_never_starts_before_the_contact_was_created():
    today = date(2027, 6, 11)
    after, _ = rules.event_window(last_run_on=date(2027, 6, 1), today=today, created_on=date(2027, 6, 5))
    assert after == date(2027, 6, 4)


# --- why strings ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("then", "expected"),
    [
        (date(2027, 6, 10), "today"),
        (date(2027, 6, 9), "yesterday"),
        (date(2027, 6, 5), "5 days ago"),
        (date(2027, 5, 20), "3 weeks ago"),
        (date(2027, 2, 10), "4 months ago"),
        (date(2026, 6, 10), "1 year ago"),
        (date(2024, 1, 1), "3 years ago"),
        (date(2026, 12, 1), "6 months ago"),
        (date(2025, 8, 1), "1 year ago"),
        (date(2027, 6, 11), "on 11 Jun"),
    ],
)
def test_humanize_since(then, expected):
    assert rules.humanize_since(then, date(2027, 6, 10)) == expected


def test_why_strings():
    assert (
        rules.why_check_in(
            last_talked_on=date(2027, 2, 1),
            last_interaction_on=date(2027, 3, 1),
            created_on=date(2020, 1, 1),
            today=date(2027, 6, 2),
        )
        == "last talked 4 months ago"
    )
    # A LinkedIn connection is not a conversation: said as such, never "last talked".
    assert (
        rules.why_check_in(
            last_talked_on=None,
            last_interaction_on=date(2012, 1, 28),
            created_on=date(2026, 1, 1),
            today=date(2026, 11, 26),
        )
        == "connected 14 years ago, never talked"
    )
    assert rules.why_birthday(age=40) == "turns 40"
    assert rules.why_birthday(age=None) == "birthday"
    assert rules.why_anniversary(years=5, company="Acme") == "5 years at Acme"
    assert rules.why_anniversary(years=1, company="") == "1 year in their role"
    assert (
        rules.why_follow_up(interaction_kind="Coffee", occurred_on=date(2026, 11, 2))
        == "follow up on coffee of 2 Nov"
    )


@pytest.mark.parametrize(("tie", "expected"), [("strong", 2), ("weak", 7), ("", 7), ("unknown", 7)])
def test_default_cadence_is_the_profile_value_for_the_tie_and_weak_otherwise(tie, expected):
    assert rules.default_cadence(tie, strong=2, weak=7) == expected
