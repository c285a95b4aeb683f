"""An import's first check-ins, staggered (DESIGN rule 1's exception), and `check_in_due` with them."""

import math
from collections import Counter, defaultdict
from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from reminders import rules

dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31))
cadence_lists = st.lists(st.integers(0, 24), min_size=1, max_size=400)


def plain(created_on: date, cadence: int) -> date:
    return rules.next_check_in(created_on, cadence)


@given(created_on=dates, cadences=cadence_lists)
def test_one_date_per_contact_none_exactly_for_cadence_zero(created_on, cadences):
    got = rules.staggered_first_check_ins(created_on=created_on, cadences=cadences)
    assert len(got) == len(cadences)
    assert [first is None for first in got] == [cadence == 0 for cadence in cadences]


@given(created_on=dates, cadences=cadence_lists)
def test_every_date_is_within_the_first_period_and_never_after_the_plain_rule(created_on, cadences):
    got = rules.staggered_first_check_ins(created_on=created_on, cadences=cadences)
    for cadence, first in zip(cadences, got, strict=True):
        if cadence:
            assert created_on <= first <= plain(created_on, cadence)


@given(created_on=dates, cadences=cadence_lists)
def test_per_cadence_dates_rise_with_rank_and_the_last_is_not_after_the_plain_rule(created_on, cadences):
    got = rules.staggered_first_check_ins(created_on=created_on, cadences=cadences)
    groups: dict[int, list[date]] = defaultdict(list)
    for cadence, first in zip(cadences, got, strict=True):
        if cadence:
            groups[cadence].append(first)
    for cadence, firsts in groups.items():
        assert firsts == sorted(firsts), cadence  # non-decreasing in rank
        assert firsts[-1] <= plain(created_on, cadence)
    # The best-ranked contact with check-ins is due the day of the import.
    if groups:
        assert next(first for first in got if first is not None) == created_on


@given(created_on=dates, cadence=st.integers(1, 24), n=st.integers(1, 400))
def test_no_wave_for_a_single_cadence(created_on, cadence, n):
    got = rules.staggered_first_check_ins(created_on=created_on, cadences=[cadence] * n)
    period = (plain(created_on, cadence) - created_on).days
    per_day = Counter(got)
    assert max(per_day.values()) <= math.ceil(n / period) + 1
    # Spread over the period: the last is in its last 1/n (plus a day).
    assert (got[-1] - created_on).days >= period - period / n - 1


@given(created_on=dates, cadences=cadence_lists)
def test_no_wave_within_a_cadence_of_a_mixed_import(created_on, cadences):
    """With several cadences, each is spread on its own: a day holds at most
    ceil(n_c / period_c) + 1 of cadence c's first check-ins, n_c counting that cadence's
    contacts only (100 on a monthly tag ranked first do not crowd into 3 days)."""
    got = rules.staggered_first_check_ins(created_on=created_on, cadences=cadences)
    sizes = Counter(cadence for cadence in cadences if cadence)
    assume(sizes)
    per_day = Counter((cadence, first) for cadence, first in zip(cadences, got, strict=True) if cadence)
    for (cadence, _day), count in per_day.items():
        period = (plain(created_on, cadence) - created_on).days
        assert count <= math.ceil(sizes[cadence] / period) + 1


def test_named_stagger():
    created = date(2026, 11, 23)
    # Six months is 181 days from Nov 23: four contacts, a quarter apart (45 days).
    assert rules.staggered_first_check_ins(created_on=created, cadences=[6, 6, 0, 6, 6]) == [
        created,
        created + timedelta(days=45),
        None,
        created + timedelta(days=90),
        created + timedelta(days=135),
    ]
    assert rules.staggered_first_check_ins(created_on=created, cadences=[0, 0]) == [None, None]
    assert rules.staggered_first_check_ins(created_on=created, cadences=[]) == []


# --- check_in_due with staggered_on ---------------------------------------------------


