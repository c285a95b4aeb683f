"""Pure period rules of the goals (issue #15): which week, month or quarter a day is in,
the periods between two days, and what a period's count means against a target.

No ORM, no clock, no settings: every function takes the dates it needs. All dates are
the user's local dates (`Profile.timezone`); a timestamp becomes one with `local_day`
before any rule sees it, so a coffee logged at 23:30 local on 31 January counts for
January, whatever UTC says.

Weeks start on Monday (ISO 8601); months are calendar months; quarters start on
1 January, 1 April, 1 July and 1 October. A period is named by its first day and runs
up to, not including, the first day of the next one: periods tile the calendar, and
every day lies in exactly one period of each length.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta


class PeriodLength(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


_STEP = {
    PeriodLength.WEEK: relativedelta(weeks=1),
    PeriodLength.MONTH: relativedelta(months=1),
    PeriodLength.QUARTER: relativedelta(months=3),
}

# How far back a goal's history reaches: the periods that started in the last year
# (52 weeks, 12 months or 4 quarters) before the current one.
HISTORY = relativedelta(years=1)


def period_start(day: date, length: str) -> date:
    """The first day of the period of `length` that `day` lies in.

    Week: the Monday on or before `day`. Month: the 1st. Quarter: 1 Jan, 1 Apr,
    1 Jul or 1 Oct.
    """
    # Compared as strings (a PeriodLength is one): a year of days is thousands of calls.
    if length == PeriodLength.WEEK:
        return day - timedelta(days=day.weekday())
    if length == PeriodLength.MONTH:
        return day.replace(day=1)
    if length == PeriodLength.QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ValueError(f"{length!r} is not a period length")


def next_period_start(start: date, length: str) -> date:
    """The first day of the period after the one that starts on (or contains) `start`."""
    return period_start(start, length) + _STEP[PeriodLength(length)]


def period_end(start: date, length: str) -> date:
    """The last day (inclusive) of the period that contains `start`."""
    return next_period_start(start, length) - timedelta(days=1)


def periods_between(first: date, last: date, length: str) -> list[date]:
    """The first days of every period from the one containing `first` to the one
    containing `last`, oldest first (empty when `last` is before `first`)."""
    if last < first:
        return []
    starts = []
    start = period_start(first, length)
    while start <= last:
        starts.append(start)
        start = next_period_start(start, length)
    return starts


def history_first_day(*, today: date, created_on: date, length: str) -> date:
    """The first day of the oldest period a goal's history shows: the period of the
    day the goal was created, or the one a year before the current one if older; the
    current one for a goal dated after today (a restored backup, another time zone)."""
    current = period_start(today, length)
    return min(current, max(period_start(created_on, length), period_start(current - HISTORY, length)))


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The user's local date of an aware timestamp (23:30 in Paris on 31 Jan is 31 Jan,
    though it is 22:30 UTC the same day, and 00:30 on 1 Feb in Paris is 1 Feb)."""
    return moment.astimezone(zone).date()


def period_label(start: date, length: str) -> str:
    """ "Week of 3 Nov 2026", "November 2026", "Q4 2026"."""
    length = PeriodLength(length)
    if length is PeriodLength.WEEK:
        return f"Week of {start.day} {start:%b %Y}"
    if length is PeriodLength.MONTH:
        return f"{start:%B %Y}"
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


@cache
def dormant_cutoff(day: date, dormant_months: int) -> date:
    """The last day a contact's previous interaction may fall on for a talk on `day` to be
    a reconnect: `dormant_months` calendar months before (31 Mar − 1 month is 28/29 Feb).

    The same cut-off as the reconnect list's dormant rule (contacts.selectors.dormant_q:
    last interaction on or before today − dormant_months), taken on the day of the talk,
    so "reconnected" means "talked to someone who was on the reconnect list that day".
    Cached: a year of reconnects asks about a few hundred days, thousands of times.
    """
    return day - relativedelta(months=dormant_months)


