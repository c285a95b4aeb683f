"""Warmth 0–100 (reminders.warmth): properties of the score and its words, named cases (no database)."""

import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from reminders import warmth as w
from reminders.warmth import WarmthFacts

TODAY = date(2027, 3, 15)
CEILINGS = {
    "recency": w.RECENCY_MAX,
    "intensity": w.INTENSITY_MAX,
    "duration": w.DURATION_MAX,
    "reciprocity": w.RECIPROCITY_MAX,
}

todays = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


@st.composite
def facts_and_today(draw) -> tuple[WarmthFacts, date]:
    today = draw(todays)
    last = draw(st.one_of(st.none(), st.integers(0, 4000).map(lambda days: today - timedelta(days=days))))
    in_12 = draw(st.integers(0, 60))
    in_24 = in_12 + draw(st.integers(0, 60))
    facts = WarmthFacts(
        last_interaction_on=last,
        cadence_months=draw(st.integers(0, 24)),
        interactions_12m=in_12,
        interactions_24m=in_24,
        known_since=today - timedelta(days=draw(st.integers(0, 20000))),
        gave=draw(st.integers(0, 30)),
        asked=draw(st.integers(0, 30)),
        mutual=draw(st.integers(0, 30)),
    )
    return facts, today


def score(facts: WarmthFacts, today: date) -> int:
    return w.warmth(facts, today).score


# --- properties -------------------------------------------------------------------


@given(ft=facts_and_today(), earlier_by=st.integers(1, 3000))
def test_a_more_recent_last_interaction_is_never_colder(ft, earlier_by):
    facts, today = ft
    assume(facts.last_interaction_on is not None)
    older = replace(facts, last_interaction_on=facts.last_interaction_on - timedelta(days=earlier_by))
    never = replace(facts, last_interaction_on=None)
    assert score(facts, today) >= score(older, today) >= score(never, today)
    recency = {
        label: w.warmth(f, today).parts[0].points
        for label, f in (("now", facts), ("old", older), ("0", never))
    }
    assert recency["now"] > recency["old"] > recency["0"] == 0.0


@given(ft=facts_and_today(), more_12=st.integers(0, 20), more_older=st.integers(0, 20))
def test_more_interactions_are_never_colder(ft, more_12, more_older):
    facts, today = ft
    assume(more_12 or more_older)
    busier = replace(
        facts,
        interactions_12m=facts.interactions_12m + more_12,
        interactions_24m=facts.interactions_24m + more_12 + more_older,
    )
    assert score(busier, today) >= score(facts, today)
    assert w.warmth(busier, today).parts[1].points > w.warmth(facts, today).parts[1].points


@given(ft=facts_and_today())
def test_an_interaction_in_the_last_year_counts_more_than_one_in_the_year_before(ft):
    facts, today = ft
    recent = replace(
        facts, interactions_12m=facts.interactions_12m + 1, interactions_24m=facts.interactions_24m + 1
    )
    older = replace(facts, interactions_24m=facts.interactions_24m + 1)
    assert w.warmth(recent, today).parts[1].points > w.warmth(older, today).parts[1].points


@given(ft=facts_and_today(), longer_by=st.integers(1, 5000))
def test_known_longer_is_never_colder(ft, longer_by):
    facts, today = ft
    longer = replace(facts, known_since=facts.known_since - timedelta(days=longer_by))
    assert score(longer, today) >= score(facts, today)
    assert w.warmth(longer, today).parts[2].points > w.warmth(facts, today).parts[2].points


@given(ft=facts_and_today(), gave=st.integers(0, 5), asked=st.integers(0, 5), mutual=st.integers(0, 5))
def test_more_exchanges_are_never_colder(ft, gave, asked, mutual):
    facts, today = ft
    assume(gave or asked or mutual)
    more = replace(facts, gave=facts.gave + gave, asked=facts.asked + asked, mutual=facts.mutual + mutual)
    assert score(more, today) >= score(facts, today)
    assert w.warmth(more, today).parts[3].points > w.warmth(facts, today).parts[3].points


@given(ft=facts_and_today())
def test_help_both_ways_counts_more_than_the_same_help_one_way(ft):
    facts, today = ft
    base = replace(facts, gave=0, asked=0, mutual=0)
    both = w.warmth(replace(base, gave=1, asked=1), today).parts[3].points
    one_way = w.warmth(replace(base, gave=2), today).parts[3].points
    assert both > one_way > 0


