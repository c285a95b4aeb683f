"""Whom today: the focus order of due reminders and the reconnect rank of dormant ties.

Pure functions (no ORM, no clock), each returning its number together with the
words that explain it, so every row on the dashboard can say why it is there.

Focus (`focus_key`): what the user promised or what happens only today comes first
(follow-ups, then today's birthdays, work anniversaries and new roles), then
check-ins by `check_in_priority`, then older events.

Reconnect (`reconnect_score`), from three studies:
- Levin, Walter & Murnighan (Organization Science 2011): dormant ties, out of touch
  for three years or more, gave knowledge as useful as current ties and more novel,
  for less time; formerly strong ties gave both novelty and trust.
- Walter, Levin & Murnighan (Organization Science 2015): the most valuable
  reconnections bring novelty (little time spent together before, higher status)
  and engagement (trust, willingness to help), and people wrongly prefer the ties
  they spent the most time with.
- Rajkumar et al. (Science 2022, 20 million LinkedIn members): moderately weak ties
  help job mobility most; the weakest rarely do.
So a tie with some real history (a conversation, an introducer, a company worked at
together) ranks above one with none; signs of engagement (they helped you, you
helped each other) add most; fewer past conversations and a senior title add
novelty; a tie that was strong adds trust; a never-contacted import ranks last.
"""

import re
from dataclasses import dataclass
from datetime import date

from .rules import humanize_since, span_between

# --- focus ------------------------------------------------------------------------

# Tiers of the focus order (lower first).
TIER_PROMISED = 0  # follow-ups you promised
TIER_TODAY = 1  # today's birthdays, work anniversaries, new roles
TIER_CHECK_IN = 2
TIER_LATE_EVENT = 3  # a birthday or anniversary already past: still on /reminders/
# How long a new role stays "today's news".
JOB_CHANGE_FRESH_DAYS = 7

DAYS_PER_MONTH = 30.44


@dataclass(frozen=True)
class Priority:
    points: float
    why: str


def _rhythm(cadence_months: int) -> str:
    if cadence_months <= 0:
        return "rhythm"
    if cadence_months == 1:
        return "monthly rhythm"
    if cadence_months == 12:
        return "yearly rhythm"
    return f"{cadence_months}-month rhythm"


def check_in_points(*, strong: bool, due_on: date, today: date, cadence_months: int, warmth: int) -> float:
    """`check_in_priority`'s number alone (what picking the focus sorts thousands by)."""
    cadence_days = max(cadence_months, 1) * DAYS_PER_MONTH
    late = min(max((today - due_on).days, 0) / cadence_days, 1.0)
    return (40.0 if strong else 0.0) + 30.0 * late + 30.0 * max(0, min(warmth, 100)) / 100


def check_in_priority(
    *, strong: bool, due_on: date, today: date, cadence_months: int, warmth: int
) -> Priority:
    """A due check-in's priority, 0–100: strong ties first (40), then how far past its
    cadence it is, relative to the cadence (up to 30 at one whole cadence late), then
    warmth (up to 30: a relationship still warm is the cheapest one to keep warm).
    """
    overdue_days = (today - due_on).days
    points = check_in_points(
        strong=strong, due_on=due_on, today=today, cadence_months=cadence_months, warmth=warmth
    )
    words = ["strong tie" if strong else "weak tie"]
    if overdue_days <= 0:
        words.append(f"due today ({_rhythm(cadence_months)})")
    else:
        words.append(f"{span_between(due_on, today)} past its {_rhythm(cadence_months)}")
    words.append(f"warmth {warmth}")
    return Priority(points, " · ".join(words))


def focus_tier(*, kind: str, due_on: date, today: date) -> int:
    if kind == "follow_up":
        return TIER_PROMISED
    if kind == "check_in":
        return TIER_CHECK_IN
    if due_on == today or (kind == "job_change" and (today - due_on).days < JOB_CHANGE_FRESH_DAYS):
        return TIER_TODAY
    return TIER_LATE_EVENT


def focus_key(*, tier: int, points: float, due_on: date, reminder_id: int) -> tuple:
    """Sort key of a due reminder in the focus order: tier, then priority, then oldest."""
    return (tier, -points, due_on, reminder_id)


# --- reconnect ---------------------------------------------------------------------

# Words of a title, by level of seniority (the highest match wins).
_SENIORITY = (
    (
        3,
        r"\b(founder|co-?founder|ceo|cto|cfo|coo|cmo|cpo|chief|partner|owner|managing director"
        r"|(?<!vice )(?<!vice-)president)\b",  # a president, not a vice president (level 2)
    ),
    (2, r"\b(vp|vice president|director|head|principal|professor|general manager|gm)\b"),
    (1, r"\b(senior|sr\.?|lead|staff|manager)\b"),
)
_SENIORITY_RE = tuple((level, re.compile(pattern, re.IGNORECASE)) for level, pattern in _SENIORITY)


def seniority(title: str) -> int:
    """0 (unknown or junior) to 3 (founder, C-level, partner) from a job title's words."""
    for level, pattern in _SENIORITY_RE:
        if pattern.search(title or ""):
            return level
    return 0


@dataclass(frozen=True)
class ReconnectFacts:
    conversations: int  # logged interactions, a LinkedIn "connected on" aside
    last_interaction_on: date | None
    introducer: str = ""  # the name of who introduced you
    shared_company: str = ""  # a company you both worked at
    they_helped_on: date | None = None  # the last time you asked or helped each other
    you_gave: int = 0
    was_strong: bool = False
    title: str = ""


@dataclass(frozen=True)
class Reconnect:
    score: int
    why: str


def reconnect_score(facts: ReconnectFacts, today: date) -> Reconnect:
    """How worth reviving a tie is, 0–100, and which signals counted, in words."""
    words: list[str] = []
    if facts.shared_company:
        words.append(f"worked together at {facts.shared_company}")
    if facts.introducer:
        words.append(f"introduced by {facts.introducer}")
    if facts.last_interaction_on is not None and facts.conversations:
        words.append(f"last talked {humanize_since(facts.last_interaction_on, today)}")
    history = bool(facts.conversations or facts.introducer or facts.shared_company)
    level = seniority(facts.title)
    if not history:
        # Never contacted: last, ordered among themselves by status and past strength.
        points = 3 * level + (5 if facts.was_strong else 0)
        words.append("never contacted")
        if level >= 2:
            words.append("senior role")
        return Reconnect(points, " · ".join(words))
    points = 40
    if facts.they_helped_on is not None:
        points += 20
        words.append(f"helped you in {facts.they_helped_on.year}")
    if facts.you_gave:
        points += 5
        words.append("you helped them")
    if facts.was_strong:
        points += 10
        words.append("was a strong tie")
    # Novelty: little time spent together (none at all for a tie known through an
    # introducer or a shared company only).
    if facts.conversations <= 3:
        points += 10
    elif facts.conversations <= 10:
        points += 5
    points += 4 * level
    if level >= 2:
        words.append("senior role")
    if facts.last_interaction_on is not None and (today - facts.last_interaction_on).days >= 3 * 365:
        points += 3  # dormant three years or more: the most novel (Levin et al. 2011)
    return Reconnect(min(points, 100), " · ".join(words))
