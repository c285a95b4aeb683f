"""Read side of goals: each goal's count in the current period and its history (met /
missed, the streak), computed from the interactions and contacts on every read.

What each measure counts (the README's "Goals" says the same in words):
- interactions of a kind: the owner's interactions of that kind dated in the period
  (one interaction with three people is one coffee). Events are the exception: the
  "met at an event" form logs one event interaction per person met, so an event is a
  day with at least one event interaction.
- new people met: contacts the owner added in the period (the local day of
  `created_at`), whether typed in, met at an event or found by a calendar; not those a
  file import created (contacts.duplicates.created_by_import: `first_check_in_on` set),
  which are people met long ago.
- new people met at events: added contacts (as above) whose first interaction is an
  event, counted in the period of that event; added at most a month before it (someone
  in the network for years is not new).
- reconnects: talks with a contact who was dormant that day by the reconnect list's
  rule (goals.rules.is_reconnect, after contacts.selectors.dormant_q): one per contact
  and day.
Interactions dated after today are not counted yet. Archived contacts count: archiving
someone later does not rewrite what happened.

Cost: one query for the goals, then one per measure in use, whatever the number of
goals, periods or interactions: interactions and new people aggregate by
day in the database over the oldest history any of their goals shows; first meetings
and reconnects read the few rows the contacts' denormalised first interaction and
stored silences (contacts.gaps) give; goals.rules sums the days into periods.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from contacts.models import Contact, Interaction, InteractionGap, InteractionKind
from crm.models import profile_zone

from . import rules
from .models import Goal, Measure

# The progress bar's width classes in static/css/app.css (kw-goal-w-0 … kw-goal-w-100):
# the CSP forbids style="" attributes.
BAR_STEP = 5
# A contact added up to this long before the event it is first met at still counts as
# new there (the attendee list typed in beforehand).
NEW_AT_EVENT_LEAD = timedelta(days=31)


@dataclass(frozen=True)
class GoalProgress:
    goal: Goal
    current: rules.PeriodResult
    history: list[rules.PeriodResult]  # the closed periods shown, oldest first
    streak: int
    # Every period of the history was met and the goal is older than the history:
    # the streak is at least `streak` (shown as "12+").
    streak_open_ended: bool

    @property
    def percent(self) -> int:
        target = self.current.target
        if target <= 0:
            return 0
        return min(100, round(100 * self.current.count / target))

    @property
    def bar_width(self) -> int:
        """The percentage rounded down to the bar's step (a bar is full only when met)."""
        return self.percent // BAR_STEP * BAR_STEP

    @property
    def period_label(self) -> str:
        return rules.period_label(self.current.start, self.goal.period)

    @property
    def met_count(self) -> int:
        return sum(1 for r in self.history if r.outcome is rules.Outcome.MET)

    @property
    def judged_count(self) -> int:
        return sum(1 for r in self.history if r.outcome in (rules.Outcome.MET, rules.Outcome.MISSED))


def goal_list(*, owner: User) -> list[Goal]:
    """All the owner's goals, active first."""
    return list(Goal.objects.filter(owner=owner).order_by("archived", "id"))


def goal_get_for_user(*, owner: User, pk: int) -> Goal:
    """The owner's goal or Http404 (another user's goal does not exist for them)."""
    return get_object_or_404(Goal, owner=owner, pk=pk)


def goal_progress_list(*, owner: User, today: date, history: bool = True) -> list[GoalProgress]:
    """The owner's active goals with their progress, in the order they were set.

    `today` is the owner's local date. Without `history` (the dashboard), only the
    current periods are read, which is cheaper: the streak is then 0 and not shown.
    """
    goals = list(Goal.objects.filter(owner=owner, archived=False).order_by("id"))
    if not goals:
        return []
    firsts = {
        goal.pk: (
            rules.history_first_day(today=today, created_on=goal.created_on, length=goal.period)
            if history
            else rules.period_start(today, goal.period)
        )
        for goal in goals
    }
    tallies = _Tallies(owner=owner, goals=goals, firsts=firsts, today=today)
    progress = []
    for goal in goals:
        counts, events = tallies.for_goal(goal)
        results = rules.period_results(
            length=goal.period,
            first_day=firsts[goal.pk],
            today=today,
            target=goal.target,
            per_event=goal.per_event,
            counts=counts,
            events=events,
        )
        older = rules.period_start(goal.created_on, goal.period) < firsts[goal.pk]
        past = results[:-1]
        streak = rules.streak(results) if history else 0
        progress.append(
            GoalProgress(
                goal=goal,
                current=results[-1],
                history=past,
                streak=streak,
                streak_open_ended=history
                and older
                and all(r.outcome is not rules.Outcome.MISSED for r in past)
                and streak > 0,
            )
        )
    return progress