@given(ft=facts_and_today())
def test_score_is_the_rounded_sum_of_the_parts_within_their_ceilings(ft):
    facts, today = ft
    got = w.warmth(facts, today)
    assert 0 <= got.score <= 100
    assert [part.name for part in got.parts] == list(CEILINGS)
    for part in got.parts:
        assert 0.0 <= part.points <= CEILINGS[part.name], part
        assert part.text
    assert got.score == round(sum(part.points for part in got.parts))
    assert got.why == " · ".join(part.text for part in got.parts)
    assert got.band == w.band(got.score)


@given(ft=facts_and_today(), ahead=st.integers(1, 400), before=st.integers(1, 400))
def test_dates_after_today_stay_within_bounds(ft, ahead, before):
    """A future last interaction (a typo) or a contact added "after" today cannot break the scale."""
    facts, today = ft
    odd = replace(
        facts, last_interaction_on=today + timedelta(days=ahead), known_since=today + timedelta(days=before)
    )
    got = w.warmth(odd, today)
    assert 0 <= got.score <= 100
    assert got.parts[0].points == w.RECENCY_MAX
    assert got.parts[2].points == 0.0


_TIMES = re.compile(r"^(once|twice|(\d+) times)$")


def _count(words: str) -> int:
    match = _TIMES.match(words)
    assert match, words
    return {"once": 1, "twice": 2}.get(words) or int(match.group(2))


def _exchanges_said(text: str) -> tuple[int, int, int]:
    """(gave, asked, mutual) read back from the reciprocity words."""
    if text == "no favours exchanged yet":
        return 0, 0, 0
    gave = asked = mutual = 0
    for i, clause in enumerate(text.split(", ")):
        if m := re.fullmatch(r"you gave (.+)", clause):
            assert i == 0
            gave = _count(m.group(1))
        elif m := re.fullmatch(r"(you )?asked (.+)", clause):
            assert bool(m.group(1)) == (gave == 0), text  # "you" is said once, first
            asked = _count(m.group(2))
        elif m := re.fullmatch(r"helped each other (.+)", clause):
            mutual = _count(m.group(1))
        else:
            raise AssertionError(f"unexpected words: {text!r}")
    return gave, asked, mutual


@given(ft=facts_and_today())
def test_the_words_agree_with_the_facts(ft):
    facts, today = ft
    got = w.warmth(facts, today)
    recency, intensity, duration, reciprocity = (part.text for part in got.parts)
    # Recency: "never talked" exactly when there is no last interaction.
    assert ("never talked" in got.why) == (facts.last_interaction_on is None)
    assert recency.startswith("never talked (" if facts.last_interaction_on is None else "last talked ")
    assert recency.endswith(f"({w.cadence_text(facts.cadence_months)})")
    if facts.last_interaction_on == today:
        assert recency.startswith("last talked today")
    # Intensity: the number said is the 24-month count.
    n = facts.interactions_24m
    if n == 0:
        assert intensity == "no interactions in 2 years"
    else:
        assert intensity == f"{n} interaction{'' if n == 1 else 's'} in 2 years"
    # Duration: whole years known, never rounded up.
    days = (today - facts.known_since).days
    if m := re.fullmatch(r"known (\d+) years?", duration):
        assert days >= 365 and int(m.group(1)) * 365 <= days < (int(m.group(1)) + 1) * 365
    elif m := re.fullmatch(r"known (\d+) months?", duration):
        assert 31 <= days < 365 and 1 <= int(m.group(1)) <= 12
    else:
        assert duration == "known less than a month" and days < 31
    # Reciprocity: the counts said are the counts.
    assert _exchanges_said(reciprocity) == (facts.gave, facts.asked, facts.mutual)


# --- named cases -------------------------------------------------------------------


