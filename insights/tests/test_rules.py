from hypothesis import given
from hypothesis import strategies as st

from insights import rules

counts = st.lists(st.integers(min_value=0, max_value=10_000), max_size=30)


def test_blau_index_by_hand():
    # 3 / 1 / 1 of 5: 1 − (0.6² + 0.2² + 0.2²) = 1 − 0.44 = 0.56
    assert abs(rules.blau_index([3, 1, 1]) - 0.56) < 1e-12
    # effective groups: 1 / 0.44 ≈ 2.27
    assert abs(rules.effective_groups([3, 1, 1]) - 1 / 0.44) < 1e-12


def test_nobody_or_one_group_is_not_diverse():
    assert rules.blau_index([]) == 0.0
    assert rules.blau_index([0, 0]) == 0.0
    assert rules.blau_index([7]) == 0.0
    assert rules.effective_groups([]) == 0.0
    assert rules.effective_groups([7]) == 1.0


@given(counts)
def test_blau_index_lies_between_zero_and_one_minus_one_over_k(values):
    index = rules.blau_index(values)
    k = sum(1 for v in values if v > 0)
    assert 0.0 <= index <= 1.0
    if k:
        assert index <= 1 - 1 / k + 1e-9


@given(st.integers(1, 50), st.integers(1, 1000))
def test_k_equal_groups_give_one_minus_one_over_k(k, size):
    assert abs(rules.blau_index([size] * k) - (1 - 1 / k)) < 1e-9
    assert abs(rules.effective_groups([size] * k) - k) < 1e-6


@given(counts, st.randoms())
def test_blau_index_ignores_order_zeros_and_scale(values, rnd):
    shuffled = list(values) + [0, 0]
    rnd.shuffle(shuffled)
    assert abs(rules.blau_index(shuffled) - rules.blau_index(values)) < 1e-9
    assert abs(rules.blau_index([3 * v for v in values]) - rules.blau_index(values)) < 1e-9


@given(st.lists(st.integers(1, 1000), min_size=2, max_size=20))
def test_merging_two_groups_never_raises_diversity(values):
    merged = [values[0] + values[1], *values[2:]]
    assert rules.blau_index(merged) <= rules.blau_index(values) + 1e-9


def test_echo_chamber_above_the_threshold_once_enough_are_known():
    echo = rules.echo_chamber({"Venture capital": 8, "Software": 3, "Health": 2})
    assert echo == rules.Echo("Venture capital", 8, 13)
    assert echo.percent == 62
    assert rules.echo_hint(echo, field="industry", total=13) == (
        "62% of your contacts work in Venture capital — meet people outside it."
    )
    # 20 contacts, 7 without an industry: the share says what it is of.
    assert rules.echo_hint(echo, field="industry", total=20) == (
        "62% of your contacts (of the 13 whose industry you noted) work in Venture capital "
        "— meet people outside it."
    )
    assert rules.echo_hint(rules.echo_chamber({"Acme": 6, "Initech": 4}), field="company", total=10) == (
        "60% of your contacts work at Acme — meet people outside it."
    )


def test_no_echo_chamber_below_the_threshold_or_in_a_tiny_network():
    assert rules.echo_chamber({"A": 4, "B": 3, "C": 3}) is None  # 40 %
    assert rules.echo_chamber({"A": 5, "B": 5}) is not None  # exactly 50 % counts
    assert rules.echo_chamber({"A": 9}) is None  # 9 known: too few to say
    assert rules.echo_chamber({}) is None
    assert rules.echo_hint(None, field="industry", total=0) == ""


def test_share_and_percent_never_divide_by_zero():
    assert rules.share(3, 0) == 0.0
    assert rules.percent(0, 0) == 0
    assert rules.percent(1, 3) == 33


def test_layers_are_cumulative_and_leave_out_never_and_beyond_a_year():
    by_cadence = {0: 4, 1: 20, 2: 5, 3: 30, 6: 40, 12: 60, 24: 7}
    assert [(layer.key, n) for layer, n in rules.layer_counts(by_cadence)] == [
        ("monthly", 20),
        ("quarterly", 55),
        ("yearly", 155),
    ]
    assert [n for _layer, n in rules.layer_counts({})] == [0, 0, 0]


@given(st.dictionaries(st.integers(0, 60), st.integers(0, 500)))
def test_each_layer_holds_the_one_inside_it(by_cadence):
    sizes = [n for _layer, n in rules.layer_counts(by_cadence)]
    assert sizes == sorted(sizes)
    assert sizes[-1] == sum(n for months, n in by_cadence.items() if 1 <= months <= 12)


def test_overflow_hint_only_past_dunbars_number():
    monthly, quarterly, _yearly = rules.LAYERS
    assert rules.layer_hint(monthly, 15) == ""
    assert rules.layer_hint(monthly, 38) == (
        "38 people on a monthly cadence — people keep about 15 that close; which of them are really strong ties?"
    )
    assert rules.layer_hint(quarterly, 51).startswith(
        "51 people on a quarterly or closer cadence — people keep about 50"
    )