def is_reconnect(*, day: date, previous_on: date | None, added_on: date, dormant_months: int) -> bool:
    """Whether a talk on `day` with a contact was a reconnect.

    `previous_on`: the contact's last interaction before `day` (None: never), `added_on`:
    the local day the contact was added. As in dormant_q, a contact never talked to is
    dormant once it was added `dormant_months` ago (an old import's first coffee is a
    reconnect; meeting someone new is not).
    """
    last_seen = previous_on if previous_on is not None else added_on
    return last_seen <= dormant_cutoff(day, dormant_months)


class Outcome(StrEnum):
    MET = "met"
    MISSED = "missed"
    # A per-event goal in a period with no event: nothing was asked, nothing missed.
    NO_EVENT = "no_event"
    # The current period, target not reached yet: still open.
    OPEN = "open"


@dataclass(frozen=True)
class PeriodResult:
    start: date
    end: date  # inclusive
    count: int
    target: int  # the period's target (per event: the target times the events)
    events: int | None  # per-event goals: the events of the period
    outcome: Outcome
    current: bool

    @property
    def start_text(self) -> str:
        return day_text(self.start)

    @property
    def span_text(self) -> str:
        """ "3 Nov 2026–9 Nov 2026": a history cell's title (made here, not by the
        template's date filter: a year of weekly cells is hundreds of them)."""
        return f"{day_text(self.start)}–{day_text(self.end)}"


def day_text(day: date) -> str:
    """ "3 Nov 2026" (the template filter's 'j M Y')."""
    return f"{day.day} {day:%b %Y}"


def period_target(*, target: int, per_event: bool, events: int) -> int:
    """The target of one period: `target`, or `target` per event for a per-event goal."""
    return target * events if per_event else target


def period_outcome(*, count: int, target: int, per_event: bool, events: int, current: bool) -> Outcome:
    """Met when the count reaches the period's target; the current period is open until
    then (it can still be met); a per-event goal with no event in the period is neither
    met nor missed."""
    if per_event and events == 0:
        return Outcome.NO_EVENT
    if count >= period_target(target=target, per_event=per_event, events=events):
        return Outcome.MET
    return Outcome.OPEN if current else Outcome.MISSED


def streak(results: Sequence[PeriodResult]) -> int:
    """The current streak: met periods in a row, counted back from the newest.

    The current period adds one once met and breaks nothing while open; a period with
    no event is skipped (it neither adds nor breaks); the first missed period ends it.
    `results` are oldest first.
    """
    count = 0
    for result in reversed(results):
        if result.outcome is Outcome.MET:
            count += 1
        elif result.outcome is Outcome.MISSED:
            break
    return count


def period_results(
    *,
    length: str,
    first_day: date,
    today: date,
    target: int,
    per_event: bool,
    counts: dict[date, int],
    events: dict[date, int] | None = None,
) -> list[PeriodResult]:
    """Each period from the one containing `first_day` to the current one, oldest first.

    `counts` (and `events`, for per-event goals) map a local day to what happened on it;
    days outside the periods are ignored.
    """
    counts_by_period = by_period(counts, length)
    events_by_period = by_period(events or {}, length)
    current_start = period_start(today, length)
    results = []
    for start in periods_between(first_day, today, length):
        end = period_end(start, length)
        count = counts_by_period.get(start, 0)
        n_events = events_by_period.get(start, 0) if per_event else 0
        current = start == current_start
        results.append(
            PeriodResult(
                start=start,
                end=end,
                count=count,
                target=period_target(target=target, per_event=per_event, events=n_events),
                events=n_events if per_event else None,
                outcome=period_outcome(
                    count=count, target=target, per_event=per_event, events=n_events, current=current
                ),
                current=current,
            )
        )
    return results


def by_period(by_day: dict[date, int], length: str) -> dict[date, int]:
    """{period start: total} of {day: n}."""
    totals: dict[date, int] = {}
    for day, n in by_day.items():
        start = period_start(day, length)
        totals[start] = totals.get(start, 0) + n
    return totals


def add_by_day(pairs: Iterable[tuple[date, int]]) -> dict[date, int]:
    """{day: total} of (day, n) pairs (a day may repeat: rows grouped by day and kind)."""
    totals: dict[date, int] = {}
    for day, n in pairs:
        totals[day] = totals.get(day, 0) + n
    return totals
