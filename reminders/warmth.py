"""Warmth: how warm a relationship is, 0–100, and why (a pure function).

The signals are the ones that predicted tie strength best in Gilbert & Karahalios,
"Predicting tie strength with social media" (CHI 2009; 2,184 rated ties, 85 %
accuracy): recency of contact first, then intensity (how often), duration of the
relationship, and reciprocal services. Four parts, each with a ceiling, add up:

- recency, up to 50: 50 × ½^(days since last talked ÷ cadence in days). The
  half-life is the contact's own check-in cadence, so a quarterly tie seen three
  months ago has 25 and a yearly tie seen three months ago still has 42. Never
  talked: 0. A contact without check-ins (cadence 0) decays over six months.
- intensity, up to 25: 25 × n ÷ (n + 4), where n counts the interactions of the last
  12 months fully and those of the 12 before at half weight.
- duration, up to 15: 15 × y ÷ (y + 3), y = years known (since the earlier of the
  day they were added and the first interaction).
- reciprocity, up to 10: 10 × s ÷ (s + 1), s = mutual exchanges + the balanced pairs
  of gave/asked + 0.3 × the one-way surplus (help that went only one way counts
  less than help that went both ways).

The score is the rounded sum, never outside 0–100 (the ceilings add up to 100).
`Warmth.parts` keeps each part's points next to its words, so the explanation and
the number cannot disagree. No ORM, no clock: dates in, numbers and words out.
"""

from dataclasses import dataclass
from datetime import date

from .rules import cadence_text, humanize_since

RECENCY_MAX = 50.0
INTENSITY_MAX = 25.0
DURATION_MAX = 15.0
RECIPROCITY_MAX = 10.0
# The half-life of a contact without check-ins (cadence 0): six months.
NO_CADENCE_HALF_LIFE_MONTHS = 6
DAYS_PER_MONTH = 30.44
ONE_WAY_WEIGHT = 0.3

# Bands by the lowest score in each: what `?warmth=` filters on.
BANDS = (("hot", 70), ("warm", 45), ("cool", 20), ("cold", 0))
BAND_LABELS = {"hot": "Hot", "warm": "Warm", "cool": "Cool", "cold": "Cold"}


def band_range(name: str) -> tuple[int, int] | None:
    """The (lowest, highest) score of band `name`, inclusive; None for an unknown name."""
    upper = 100
    for band, lowest in BANDS:
        if band == name:
            return lowest, upper
        upper = lowest - 1
    return None


def band(score: int) -> str:
    for name, lowest in BANDS:
        if score >= lowest:
            return name
    return "cold"


@dataclass(frozen=True)
class WarmthFacts:
    """What the score is computed from, for one contact on one day."""

    last_interaction_on: date | None
    cadence_months: int
    interactions_12m: int
    interactions_24m: int  # includes those of the last 12 months
    known_since: date
    gave: int = 0
    asked: int = 0
    mutual: int = 0
    # Interactions that were conversations (a LinkedIn "connected on" is not); None: all were.
    conversations: int | None = None


@dataclass(frozen=True)
class Part:
    name: str
    points: float
    text: str


@dataclass(frozen=True)
class Warmth:
    score: int
    parts: tuple[Part, ...]

    @property
    def band(self) -> str:
        return band(self.score)

    @property
    def why(self) -> str:
        return " · ".join(part.text for part in self.parts if part.text)


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _years_text(days: int) -> str:
    if days < 31:
        return "known less than a month"
    if days < 365:
        months = max(1, round(days / DAYS_PER_MONTH))
        return f"known {months} month{'s' if months != 1 else ''}"
    years = days // 365
    return f"known {years} year{'s' if years != 1 else ''}"


def recency_points(*, days_since: int | None, cadence_months: int) -> float:
    if days_since is None:
        return 0.0
    half_life = (cadence_months or NO_CADENCE_HALF_LIFE_MONTHS) * DAYS_PER_MONTH
    return RECENCY_MAX * 0.5 ** (max(days_since, 0) / half_life)


def intensity_points(*, in_12m: int, in_24m: int) -> float:
    n = in_12m + 0.5 * max(in_24m - in_12m, 0)
    return INTENSITY_MAX * n / (n + 4)


def duration_points(*, days_known: int) -> float:
    years = max(days_known, 0) / 365.25
    return DURATION_MAX * years / (years + 3)


def reciprocity_points(*, gave: int, asked: int, mutual: int) -> float:
    s = mutual + min(gave, asked) + ONE_WAY_WEIGHT * abs(gave - asked)
    return RECIPROCITY_MAX * s / (s + 1)


def _exchange_text(*, gave: int, asked: int, mutual: int) -> str:
    said = []
    if gave:
        said.append(f"you gave {_times(gave)}")
    if asked:
        said.append(f"asked {_times(asked)}" if gave else f"you asked {_times(asked)}")
    if mutual:
        said.append(f"helped each other {_times(mutual)}")
    return ", ".join(said) if said else "no favours exchanged yet"


def warmth(facts: WarmthFacts, today: date) -> Warmth:
    """The contact's warmth on `today`, with its four parts in points and words."""
    last = facts.last_interaction_on
    days_since = (today - last).days if last is not None else None
    cadence = cadence_text(facts.cadence_months)
    if last is None:
        recency_text = f"never talked ({cadence})"
    elif facts.conversations == 0:
        recency_text = f"connected {humanize_since(last, today)}, never talked ({cadence})"
    else:
        recency_text = f"last talked {humanize_since(last, today)} ({cadence})"
    in_24 = max(facts.interactions_24m, facts.interactions_12m)
    if in_24:
        noun = "interaction" if in_24 == 1 else "interactions"
        intensity_text = f"{in_24} {noun} in 2 years"
    else:
        intensity_text = "no interactions in 2 years"
    parts = (
        Part(
            "recency",
            recency_points(days_since=days_since, cadence_months=facts.cadence_months),
            recency_text,
        ),
        Part("intensity", intensity_points(in_12m=facts.interactions_12m, in_24m=in_24), intensity_text),
        Part(
            "duration",
            duration_points(days_known=(today - facts.known_since).days),
            _years_text((today - facts.known_since).days),
        ),
        Part(
            "reciprocity",
            reciprocity_points(gave=facts.gave, asked=facts.asked, mutual=facts.mutual),
            _exchange_text(gave=facts.gave, asked=facts.asked, mutual=facts.mutual),
        ),
    )
    score = round(sum(part.points for part in parts))
    return Warmth(min(100, max(0, score)), parts)