class _Tallies:
    """{local day: count} of each measure the goals use, one query per measure, from the
    oldest first day any goal of that measure needs up to `today`."""

    def __init__(self, *, owner: User, goals: list[Goal], firsts: dict[int, date], today: date) -> None:
        self.owner = owner
        self.today = today
        self.zone = profile_zone(owner.profile.timezone)
        self.lengths = {goal.measure: set() for goal in goals}
        for goal in goals:
            self.lengths[goal.measure].add(goal.period)

        def since(wanted) -> date | None:
            days = [firsts[g.pk] for g in goals if wanted(g)]
            return min(days) if days else None

        kinds = {g.kind for g in goals if g.measure == Measure.INTERACTIONS}
        if any(g.per_event for g in goals):
            kinds.add(InteractionKind.EVENT)
        kinds_since = since(lambda g: g.measure == Measure.INTERACTIONS or g.per_event)
        self.by_kind = self._interactions(kinds, kinds_since) if kinds else {}
        self.by_measure: dict[str, dict[date, int]] = {}
        for measure, read in (
            (Measure.NEW_CONTACTS, self._new_contacts),
            (Measure.EVENT_NEWCOMERS, self._event_newcomers),
            (Measure.RECONNECTS, self._reconnects),
        ):
            first = since(lambda g, m=measure: g.measure == m)
            if first is not None:
                self.by_measure[measure] = read(first)

    def for_goal(self, goal: Goal) -> tuple[dict[date, int], dict[date, int]]:
        """(counts by day, events by day) of one goal."""
        events = self.by_kind.get(InteractionKind.EVENT, {}) if goal.per_event else {}
        if goal.measure == Measure.INTERACTIONS:
            return self.by_kind.get(goal.kind, {}), events
        return self.by_measure.get(goal.measure, {}), events

    def _local_midnight(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=self.zone)

    def _interactions(self, kinds: set[str], since: date) -> dict[str, dict[date, int]]:
        rows = (
            Interaction.objects.filter(
                owner=self.owner, kind__in=sorted(kinds), occurred_on__gte=since, occurred_on__lte=self.today
            )
            .values_list("kind", "occurred_on")
            .annotate(n=Count("*"))
            .order_by()
        )
        found: dict[str, dict[date, int]] = {kind: {} for kind in kinds}
        for kind, day, n in rows:
            # An event is a day with event interactions (the met form logs one per person).
            found[kind][day] = 1 if kind == InteractionKind.EVENT else n
        return found

    def _added(self, since: date):
        """The contacts the owner added (not a file import's) from the local day `since`."""
        return Contact.objects.filter(
            owner=self.owner, created_at__gte=self._local_midnight(since), first_check_in_on__isnull=True
        )

    def _new_contacts(self, since: date) -> dict[date, int]:
        """Contacts added in each period of the goals that count them, keyed by the
        period's first day (goals.rules sums days into periods: a count on a period's
        first day is that period's). One conditional COUNT per period between local
        midnights, as the (owner, created_at) index reads the contacts: no conversion
        of each row's timestamp to a local day (a Python function per row on SQLite)."""
        starts = sorted(
            {
                start
                for length in self.lengths[Measure.NEW_CONTACTS]
                for start in rules.periods_between(since, self.today, length)
            }
        )
        bounds = [self._local_midnight(day) for day in [*starts, self.today + timedelta(days=1)]]
        counts = (
            self._added(starts[0])
            .filter(created_at__lt=bounds[-1])
            .aggregate(
                **{
                    f"p{n}": Count("id", filter=Q(created_at__gte=bounds[n], created_at__lt=bounds[n + 1]))
                    for n in range(len(starts))
                }
            )
        )
        return {day: counts[f"p{n}"] for n, day in enumerate(starts) if counts[f"p{n}"]}

    def _event_newcomers(self, since: date) -> dict[date, int]:
        """New people met at events by event day: added contacts whose first interaction
        day holds an event (`Contact.met_at_event_on`, kept with the first interaction)
        in the period, added no earlier than NEW_AT_EVENT_LEAD before it (an attendee
        list typed in the week before counts; someone added years ago is not new). The
        few such contacts are read through their partial index."""
        rows = self._added(since - NEW_AT_EVENT_LEAD).filter(
            met_at_event_on__gte=since, met_at_event_on__lte=self.today
        )
        return rules.add_by_day(
            (day, 1)
            for day, added_at in rows.values_list("met_at_event_on", "created_at").order_by()
            if rules.local_day(added_at, self.zone) >= day - NEW_AT_EVENT_LEAD
        )

    def _reconnects(self, since: date) -> dict[date, int]:
        """Reconnects by day, one per contact and day: the period's talks after a silence
        that can be one (contacts.gaps stores every silence of at least 28 × the shortest
        dormant setting, less a day), those of at least 28 × the owner's months less a day
        read through their index, each decided by goals.rules.is_reconnect in calendar
        months and the owner's local days. A few rows, whatever the length of the history."""
        months = self.owner.profile.dormant_months
        rows = (
            InteractionGap.objects.filter(
                owner=self.owner, day__gte=since, day__lte=self.today, silence_days__gte=28 * months - 1
            )
            .values_list("day", "previous_on", "added_at")
            .order_by()
        )
        return rules.add_by_day(
            (day, 1)
            for day, previous_on, added_at in rows
            if rules.is_reconnect(
                day=day,
                previous_on=previous_on,
                # Only a first talk has (and needs) the time the contact was added.
                added_on=rules.local_day(added_at, self.zone) if previous_on is None else previous_on,
                dormant_months=months,
            )
        )