def test_readme_worked_example():
    """Last talked 7 months ago on a 3-month cadence, 3 interactions in 2 years (2 in the
    last 12 months), known 4 years, gave twice and asked once. By hand, from the docstring:

    recency     50 × ½^(212 ÷ (3 × 30.44))           = 50 × ½^2.3215  = 10.00
    intensity   n = 2 + ½ × 1 = 2.5: 25 × 2.5 ÷ 6.5                   =  9.62
    duration    y = 1461 ÷ 365.25 = 4: 15 × 4 ÷ 7                     =  8.57
    reciprocity s = 0 + min(2, 1) + 0.3 × |2 − 1| = 1.3: 10 × 1.3 ÷ 2.3 =  5.65
    total 33.84, shown as 34 (cool).
    """
    facts = WarmthFacts(
        last_interaction_on=date(2026, 8, 15),
        cadence_months=3,
        interactions_12m=2,
        interactions_24m=3,
        known_since=date(2023, 3, 15),
        gave=2,
        asked=1,
    )
    got = w.warmth(facts, TODAY)
    assert got.score == 34
    assert got.band == "cool"
    assert [round(part.points, 2) for part in got.parts] == [10.00, 9.62, 8.57, 5.65]
    assert got.why == (
        "last talked 7 months ago (every 3 months) · 3 interactions in 2 years · "
        "known 4 years · you gave twice, asked once"
    )


def test_a_new_contact_never_talked_to_is_zero():
    got = w.warmth(WarmthFacts(None, 6, 0, 0, TODAY), TODAY)
    assert got.score == 0 and got.band == "cold"
    assert [part.points for part in got.parts] == [0.0, 0.0, 0.0, 0.0]
    assert got.why == (
        "never talked (every 6 months) · no interactions in 2 years · "
        "known less than a month · no favours exchanged yet"
    )


def test_talked_today_with_a_steady_history_is_hot():
    # 50 + 25 × 4/8 (12.5) + 15 × 3/6 (7.5, 1096 days ≈ 3.0007 years) + 10 × 1/2 (5) = 75.0
    facts = WarmthFacts(TODAY, 3, 4, 4, TODAY - timedelta(days=1096), mutual=1)
    got = w.warmth(facts, TODAY)
    assert got.score == 75 and got.band == "hot"
    assert got.why == (
        "last talked today (every 3 months) · 4 interactions in 2 years · known 3 years · helped each other once"
    )


def test_recency_half_life_is_the_cadence():
    """The docstring's examples: a quarterly tie seen three months ago has 25, a yearly one 42."""
    assert round(w.recency_points(days_since=91, cadence_months=3)) == 25
    assert round(w.recency_points(days_since=91, cadence_months=12)) == 42
    assert w.recency_points(days_since=0, cadence_months=3) == 50.0
    # No check-ins: six months of half-life.
    for days in (1, 100, 183, 1000):
        assert w.recency_points(days_since=days, cadence_months=0) == w.recency_points(
            days_since=days, cadence_months=6
        )
    assert round(w.recency_points(days_since=183, cadence_months=0)) == 25
    assert w.recency_points(days_since=None, cadence_months=3) == 0.0


def test_one_way_help_and_a_single_interaction():
    # Last talked 2 years ago on a yearly cadence (12.5), 1 interaction in the year before
    # last (n = 0.5: 25 × 0.5/4.5 = 2.78), known 2 years (730 days: 15 × 1.9986/4.9986 = 6.00),
    # asked three times, gave nothing (s = 0.9: 10 × 0.9/1.9 = 4.74): 26.01 → 26.
    facts = WarmthFacts(date(2025, 3, 15), 12, 0, 1, date(2025, 3, 15), asked=3)
    got = w.warmth(facts, TODAY)
    assert [round(part.points, 2) for part in got.parts] == [12.51, 2.78, 6.0, 4.74]
    assert got.score == 26
    assert (
        got.why
        == "last talked 2 years ago (every year) · 1 interaction in 2 years · known 2 years · you asked 3 times"
    )


# --- bands --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "name"),
    [
        (0, "cold"),
        (19, "cold"),
        (20, "cool"),
        (44, "cool"),
        (45, "warm"),
        (69, "warm"),
        (70, "hot"),
        (100, "hot"),
    ],
)
def test_band_boundaries(score, name):
    assert w.band(score) == name


def test_band_ranges_cover_0_to_100_without_overlap():
    assert w.band_range("hot") == (70, 100)
    assert w.band_range("warm") == (45, 69)
    assert w.band_range("cool") == (20, 44)
    assert w.band_range("cold") == (0, 19)
    assert w.band_range("lukewarm") is None
    assert w.band_range("") is None
    for value in range(101):
        holders = [name for name, _low in w.BANDS if w.band_range(name)[0] <= value <= w.band_range(name)[1]]
        assert holders == [w.band(value)]
    assert set(w.BAND_LABELS) == {name for name, _low in w.BANDS}
