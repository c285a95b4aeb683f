"""Built-in goals from the networking literature, added in one click (goals.services.suggestion_add).

The counts are Keepwarm's starting points; each source is for the practice, not the number.
"""

from dataclasses import dataclass

from contacts.models import InteractionKind

from .models import Measure, Period


@dataclass(frozen=True)
class Suggestion:
    slug: str
    measure: str
    kind: str
    target: int
    period: str
    per_event: bool
    title: str
    why: str
    source: str


SUGGESTIONS = (
    Suggestion(
        slug="informational-interviews",
        measure=Measure.INTERACTIONS,
        kind=InteractionKind.INFORMATIONAL_INTERVIEW,
        target=3,
        period=Period.MONTH,
        per_event=False,
        title="3 informational interviews a month",
        why="Short conversations to learn about someone's work: the way to explore a field or a company.",
        source="Richard N. Bolles, What Color Is Your Parachute?",
    ),
    Suggestion(
        slug="new-people-at-events",
        measure=Measure.EVENT_NEWCOMERS,
        kind="",
        target=2,
        period=Period.MONTH,
        per_event=True,
        title="2 new people at each event",
        why="A small, concrete aim for each event; new acquaintances are the weak ties that bring new information.",
        source="Mark Granovetter, “The Strength of Weak Ties” (1973)",
    ),
    Suggestion(
        slug="reconnect",
        measure=Measure.RECONNECTS,
        kind="",
        target=1,
        period=Period.WEEK,
        per_event=False,
        title="1 reconnect a week",
        why="Dormant ties give advice as useful as current ones, and more novel.",
        source="Levin, Walter & Murnighan, “Dormant Ties: The Value of Reconnecting” (Organization Science, 2011)",
    ),
    Suggestion(
        slug="coffee",
        measure=Measure.INTERACTIONS,
        kind=InteractionKind.COFFEE,
        target=1,
        period=Period.WEEK,
        per_event=False,
        title="1 coffee a week",
        why="Relationships are built over meals and coffees, a regular one at a time.",
        source="Keith Ferrazzi, Never Eat Alone (2005)",
    ),
    Suggestion(
        slug="introductions",
        measure=Measure.INTERACTIONS,
        kind=InteractionKind.INTRODUCTION,
        target=1,
        period=Period.MONTH,
        per_event=False,
        title="1 introduction a month",
        why="Give before you ask: an introduction is a five-minute favour that helps two people.",
        source="Adam Grant, Give and Take (2013)",
    ),
)
SUGGESTIONS_BY_SLUG = {s.slug: s for s in SUGGESTIONS}
