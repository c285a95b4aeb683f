"""Pure rules of the insights page: counts in, numbers and words out (no ORM, no clock).

- Diversity: the Blau index (Gini–Simpson), 1 − Σ pᵢ², the chance that two contacts
  drawn at random (with replacement) are in different groups: 0 when everyone is in
  one industry, approaching 1 − 1/k for k equal groups. Its companion, the effective
  number of groups 1 / Σ pᵢ² (inverse Simpson), says the same in words: "as varied as
  2.6 equally sized industries".
- Echo chamber: one group holding at least ECHO_SHARE of the contacts whose value is
  known, counted only once MIN_KNOWN contacts have one (three people at one company
  are not an echo chamber, just a small network).
- Circles: Dunbar's layers (about 5, 15, 50 and 150 people; MacCarron, Kaski & Dunbar,
  "Calling Dunbar's numbers", Social Networks 2016) against the effective check-in
  cadence, which Keepwarm keeps in whole months. The layers are cumulative (the 15
  include the 5), so each is "everyone on this cadence or a closer one":
    about 15 — monthly  (cadence 1 month)
    about 50 — quarterly or closer (1–3 months)
    about 150 — yearly or closer (1–12 months)
  The innermost layer (about 5, contacted weekly) has no cadence of its own: the
  shortest cadence is one month, so those people are counted in the monthly layer.
  Cadence 0 (no check-ins) and cadences over a year are outside the layers.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# One group at or above this share of the known values makes the network an echo chamber.
ECHO_SHARE = 0.5
# ...once at least this many contacts have the value at all.
MIN_KNOWN = 10


def share(part: int, whole: int) -> float:
    """part / whole, and 0.0 for an empty whole (never a division by zero)."""
    return part / whole if whole > 0 else 0.0


def percent(part: int, whole: int) -> int:
    """The rounded percentage of `whole` that `part` is (0 for an empty whole)."""
    return round(100 * share(part, whole))


def blau_index(counts: Iterable[int]) -> float:
    """1 − Σ pᵢ² over the groups' counts (zeros ignored); 0.0 for no one or one group."""
    values = [c for c in counts if c > 0]
    total = sum(values)
    if total == 0:
        return 0.0
    return 1.0 - sum((c / total) ** 2 for c in values)


def effective_groups(counts: Iterable[int]) -> float:
    """1 / Σ pᵢ²: how many equally sized groups would be this diverse (0.0 for no one)."""
    values = [c for c in counts if c > 0]
    total = sum(values)
    if total == 0:
        return 0.0
    return 1.0 / sum((c / total) ** 2 for c in values)


@dataclass(frozen=True)
class Echo:
    label: str
    count: int
    known: int

    @property
    def percent(self) -> int:
        return percent(self.count, self.known)


def echo_chamber(
    counts: Mapping[str, int], *, threshold: float = ECHO_SHARE, min_known: int = MIN_KNOWN
) -> Echo | None:
    """The group holding at least `threshold` of the known values, or None (also when fewer
    than `min_known` values are known). Ties go to the alphabetically first label."""
    known = sum(c for c in counts.values() if c > 0)
    if known < max(min_known, 1) or not counts:
        return None
    label, count = min(counts.items(), key=lambda item: (-item[1], item[0]))
    return Echo(label, count, known) if count / known >= threshold else None


def echo_hint(echo: Echo | None, *, field: str, total: int) -> str:
    """'62% of your contacts work in Venture capital — meet people outside it.' ('' when none).

    `field` is "industry" or "company"; `total` is every active contact, so the text
    says how many the share is of when some have no value.
    """
    if echo is None:
        return ""
    where = "in" if field == "industry" else "at"
    of = "" if echo.known == total else f" (of the {echo.known} whose {field} you noted)"
    return f"{echo.percent}% of your contacts{of} work {where} {echo.label} — meet people outside it."


@dataclass(frozen=True)
class Layer:
    key: str
    label: str  # the cadence, in words
    dunbar: int  # about how many people humans keep this close
    max_months: int  # cadences 1..max_months are in this layer (cumulative)


LAYERS = (
    Layer("monthly", "monthly", 15, 1),
    Layer("quarterly", "quarterly or closer", 50, 3),
    Layer("yearly", "yearly or closer", 150, 12),
)
# The innermost layer, said in words: the cadence has no unit below a month.
WEEKLY_NOTE = (
    "About 5 people are kept weekly; Keepwarm's shortest cadence is monthly, "
    "so they are counted in the monthly layer."
)


def layer_counts(by_cadence: Mapping[int, int]) -> list[tuple[Layer, int]]:
    """Each layer with how many people are on its cadence or a closer one (cadence ≥ 1)."""
    return [
        (layer, sum(n for months, n in by_cadence.items() if 1 <= months <= layer.max_months))
        for layer in LAYERS
    ]


def layer_hint(layer: Layer, count: int) -> str:
    """The overflow hint ('' when the layer holds no more than Dunbar's number)."""
    if count <= layer.dunbar:
        return ""
    people = "person" if count == 1 else "people"
    return (
        f"{count} {people} on a {layer.label} cadence — people keep about {layer.dunbar} that close; "
        "which of them are really strong ties?"
    )