@st.composite
def stagger_cases(draw) -> dict:
    created_on = draw(dates)
    cadence = draw(st.integers(1, 24))
    period = (plain(created_on, cadence) - created_on).days
    staggered_on = created_on + timedelta(days=draw(st.integers(0, period)))
    return {"created_on": created_on, "cadence": cadence, "staggered_on": staggered_on}


@given(case=stagger_cases(), before=st.integers(1, 3000))
def test_the_staggered_date_holds_while_nothing_happened_since_creation(case, before):
    """No interaction, or only older ones (a LinkedIn "connected on" years ago): the staggered date."""
    for last in (None, case["created_on"] - timedelta(days=before)):
        due = rules.check_in_due(last_interaction_on=last, last_closed_on=None, **case)
        assert due == case["staggered_on"]
        assert due <= rules.check_in_due(
            last_interaction_on=last, last_closed_on=None, **{**case, "staggered_on": None}
        )


@given(case=stagger_cases(), after=st.integers(0, 3000), closed_after=st.integers(0, 3000))
def test_anything_after_creation_brings_back_the_plain_rule(case, after, closed_after):
    created_on, cadence = case["created_on"], case["cadence"]
    talked = created_on + timedelta(days=after)  # on or after the creation date
    closed = created_on + timedelta(days=closed_after)
    for last, last_closed in (
        (talked, None),
        (None, closed),
        (created_on - timedelta(days=5), closed),
        (talked, closed),
    ):
        due = rules.check_in_due(last_interaction_on=last, last_closed_on=last_closed, **case)
        base = rules.check_in_base(
            created_on=created_on, last_interaction_on=last, last_closed_on=last_closed
        )
        assert due == rules.next_check_in(base, cadence)


@given(
    created_on=dates,
    cadence=st.integers(0, 24),
    staggered_by=st.integers(-100, 1000),
    last_by=st.one_of(st.none(), st.integers(-2000, 2000)),
    closed_by=st.one_of(st.none(), st.integers(0, 2000)),
)
def test_never_later_than_the_plain_rule_and_none_for_cadence_zero(
    created_on, cadence, staggered_by, last_by, closed_by
):
    kwargs = {
        "created_on": created_on,
        "last_interaction_on": None if last_by is None else created_on + timedelta(days=last_by),
        "last_closed_on": None if closed_by is None else created_on + timedelta(days=closed_by),
        "cadence": cadence,
    }
    staggered = rules.check_in_due(**kwargs, staggered_on=created_on + timedelta(days=staggered_by))
    rule = rules.check_in_due(**kwargs)
    if cadence == 0:
        assert staggered is None and rule is None
    else:
        assert staggered <= rule


def test_named_check_in_due_with_a_staggered_date():
    created = date(2026, 11, 23)
    common = {"created_on": created, "cadence": 6, "staggered_on": date(2027, 1, 7)}
    assert rules.check_in_due(last_interaction_on=None, last_closed_on=None, **common) == date(2027, 1, 7)
    # Connected on LinkedIn in 2024 (before the import): still staggered.
    assert rules.check_in_due(last_interaction_on=date(2024, 3, 5), last_closed_on=None, **common) == date(
        2027, 1, 7
    )
    # Talked on the day of the import: six months from then.
    assert rules.check_in_due(last_interaction_on=created, last_closed_on=None, **common) == date(2027, 5, 23)
    # The first check-in closed on Jan 9: six months from the closing.
    assert rules.check_in_due(last_interaction_on=None, last_closed_on=date(2027, 1, 9), **common) == date(
        2027, 7, 9
    )
    # A staggered date after the rule's (the rule moved earlier) never delays it.
    late = {**common, "staggered_on": date(2027, 9, 1)}
    assert rules.check_in_due(last_interaction_on=None, last_closed_on=None, **late) == date(2027, 5, 23)
    assert (
        rules.check_in_due(last_interaction_on=None, last_closed_on=None, **{**common, "cadence": 0}) is None
    )
