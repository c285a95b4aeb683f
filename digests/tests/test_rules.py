import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digests.rules import (
    focus_headline,
    is_digest_day,
    is_digest_hour,
    lookahead_until,
    period_key,
    pick_for_period,
)


def test_daily_period_is_the_iso_date():
    assert period_key("daily", dt.date(2026, 11, 23)) == "2026-11-23"


def test_weekly_period_uses_the_iso_year_across_new_year():
    assert period_key("weekly", dt.date(2025, 12, 29)) == "2026-W01"
    assert period_key("weekly", dt.date(2027, 1, 3)) == "2026-W53"
    assert period_key("weekly", dt.date(2026, 11, 23)) == "2026-W48"


@given(day=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)))
def test_a_weekly_period_holds_exactly_one_monday(day):
    monday = day - dt.timedelta(days=day.weekday())
    week = {period_key("weekly", monday + dt.timedelta(days=n)) for n in range(7)}
    assert week == {period_key("weekly", day)}
    assert period_key("weekly", monday - dt.timedelta(days=1)) != period_key("weekly", day)


@given(day=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)))
def test_weekly_digests_only_on_mondays_daily_every_day_off_never(day):
    assert is_digest_day("weekly", day) == (day.weekday() == 0)
    assert is_digest_day("daily", day)
    assert not is_digest_day("off", day)


def test_digest_hour_is_the_local_hour():
    auckland = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=13)))
    assert is_digest_hour("daily", 8, auckland)
    assert not is_digest_hour("daily", 9, auckland)
    assert not is_digest_hour("weekly", 8, auckland)  # a Tuesday


@pytest.mark.parametrize(
    ("names", "headline"),
    [
        (["Grace"], "1 person to keep warm today: Grace"),
        (["Grace", "Felix"], "2 people to keep warm today: Grace and Felix"),
        (["Grace", "Felix", "Ada"], "3 people to keep warm today: Grace, Felix and 1 more"),
        (
            ["Grace", "Felix", "Ada", "Bert", "Carla"],
            "5 people to keep warm today: Grace, Felix and 3 more",
        ),
    ],
)
def test_focus_headline_names_two_and_counts_the_rest(names, headline):
    assert focus_headline(names) == headline


@given(names=st.lists(st.text(min_size=1), min_size=1, max_size=30))
def test_focus_headline_counts_everyone_once(names):
    headline = focus_headline(names)
    assert headline.startswith(
        f"{len(names)} {'person' if len(names) == 1 else 'people'} to keep warm today: "
    )
    assert headline.split(": ", 1)[1].startswith(names[0])
    if len(names) > 2:
        assert headline.endswith(f"{names[1]} and {len(names) - 2} more")
    else:
        assert headline.endswith(names[-1])


def test_focus_headline_needs_someone():
    with pytest.raises(ValueError):
        focus_headline([])


@given(seed=st.text(), pool=st.lists(st.integers(), min_size=1, max_size=10))
def test_reconnect_pick_is_stable_for_a_seed_and_from_the_pool(seed, pool):
    assert pick_for_period(pool, seed=seed) == pick_for_period(list(pool), seed=seed)
    assert pick_for_period(pool, seed=seed) in pool


def test_reconnect_pick_of_nothing_is_none():
    assert pick_for_period([], seed="1:2026-11-23") is None


def test_lookahead_is_the_lead_days_from_today():
    assert lookahead_until(dt.date(2026, 12, 28), 7) == dt.date(2027, 1, 4)
    assert lookahead_until(dt.date(2026, 12, 28), 0) == dt.date(2026, 12, 28)
