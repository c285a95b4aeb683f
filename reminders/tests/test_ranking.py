"""Focus order and reconnect rank (reminders.ranking): tiers, priorities, words (no database)."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from reminders import ranking
from reminders.ranking import ReconnectFacts

TODAY = date(2027, 3, 15)

todays = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


# --- focus tiers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "days_ago", "tier"),
    [
        ("follow_up", 0, ranking.TIER_PROMISED),
        ("follow_up", 30, ranking.TIER_PROMISED),
        ("birthday", 0, ranking.TIER_TODAY),
        ("work_anniversary", 0, ranking.TIER_TODAY),
        ("job_change", 0, ranking.TIER_TODAY),
        ("job_change", 1, ranking.TIER_TODAY),
        ("job_change", 6, ranking.TIER_TODAY),
        ("job_change", 7, ranking.TIER_LATE_EVENT),
        ("check_in", 0, ranking.TIER_CHECK_IN),
        ("check_in", 400, ranking.TIER_CHECK_IN),
        ("birthday", 1, ranking.TIER_LATE_EVENT),
        ("birthday", 5, ranking.TIER_LATE_EVENT),
        ("work_anniversary", 2, ranking.TIER_LATE_EVENT),
    ],
)
def test_focus_tier(kind, days_ago, tier):
    assert ranking.focus_tier(kind=kind, due_on=TODAY - timedelta(days=days_ago), today=TODAY) == tier


def test_tiers_are_in_the_promised_order():
    assert ranking.TIER_PROMISED < ranking.TIER_TODAY < ranking.TIER_CHECK_IN < ranking.TIER_LATE_EVENT
    assert ranking.JOB_CHANGE_FRESH_DAYS == 7


def test_focus_key_orders_by_tier_then_priority_then_oldest_then_id():
    keys = {
        "late birthday": ranking.focus_key(
            tier=3, points=0.0, due_on=TODAY - timedelta(days=5), reminder_id=1
        ),
        "weak check-in": ranking.focus_key(
            tier=2, points=35.0, due_on=TODAY - timedelta(days=90), reminder_id=2
        ),
        "strong check-in": ranking.focus_key(tier=2, points=75.0, due_on=TODAY, reminder_id=3),
        "birthday today": ranking.focus_key(tier=1, points=0.0, due_on=TODAY, reminder_id=4),
        "new role": ranking.focus_key(tier=1, points=0.0, due_on=TODAY - timedelta(days=1), reminder_id=9),
        "follow-up": ranking.focus_key(tier=0, points=0.0, due_on=TODAY, reminder_id=8),
        "tie, older id": ranking.focus_key(
            tier=2, points=35.0, due_on=TODAY - timedelta(days=90), reminder_id=7
        ),
    }
    assert sorted(keys, key=keys.get) == [
        "follow-up",
        "new role",
        "birthday today",
        "strong check-in",
        "weak check-in",
        "tie, older id",
        "late birthday",
    ]


# --- check-in priority -------------------------------------------------------------


@st.composite
def check_ins(draw) -> dict:
    today = draw(todays)
    return {
        "strong": draw(st.booleans()),
        "due_on": today - timedelta(days=draw(st.integers(-30, 2000))),
        "today": today,
        "cadence_months": draw(st.integers(0, 24)),
        "warmth": draw(st.integers(0, 100)),
    }


def points(**kwargs) -> float:
    return ranking.check_in_priority(**kwargs).points


@given(c=check_ins())
def test_priority_is_within_0_and_100_and_strong_ties_come_first(c):
    strong = points(**{**c, "strong": True})
    weak = points(**{**c, "strong": False})
    assert 0.0 <= weak < strong <= 100.0
    assert strong - weak == pytest.approx(40.0)


@given(c=check_ins(), later_by=st.integers(1, 400))
def test_more_overdue_is_never_lower(c, later_by):
    more = points(**{**c, "due_on": c["due_on"] - timedelta(days=later_by)})
    assert more >= points(**c)


@given(c=check_ins(), warmer_by=st.integers(1, 100))
def test_warmer_comes_first_at_equal_lateness(c, warmer_by):
    assume(c["warmth"] + warmer_by <= 100)
    assert points(**{**c, "warmth": c["warmth"] + warmer_by}) > points(**c)


@given(c=check_ins(), extra=st.integers(0, 1000))
def test_lateness_is_capped_at_one_cadence(c, extra):
    cadence = max(c["cadence_months"], 1)
    one_cadence = c["today"] - timedelta(days=round(cadence * ranking.DAYS_PER_MONTH) + 1)
    at_cap = points(**{**c, "due_on": one_cadence})
    assert points(**{**c, "due_on": one_cadence - timedelta(days=extra)}) == at_cap
    assert at_cap == pytest.approx((40 if c["strong"] else 0) + 30 + 0.3 * c["warmth"])


def test_lateness_counts_relative_to_the_cadence():
    """A month late on a monthly rhythm is later than a month late on a yearly one."""
    common = {"strong": False, "due_on": TODAY - timedelta(days=30), "today": TODAY, "warmth": 20}
    monthly = points(**common, cadence_months=1)
    yearly = points(**common, cadence_months=12)
    assert monthly > yearly
    assert monthly == pytest.approx(30 * 30 / 30.44 + 6)
    assert yearly == pytest.approx(30 * 30 / (12 * 30.44) + 6)


def test_due_today_or_ahead_has_no_lateness():
    for due in (TODAY, TODAY + timedelta(days=3)):
        got = ranking.check_in_priority(strong=True, due_on=due, today=TODAY, cadence_months=3, warmth=50)
        assert got.points == pytest.approx(55.0)


@pytest.mark.parametrize(
    ("strong", "due_on", "cadence", "heat", "why"),
    [
        (True, TODAY, 3, 40, "strong tie · due today (3-month rhythm) · warmth 40"),
        (False, TODAY - timedelta(days=61), 6, 0, "weak tie · 2 months past its 6-month rhythm · warmth 0"),
        (True, TODAY - timedelta(days=10), 1, 75, "strong tie · 1 week past its monthly rhythm · warmth 75"),
        (False, TODAY - timedelta(days=400), 12, 9, "weak tie · 1 year past its yearly rhythm · warmth 9"),
        (False, TODAY - timedelta(days=3), 0, 5, "weak tie · 3 days past its rhythm · warmth 5"),
    ],
)
def test_priority_words(strong, due_on, cadence, heat, why):
    got = ranking.check_in_priority(
        strong=strong, due_on=due_on, today=TODAY, cadence_months=cadence, warmth=heat
    )
    assert got.why == why


# --- reconnect ---------------------------------------------------------------------

TITLES = [
    "",
    "Engineer",
    "Analyst",
    "Senior Engineer",
    "Team Lead",
    "Director",
    "VP Sales",
    "CEO",
    "Co-founder",
]


@st.composite
def reconnect_facts(draw, *, history: bool | None = None) -> tuple[ReconnectFacts, date]:
    today = draw(todays)
    conversations = draw(st.integers(0, 40))
    introducer = draw(st.sampled_from(["", "Ada Lovelace"]))
    company = draw(st.sampled_from(["", "Northwind"]))
    if history is False:
        conversations, introducer, company = 0, "", ""
    elif history is True:
        assume(conversations or introducer or company)
    # A conversation has a date; without one, maybe a LinkedIn "connected on".
    last = draw(st.integers(0, 5000).map(lambda d: today - timedelta(days=d)))
    if not conversations and draw(st.booleans()):
        last = None
    facts = ReconnectFacts(
        conversations=conversations,
        last_interaction_on=last,
        introducer=introducer,
        shared_company=company,
        they_helped_on=draw(
            st.one_of(st.none(), st.integers(0, 3000).map(lambda d: today - timedelta(days=d)))
        ),
        you_gave=draw(st.integers(0, 5)),
        was_strong=draw(st.booleans()),
        title=draw(st.sampled_from(TITLES)),
    )
    return facts, today


def reconnect(facts: ReconnectFacts, today: date) -> int:
    return ranking.reconnect_score(facts, today).score


@given(rf=reconnect_facts())
def test_reconnect_score_is_within_0_and_100(rf):
    got = ranking.reconnect_score(*rf)
    assert 0 <= got.score <= 100
    assert got.why


@given(tied=reconnect_facts(history=True), never=reconnect_facts(history=False))
def test_any_tie_with_history_ranks_above_any_never_contacted(tied, never):
    """A conversation, an introducer or a shared company beats no history, whatever else."""
    never_facts, _today = never
    assert reconnect(*tied) > reconnect(never_facts, tied[1])
    assert "never contacted" in ranking.reconnect_score(never_facts, tied[1]).why
    assert "never contacted" not in ranking.reconnect_score(*tied).why


@given(rf=reconnect_facts(history=True))
def test_they_helped_you_ranks_above_not(rf):
    facts, today = rf
    helped = replace(facts, they_helped_on=today - timedelta(days=400))
    not_helped = replace(facts, they_helped_on=None)
    assert reconnect(helped, today) > reconnect(not_helped, today)
    assert f"helped you in {(today - timedelta(days=400)).year}" in ranking.reconnect_score(helped, today).why
    assert "helped you" not in ranking.reconnect_score(not_helped, today).why


@given(rf=reconnect_facts(history=True), fewer=st.integers(0, 40), more=st.integers(0, 40))
def test_fewer_past_conversations_rank_above_many(rf, fewer, more):
    """Novelty (Walter, Levin & Murnighan 2015): little time spent together is worth more,
    all else equal, as long as there is some history to reconnect on."""
    facts, today = rf
    fewer, more = sorted((fewer, more))
    assume(fewer > 0 or facts.introducer or facts.shared_company)
    assert reconnect(replace(facts, conversations=fewer), today) >= reconnect(
        replace(facts, conversations=more), today
    )


def test_novelty_steps():
    base = ReconnectFacts(conversations=0, last_interaction_on=None, introducer="Ada Lovelace")
    scores = {n: reconnect(replace(base, conversations=n), TODAY) for n in (0, 1, 3, 4, 10, 11, 50)}
    # An introduced tie you never talked to is the most novel there is.
    assert scores == {0: 50, 1: 50, 3: 50, 4: 45, 10: 45, 11: 40, 50: 40}


@given(rf=reconnect_facts(), junior=st.sampled_from(["", "Engineer", "Analyst", "Intern"]))
def test_a_senior_title_ranks_above_a_junior_one(rf, junior):
    facts, today = rf
    for senior in ("Senior Engineer", "Director of Sales", "CEO"):
        assert reconnect(replace(facts, title=senior), today) > reconnect(replace(facts, title=junior), today)


@given(rf=reconnect_facts())
def test_a_formerly_strong_tie_ranks_above_a_weak_one(rf):
    facts, today = rf
    assert reconnect(replace(facts, was_strong=True), today) > reconnect(
        replace(facts, was_strong=False), today
    )


def test_why_names_the_signals_that_counted():
    facts = ReconnectFacts(
        conversations=2,
        last_interaction_on=date(2022, 5, 1),
        introducer="Ada Lovelace",
        shared_company="Northwind",
        they_helped_on=date(2023, 6, 1),
    )
    got = ranking.reconnect_score(facts, TODAY)
    assert got.why == (
        "worked together at Northwind · introduced by Ada Lovelace · last talked 4 years ago · helped you in 2023"
    )
    # 40 history + 20 helped + 10 novelty (2 conversations) + 3 dormant for 3 years or more
    assert got.score == 73
    more = replace(facts, you_gave=1, was_strong=True, title="VP Engineering")
    got = ranking.reconnect_score(more, TODAY)
    assert got.why == (
        "worked together at Northwind · introduced by Ada Lovelace · last talked 4 years ago · "
        "helped you in 2023 · you helped them · was a strong tie · senior role"
    )
    assert got.score == 73 + 5 + 10 + 8


def test_never_contacted_ranks_last_and_says_so():
    cold_ceo = ReconnectFacts(
        conversations=0, last_interaction_on=date(2020, 1, 1), was_strong=True, title="CEO"
    )
    got = ranking.reconnect_score(cold_ceo, TODAY)
    assert got.score == 3 * 3 + 5
    assert got.why == "never contacted · senior role"
    plain = ranking.reconnect_score(ReconnectFacts(conversations=0, last_interaction_on=None), TODAY)
    assert (plain.score, plain.why) == (0, "never contacted")
    weakest_history = ReconnectFacts(conversations=40, last_interaction_on=TODAY)
    assert reconnect(weakest_history, TODAY) == 40 > got.score


def test_recent_conversations_are_not_called_dormant():
    recent = ReconnectFacts(conversations=2, last_interaction_on=TODAY - timedelta(days=100))
    dormant = replace(recent, last_interaction_on=TODAY - timedelta(days=3 * 365))
    assert reconnect(dormant, TODAY) == reconnect(recent, TODAY) + 3


# --- seniority ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("", 0),
        ("Engineer", 0),
        ("Research Mathematician", 0),
        ("Intern", 0),
        ("Headhunter", 0),  # not "head"
        ("Leadership Coach", 0),  # not "lead"
        ("Senior Engineer", 1),
        ("Sr. Engineer", 1),
        ("Team Lead", 1),
        ("Staff Engineer", 1),
        ("Product Manager", 1),
        ("Director, Software Engineering", 2),
        ("Head of Product", 2),
        ("VP Engineering", 2),
        ("Vice President, Sales", 2),
        ("Principal Scientist", 2),
        ("General Manager", 2),
        ("Professor of Physics", 2),
        ("CEO", 3),
        ("Co-founder & CTO", 3),
        ("cofounder", 3),
        ("Founder", 3),
        ("Managing Director", 3),
        ("Partner", 3),
        ("Chief Operating Officer", 3),
        ("President", 3),
    ],
)
def test_seniority(title, level):
    assert ranking.seniority(title) == level


def test_seniority_takes_the_highest_match_and_ignores_case():
    assert ranking.seniority("Senior Director") == 2
    assert ranking.seniority("senior vice president") == 2
    assert ranking.seniority("FOUNDER and lead engineer") == 3
    assert ranking.seniority(None) == 0


@given(
    kind=st.sampled_from(["check_in", "follow_up", "birthday", "work_anniversary", "job_change"]),
    overdue=st.integers(-3, 2000),
    strong=st.booleans(),
    cadence=st.integers(0, 24),
    heat=st.integers(0, 100),
)
def test_the_pick_sorts_by_the_same_key_as_the_explained_rank(kind, overdue, strong, cadence, heat):
    """focus_pick ranks without words (`explain=False`): the same place as with them."""
    from reminders import focus

    today = date(2026, 11, 26)
    args = dict(
        reminder_id=7,
        kind=kind,
        due_on=today - timedelta(days=overdue),
        detail="",
        tie_strength="strong" if strong else "weak",
        cadence=cadence,
        warmth=heat,
        last_interaction_on=None,
        created_on=today - timedelta(days=3000),
        today=today,
    )
    assert focus.rank(**args, explain=False).key == focus.rank(**args).key
