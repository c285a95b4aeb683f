"""Reminder-side effects of contact and interaction changes, and the generation job.

Interface used by contacts/ (views, services, imports): `contacts_schedule_refresh`,
`interaction_recorded`, `contact_role_changed`. The job is `reminders_generate`;
the reminders page calls `reminder_done`, `reminder_snooze` and `reminder_dismiss`
(closing a reminder *and* logging an interaction is contacts.services'
`reminder_done_and_log`: contacts sit on top of this engine, never under it).

Exactly once comes from the database: Reminder is unique on (contact, kind, due_on)
and rows are inserted with `INSERT … ON CONFLICT DO NOTHING`, so a second run, a
concurrent run or a re-run after a crash half-way adds nothing twice; a user's
`Profile.reminders_run_on` moves only after their reminders are committed, so a
crashed run is redone, never skipped. State changes on a reminder are conditional
UPDATEs (`… WHERE status IN (open, snoozed)`), so two clicks close it once.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q
from django.utils import timezone

from contacts import gaps
from contacts.models import CONNECTED_SUMMARY, Contact, Exchange, Interaction, InteractionKind, RoleHistory
from crm.models import JobRun, Profile, company_key, new_calendar_token, past_company_keys, profile_zone

from . import focus, ranking, rules, warmth
from .inserting import NewReminder, reminders_insert
from .models import Reminder, ReminderKind, ReminderStatus
from .pending import Due, due_pending, pending_due, pending_follow, pending_settle
from .windows import STARTED_MD, day_window, month_day_terms, started_md_terms

log = logging.getLogger(__name__)

JOB_NAME = "generate_reminders"
# Contacts handled per round of queries: bounds memory whatever the account size.
CHUNK_SIZE = 2000
# Users per Celery batch task (the fan-out unit).
USER_BATCH_SIZE = 200
# Contacts whose warmth and rank the beat's sweep recomputes per run (every 10 minutes:
# 2.9 million a day), so a run stays a few seconds whatever the deployment's size.
SCORES_PER_SWEEP = 20_000

OPEN_STATES = (ReminderStatus.OPEN, ReminderStatus.SNOOZED)
CLOSED_STATES = (ReminderStatus.DONE, ReminderStatus.DISMISSED)
Through = Interaction.contacts.through

_CONTACT_FIELDS = (
    "id",
    "owner_id",
    "created_at",
    "tie_strength",
    "checkin_cadence_months",
    "archived",
    "birthday_month",
    "birthday_day",
    "birthday_year",
    "started_on",
    "company",
    "title",
    "introduced_by_id",
    "last_interaction_on",
    "next_check_in",
    "first_check_in_on",
    "warmth",
    "warmth_why",
    "reconnect_score",
    "reconnect_why",
    "last_talked_on",
    "scores_on",
    "first_interaction_on",
    "met_at_event_on",
)
# The denormalised columns the schedule writes, in `Schedule`'s order.
SCHEDULE_COLUMNS = (
    "last_interaction_on",
    "next_check_in",
    "warmth",
    "warmth_why",
    "reconnect_score",
    "reconnect_why",
    "last_talked_on",
    "scores_on",
    "first_interaction_on",
    "met_at_event_on",
)


@dataclass(frozen=True)
class OwnerClock:
    """What the rules need to know about one user for one run."""

    user_id: int
    tz: ZoneInfo
    today: date
    last_run_on: date | None
    strong_cadence: int
    weak_cadence: int
    companies: dict[str, str] = field(default_factory=dict)  # past_company_keys of the profile

    def default_cadence(self, tie_strength: str) -> int:
        return rules.default_cadence(tie_strength, strong=self.strong_cadence, weak=self.weak_cadence)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()


def _owner_clocks(user_ids: Iterable[int], *, today: date | None, now: datetime) -> dict[int, OwnerClock]:
    rows = Profile.objects.filter(user_id__in=list(user_ids)).values_list(
        "user_id",
        "timezone",
        "reminders_run_on",
        "strong_cadence_months",
        "weak_cadence_months",
        "past_companies",
    )
    clocks = {}
    for user_id, tz_name, run_on, strong, weak, companies in rows:
        tz = profile_zone(tz_name)
        local_today = today if today is not None else timezone.localtime(now, tz).date()
        clocks[user_id] = OwnerClock(
            user_id, tz, local_today, run_on, strong, weak, past_company_keys(companies) if companies else {}
        )
    return clocks


def _closing_moment(*, today: date, tz: ZoneInfo, now: datetime | None) -> datetime:
    """The `completed_at` of something closed on the user's local `today`.

    Normally `now`; when the caller's `today` is another day (a back-dated call, a
    simulation), noon of that day, so the closing date the check-in rule reads
    back is `today` in the user's zone.
    """
    now = now or timezone.now()
    if timezone.localtime(now, tz).date() == today:
        return now
    return datetime.combine(today, time(12), tzinfo=tz)


# --- schedule: last_interaction_on and next_check_in ---------------------------


@dataclass(frozen=True)
class ContactFacts:
    """What one contact's schedule, warmth and reconnect rank are computed from."""

    last_interaction_on: date | None = None
    first_interaction_on: date | None = None
    interactions_12m: int = 0
    interactions_24m: int = 0
    conversations: int = 0  # interactions, a LinkedIn "connected on" aside
    gave: int = 0
    asked: int = 0
    mutual: int = 0
    they_helped_on: date | None = None
    last_closed_at: datetime | None = None
    tag_cadences: tuple[int, ...] = ()
    introducer: str = ""
    role_companies: tuple[str, ...] = ()
    last_talked_on: date | None = None  # the last conversation (a "connected on" aside)
    met_at_event_on: date | None = None  # the first interaction's day when it holds an event


NO_FACTS = ContactFacts()


class Schedule(NamedTuple):
    """The denormalised columns of one contact (`SCHEDULE_COLUMNS`)."""

    last_interaction_on: date | None
    next_check_in: date | None
    warmth: int
    warmth_why: str
    reconnect_score: int
    reconnect_why: str
    last_talked_on: date | None
    # The local day warmth and rank were computed for (None: the importer's first schedule).
    scores_on: date | None = None
    first_interaction_on: date | None = None
    met_at_event_on: date | None = None


def _ids_q(field: str, ids: list[int]) -> Q:
    """`field` among the sorted `ids`: as a range when they are dense (a keyset chunk),
    which keeps the SQL small and index-friendly; rows of other contacts inside the
    range only cost a little reading, as callers look results up by contact id."""
    lo, hi = ids[0], ids[-1]
    if hi - lo < 4 * len(ids):
        return Q(**{f"{field}__gte": lo, f"{field}__lte": hi})
    return Q(**{f"{field}__in": ids})


def facts_window(today: date) -> tuple[date, date]:
    """The first days of the 12- and 24-month windows the warmth counts interactions in."""
    return today - rules._years(1), today - rules._years(2)


def _chunk_facts(rows: list[dict], clocks: dict[int, "OwnerClock"]) -> dict[int, ContactFacts]:
    """A few aggregate queries for a chunk of contacts (never one per contact).

    The 12/24-month windows are counted from the latest `today` among the chunk's
    owners (their zones differ by a day at most).
    """
    contact_ids = sorted(row["id"] for row in rows)
    in_chunk = _ids_q("contact_id", contact_ids)
    since_12, since_24 = facts_window(max(clock.today for clock in clocks.values()))
    occurred = "interaction__occurred_on"
    exchange = "interaction__exchange"
    stats = {
        contact_id: rest
        for contact_id, *rest in Through.objects.filter(in_chunk)
        .values("contact_id")
        .annotate(
            last=Max(occurred),
            first=Min(occurred),
            first_event=Min(occurred, filter=Q(interaction__kind=InteractionKind.EVENT)),
            n12=Count("id", filter=Q(**{f"{occurred}__gte": since_12})),
            n24=Count("id", filter=Q(**{f"{occurred}__gte": since_24})),
            connected=Count("id", filter=Q(interaction__summary=CONNECTED_SUMMARY)),
            talked=Max(occurred, filter=~Q(interaction__summary=CONNECTED_SUMMARY)),
            total=Count("id"),
            gave=Count("id", filter=Q(**{exchange: Exchange.GAVE})),
            asked=Count("id", filter=Q(**{exchange: Exchange.ASKED})),
            mutual=Count("id", filter=Q(**{exchange: Exchange.MUTUAL})),
            helped=Max(occurred, filter=Q(**{f"{exchange}__in": (Exchange.ASKED, Exchange.MUTUAL)})),
        )
        .values_list(
            "contact_id",
            "last",
            "first",
            "first_event",
            "n12",
            "n24",
            "connected",
            "talked",
            "total",
            "gave",
            "asked",
            "mutual",
            "helped",
        )
    }
    last_closed_at = _last_closed_at(in_chunk)
    tag_cadences = focus.tag_cadences_where(in_chunk)
    introducer_ids = {row["introduced_by_id"] for row in rows if row["introduced_by_id"]}
    introducers = (
        {
            pk: f"{first} {last}".strip()
            for pk, first, last in Contact.objects.filter(pk__in=introducer_ids).values_list(
                "pk", "first_name", "last_name"
            )
        }
        if introducer_ids
        else {}
    )
    role_companies: dict[int, list[str]] = defaultdict(list)
    if any(clock.companies for clock in clocks.values()):
        for contact_id, company in (
            RoleHistory.objects.filter(in_chunk).exclude(company="").values_list("contact_id", "company")
        ):
            role_companies[contact_id].append(company)
    facts = {}
    for row in rows:
        pk = row["id"]
        stat = stats.get(pk)
        tags = tag_cadences.get(pk, ())
        closed = last_closed_at.get(pk)
        introducer = introducers.get(row["introduced_by_id"], "") if row["introduced_by_id"] else ""
        roles = role_companies.get(pk, ())
        if stat is None and not tags and closed is None and not introducer and not roles:
            facts[pk] = NO_FACTS
            continue
        if stat is None:
            facts[pk] = ContactFacts(
                last_closed_at=closed,
                tag_cadences=tuple(tags),
                introducer=introducer,
                role_companies=tuple(roles),
            )
            continue
        last, first, first_event, n12, n24, connected, talked, total, gave, asked, mutual, helped = stat
        facts[pk] = ContactFacts(
            last,
            first,
            n12,
            n24,
            total - connected,
            gave,
            asked,
            mutual,
            helped,
            closed,
            tuple(tags),
            introducer,
            tuple(roles),
            talked,
            first if first_event == first else None,
        )
    return facts


def _last_closed_at(in_chunk: Q) -> dict[int, datetime]:
    return dict(
        Reminder.objects.filter(
            in_chunk,
            kind=ReminderKind.CHECK_IN,
            status__in=CLOSED_STATES,
            completed_at__isnull=False,
        )
        .values("contact_id")
        .annotate(last=Max("completed_at"))
        .values_list("contact_id", "last")
    )


def shared_company(row: dict, clock: "OwnerClock", facts: ContactFacts) -> str:
    """The first of the contact's companies (current, then past) that the user worked at too."""
    if not clock.companies:
        return ""
    for company in (row["company"], *facts.role_companies):
        if company and company_key(company) in clock.companies:
            return company
    return ""


def contact_cadence(row: dict, clock: "OwnerClock", facts: ContactFacts) -> int:
    """The contact's effective check-in cadence (its own, its tags', the profile's default)."""
    return rules.cadence_months(
        contact_cadence=row["checkin_cadence_months"],
        tag_cadences=facts.tag_cadences,
        default=clock.default_cadence(row["tie_strength"]),
    )


def contact_check_in(
    row: dict, clock: "OwnerClock", facts: ContactFacts, created_on: date, cadence: int
) -> date | None:
    """The contact's next check-in (None: archived, or never)."""
    if row["archived"]:
        return None
    closed_at = facts.last_closed_at
    return rules.check_in_due(
        created_on=created_on,
        last_interaction_on=facts.last_interaction_on,
        last_closed_on=clock.local_date(closed_at) if closed_at else None,
        cadence=cadence,
        staggered_on=row.get("first_check_in_on"),
    )


def contact_warmth(facts: ContactFacts, *, cadence: int, created_on: date, today: date) -> warmth.Warmth:
    first = facts.first_interaction_on
    return warmth.warmth(
        warmth.WarmthFacts(
            last_interaction_on=facts.last_interaction_on,
            cadence_months=cadence,
            interactions_12m=facts.interactions_12m,
            interactions_24m=facts.interactions_24m,
            known_since=min(created_on, first) if first else created_on,
            gave=facts.gave,
            asked=facts.asked,
            mutual=facts.mutual,
            conversations=facts.conversations,
        ),
        today,
    )


def contact_reconnect(row: dict, clock: "OwnerClock", facts: ContactFacts) -> ranking.Reconnect:
    return ranking.reconnect_score(
        ranking.ReconnectFacts(
            conversations=facts.conversations,
            last_interaction_on=facts.last_interaction_on,
            introducer=facts.introducer,
            shared_company=shared_company(row, clock, facts),
            they_helped_on=facts.they_helped_on,
            you_gave=facts.gave,
            was_strong=row["tie_strength"] == "strong",
            title=row["title"],
        ),
        clock.today,
    )


def contact_schedule(row: dict, clock: "OwnerClock", facts: ContactFacts, created_on: date) -> Schedule:
    """One contact's next check-in, warmth and reconnect rank on the clock's today
    (`contact_cadence`, `contact_check_in`, `contact_warmth`, `contact_reconnect`).

    Raises ValueError/OverflowError for a date the rules cannot compute with.
    """
    cadence = contact_cadence(row, clock, facts)
    due = contact_check_in(row, clock, facts, created_on, cadence)
    last = facts.last_interaction_on
    heat = contact_warmth(facts, cadence=cadence, created_on=created_on, today=clock.today)
    revive = contact_reconnect(row, clock, facts)
    return Schedule(
        last,
        due,
        heat.score,
        heat.why[:255],
        revive.score,
        revive.why[:255],
        facts.last_talked_on,
        clock.today,
        facts.first_interaction_on,
        facts.met_at_event_on,
    )


def _row_schedule(row: dict) -> Schedule:
    return Schedule(*(row[name] for name in SCHEDULE_COLUMNS))


def _contact_chunks(ids: Iterable[int], result: "RunResult | None" = None) -> Iterator[list[dict]]:
    """These contacts as lists of value dicts, CHUNK_SIZE at a time, by id (`_rows_for`).
    Callers read the ids first, through their query's own indexes and in no order (ordered
    by id with a LIMIT, SQLite walks the whole table in id order rather than sort a few rows).

    A row the driver cannot even read (an impossible date stored as text in
    SQLite) would fail its whole chunk: that chunk is then read row by row, and
    the unreadable row is logged and skipped.
    """
    ids = sorted(ids)
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[start : start + CHUNK_SIZE]
        try:
            rows = _rows_for(chunk)
        except ValueError:
            rows = _rows_one_by_one(chunk, result)
        if rows:
            yield rows


def _rows_one_by_one(ids: list[int], result: "RunResult | None") -> list[dict]:
    """These contacts' rows read one by one: a row the driver cannot read is logged and skipped."""
    rows = []
    for pk in ids:
        try:
            rows.extend(Contact.objects.filter(pk=pk).values(*_CONTACT_FIELDS))
        except ValueError as exc:
            if result is not None:
                result.skipped_rows += 1
            log.error("generate_reminders: skipping unreadable contact %s: %s", pk, exc)
    return rows


def _write_schedule(changed: list[tuple[Schedule, int]]) -> None:
    """Write (Schedule, id) rows with one executemany.

    Django's bulk_update builds a CASE expression per row, which costs seconds for
    100k rows; a parameterised UPDATE sent as one batch is the same statement the
    database would plan once. Only the denormalised columns are touched.
    """
    if not changed:
        return
    table = connection.ops.quote_name(Contact._meta.db_table)
    adapt = connection.ops.adapt_datefield_value
    assignments = ", ".join(f"{name} = %s" for name in SCHEDULE_COLUMNS)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE id = %s",
            [tuple(adapt(v) if isinstance(v, date) else v for v in s) + (pk,) for s, pk in changed],
        )


def _rows_for(ids: list[int]) -> list[dict]:
    """The value rows of these (sorted) contacts; a dense id list is read as a range."""
    rows = Contact.objects.filter(_ids_q("pk", ids)).order_by("pk").values(*_CONTACT_FIELDS)
    if ids[-1] - ids[0] < 4 * len(ids):
        wanted = set(ids)
        return [row for row in rows if row["id"] in wanted]
    return list(rows)


def contacts_schedule_refresh(
    *, contact_ids: Iterable[int], now: datetime | None = None, silences: bool = True
) -> None:
    """Recompute the schedule columns (`SCHEDULE_COLUMNS`: last interaction, next check-in,
    warmth, reconnect rank) of these contacts, and their stored silences (contacts.gaps).

    Call after creating, editing or deleting interactions, after a contact's tie
    strength, cadence or tags change, and after bulk imports. Set-based: per chunk
    of CHUNK_SIZE contacts one read, a few aggregates and a bulk update of the rows
    that changed. `silences=False` when neither the interactions nor the creation
    times can have changed (a user's cadence defaults): the silences' read is skipped.
    """
    ids = sorted(set(contact_ids))
    now = now or timezone.now()
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk_ids = ids[start : start + CHUNK_SIZE]
        rows = _rows_for(chunk_ids)
        if not rows:
            continue
        clocks = _owner_clocks({row["owner_id"] for row in rows}, today=None, now=now)
        rows = [row for row in rows if row["owner_id"] in clocks]
        if not rows:
            continue
        _refresh_rows(rows, clocks)
        if silences:
            gaps.gaps_refresh(
                {row["id"]: (row["owner_id"], row["created_at"]) for row in rows},
                where=_ids_q("contact_id", chunk_ids),
            )


def _refresh_rows(rows: list[dict], clocks: dict[int, OwnerClock]) -> None:
    """Recompute and write the schedule columns of these rows (one chunk) on their owners' clocks."""
    facts = _chunk_facts(rows, clocks)
    changed = []
    moved = []  # a new or moved check-in date is pending for the job; an unchanged one keeps its state
    for row in rows:
        clock = clocks[row["owner_id"]]
        try:
            schedule = contact_schedule(row, clock, facts[row["id"]], clock.local_date(row["created_at"]))
        except (ValueError, OverflowError, TypeError) as exc:
            log.warning("contact %s: cannot compute its schedule: %s", row["id"], exc)
            continue
        if schedule != _row_schedule(row):
            changed.append((schedule, row["id"]))
            if schedule.next_check_in != row["next_check_in"]:
                moved.append(row["id"])
    with transaction.atomic():  # one commit per chunk, not one per row (SQLite autocommit)
        _write_schedule(changed)
        pending_follow(moved)


def scores_refresh(
    *,
    user_ids: Iterable[int] | None = None,
    today: date | None = None,
    now: datetime | None = None,
    limit: int | None = None,
) -> int:
    """Recompute the schedule of contacts whose warmth and rank are from an earlier local day.

    Warmth and the reconnect rank decay by the day; every change to a contact refreshes
    them at once, so what goes stale is only the passing of time. This finds the stale
    ones through the (owner, scores_on) index, at most `limit` of them (the beat's
    sweep: bounded work per run), and refreshes them in chunks; returns how many.
    `today` stands for every user's today, as in `reminders_generate`.
    """
    now = now or timezone.now()
    done = 0
    for batch in user_id_batches(user_ids=user_ids):
        clocks = _owner_clocks(batch, today=today, now=now)
        by_today: dict[date, list[int]] = defaultdict(list)
        for clock in clocks.values():
            by_today[clock.today].append(clock.user_id)
        for local_today, owners in by_today.items():
            while limit is None or done < limit:
                take = CHUNK_SIZE if limit is None else min(CHUNK_SIZE, limit - done)
                ids = sorted(
                    Contact.objects.filter(owner_id__in=owners)
                    .filter(Q(scores_on__lt=local_today) | Q(scores_on__isnull=True))
                    .values_list("pk", flat=True)[:take]
                )
                if not ids:
                    break
                rows = _rows_for(ids)
                _refresh_rows(rows, clocks)
                # A row the rules cannot compute with keeps its date: mark it seen today.
                Contact.objects.filter(pk__in=ids).filter(
                    Q(scores_on__lt=local_today) | Q(scores_on__isnull=True)
                ).update(scores_on=local_today)
                done += len(ids)
        if limit is not None and done >= limit:
            break
    return done


def owner_schedule_refresh(*, owner_id: int) -> None:
    """Refresh every contact of one user (after their cadence defaults or past companies changed)."""
    contacts_schedule_refresh(
        contact_ids=Contact.objects.filter(owner_id=owner_id).values_list("pk", flat=True), silences=False
    )


# --- the generation job --------------------------------------------------------


@dataclass
class RunResult:
    created: int = 0
    users: int = 0
    skipped_rows: int = 0

    @property
    def summary(self) -> str:
        return f"created={self.created} users={self.users} skipped_rows={self.skipped_rows}"


def _raise_events(row: dict, clock: OwnerClock, created_on: date) -> list[NewReminder]:
    """Birthdays and work anniversaries due in the run's window (rule 5)."""
    after, until = rules.event_window(last_run_on=clock.last_run_on, today=clock.today, created_on=created_on)
    if after >= until:
        return []
    found = []
    if row["birthday_month"] is not None and row["birthday_day"] is not None:
        for due, age in rules.birthday_occurrences(
            month=row["birthday_month"],
            day=row["birthday_day"],
            year=row["birthday_year"],
            after=after,
            until=until,
        ):
            found.append(
                NewReminder(
                    clock.user_id, row["id"], ReminderKind.BIRTHDAY.value, due, rules.why_birthday(age=age)
                )
            )
    if row["started_on"] is not None:
        for due, years in rules.anniversary_occurrences(
            started_on=row["started_on"], after=after, until=until
        ):
            why = rules.why_anniversary(years=years, company=row["company"])
            found.append(NewReminder(clock.user_id, row["id"], ReminderKind.WORK_ANNIVERSARY.value, due, why))
    return found


def follow_ups_due(clocks: dict[int, OwnerClock]):
    """The (contact, interaction) links whose follow-up date has come and was never raised,
    as values rows: one query, on the partial (owner, follow_up_on) index of interactions."""
    latest_today = max(clock.today for clock in clocks.values())
    already = Reminder.objects.filter(
        contact_id=OuterRef("contact_id"),
        kind=ReminderKind.FOLLOW_UP,
        due_on=OuterRef("interaction__follow_up_on"),
    )
    return (
        Through.objects.filter(
            interaction__owner_id__in=list(clocks),
            interaction__follow_up_on__lte=latest_today,
            contact__archived=False,
        )
        .exclude(Exists(already))
        .values_list(
            "contact_id",
            "interaction__owner_id",
            "interaction_id",
            "interaction__follow_up_on",
            "interaction__kind",
            "interaction__occurred_on",
        )
        .order_by("interaction__follow_up_on", "interaction_id")
    )


def _follow_ups(clocks: dict[int, OwnerClock]) -> list[NewReminder]:
    """Follow-ups to raise (`follow_ups_due`), each on its owner's today."""
    found = []
    for contact_id, owner_id, interaction_id, due, kind, occurred_on in follow_ups_due(clocks):
        clock = clocks.get(owner_id)
        if clock is None or due > clock.today:
            continue
        label = InteractionKind(kind).label if kind in InteractionKind.values else kind
        why = rules.why_follow_up(interaction_kind=label, occurred_on=occurred_on)
        found.append(
            NewReminder(owner_id, contact_id, ReminderKind.FOLLOW_UP.value, due, why, interaction_id)
        )
    return found


ANY_CREATION = date(1, 1, 2)  # a creation date that narrows no event window


def event_candidates(clocks: dict[int, OwnerClock]):
    """The contacts with a birthday or work anniversary on a day of the run's window
    (`_events_q`), annotated for the role-start test."""
    return Contact.objects.annotate(started_md=STARTED_MD).filter(_events_q(clocks))


def _events_q(clocks: dict[int, OwnerClock]) -> Q:
    """A birthday or work anniversary on a day of the run's window, as lookups on the
    partial birthday and role-start indexes, by month and day."""
    by_today: dict[date, list[OwnerClock]] = defaultdict(list)
    for clock in clocks.values():
        by_today[clock.today].append(clock)
    query = Q(pk__in=[])
    for today, group in by_today.items():
        owners = [clock.user_id for clock in group]
        # The widest window of the group (a contact created since narrows its own; the rules decide).
        after = min(
            rules.event_window(last_run_on=clock.last_run_on, today=today, created_on=ANY_CREATION)[0]
            for clock in group
        )
        window = day_window(after + timedelta(days=1), today)
        # Each day term stands at the top of the OR with the owners, so that SQLite unions
        # index lookups (its MULTI-INDEX OR) instead of reading every contact of the owners.
        for term in month_day_terms(window, "birthday_month", "birthday_day") + started_md_terms(window):
            query |= Q(owner_id__in=owners, archived=False) & term
    return query


def _schedule_new(clocks: dict[int, OwnerClock]) -> None:
    """Schedule the contacts that never were (`scores_on` NULL: written around the services,
    e.g. by a data migration or a raw insert), so their check-ins are due on time."""
    unscheduled = Contact.objects.filter(owner_id__in=list(clocks), scores_on__isnull=True)
    for rows in _contact_chunks(unscheduled.order_by().values_list("pk", flat=True)):
        _refresh_rows(rows, clocks)


def _open_check_ins(users_today: dict[int, date]) -> set[int]:
    """The contacts among these users' due pending check-ins that have a check-in open
    already (one query: never two open check-ins for one person)."""
    return set(
        Reminder.objects.filter(
            contact_id__in=due_pending(users_today).values("contact_id"),
            kind=ReminderKind.CHECK_IN,
            status__in=OPEN_STATES,
        ).values_list("contact_id", flat=True)
    )


def _raise_check_ins(due: list[Due], open_check_ins: set[int]) -> list[NewReminder]:
    """The check-ins to raise for these due pending ones (each at its contact's `next_check_in`)."""
    return [
        NewReminder(item.owner_id, item.contact_id, ReminderKind.CHECK_IN.value, item.due_on)
        for item in due
        if not item.archived and item.contact_id not in open_check_ins
    ]


def _raise_events_for(
    rows: list[dict], clocks: dict[int, OwnerClock], result: RunResult
) -> list[NewReminder]:
    """The birthdays and work anniversaries due for these event candidates (the rules decide exactly)."""
    new: list[NewReminder] = []
    for row in rows:
        clock = clocks[row["owner_id"]]
        try:
            new.extend(_raise_events(row, clock, clock.local_date(row["created_at"])))
        except (ValueError, OverflowError, TypeError) as exc:
            # One corrupt row (Feb 31 written behind the form's back…) must not stop
            # everyone's reminders: log it, skip it, go on.
            result.skipped_rows += 1
            log.error(
                "generate_reminders: skipping contact %s (owner %s): %s", row["id"], row["owner_id"], exc
            )
    return new


def _wake_snoozed(clocks: dict[int, OwnerClock]) -> None:
    """Snoozed reminders whose date has come are open again."""
    by_today: dict[date, list[int]] = defaultdict(list)
    for clock in clocks.values():
        by_today[clock.today].append(clock.user_id)
    for today, user_ids in by_today.items():
        Reminder.objects.filter(
            owner_id__in=user_ids, status=ReminderStatus.SNOOZED, snoozed_until__lte=today
        ).update(status=ReminderStatus.OPEN)


def _mark_run(clocks: dict[int, OwnerClock]) -> None:
    """Record each user's completed run date (never moving it backwards)."""
    by_today: dict[date, list[int]] = defaultdict(list)
    for clock in clocks.values():
        by_today[clock.today].append(clock.user_id)
    for today, user_ids in by_today.items():
        Profile.objects.filter(user_id__in=user_ids).filter(
            Q(reminders_run_on__isnull=True) | Q(reminders_run_on__lt=today)
        ).update(reminders_run_on=today)


def _generate(*, user_ids: Iterable[int], today: date | None, now: datetime) -> RunResult:
    """Raise what is due for these users, reading only what is due: the pending check-ins
    and the follow-ups by date, the contacts with an event in the run's window by month
    and day, the snoozed reminders by date. The run's cost grows with what is due, not
    with the number of contacts."""
    clocks = _owner_clocks(user_ids, today=today, now=now)
    result = RunResult(users=len(clocks))
    if not clocks:
        return result
    _wake_snoozed(clocks)
    _schedule_new(clocks)
    users_today = {clock.user_id: clock.today for clock in clocks.values()}
    latest_today = max(users_today.values())
    # Check-ins: the pending ones whose date has come, raised (or found open) and settled
    # chunk by chunk, each chunk's reminders and settling in one commit.
    due = pending_due(users_today)
    open_check_ins = _open_check_ins(users_today) if due else set()
    for start in range(0, len(due), CHUNK_SIZE):
        chunk = due[start : start + CHUNK_SIZE]
        with transaction.atomic():
            result.created += reminders_insert(_raise_check_ins(chunk, open_check_ins), now=now)
            pending_settle([item.contact_id for item in chunk], until=latest_today)
    # Birthdays and work anniversaries: the contacts with one on a day of the run's window.
    event_ids = event_candidates(clocks).order_by().values_list("pk", flat=True)
    for rows in _contact_chunks(event_ids, result):
        with transaction.atomic():
            result.created += reminders_insert(_raise_events_for(rows, clocks, result), now=now)
    with transaction.atomic():
        result.created += reminders_insert(_follow_ups(clocks), now=now)
    _mark_run(clocks)
    return result


def reminders_generate_batch(
    *, user_ids: Iterable[int], today: date | None = None, now: datetime | None = None
) -> RunResult:
    """Raise the due reminders of these users and record the run; returns the counts
    (today's focus is picked where it is shown: `reminders.focus`).

    `today` stands for "today" in every user's zone; without it each user's
    local date at `now` (default: the current time) is used. What each batch task
    runs, so /healthz sees every batch finish.
    """
    result = _generate(user_ids=user_ids, today=today, now=now or timezone.now())
    job_run_finished(summary=result.summary)
    return result


def reminders_generate_for_user(*, user_id: int) -> RunResult:
    """One user's run now, outside the schedule (after an import: today's first check-ins
    and a restore's overdue ones are on the dashboard at once). Not recorded as the job's run,
    so it cannot hide a dead beat from /healthz."""
    return _generate(user_ids=[user_id], today=None, now=timezone.now())


def user_id_batches(
    *, user_ids: Iterable[int] | None = None, size: int = USER_BATCH_SIZE
) -> Iterator[list[int]]:
    """The ids of users with a profile, in batches of `size`, by keyset on id."""
    queryset = Profile.objects.all()
    if user_ids is not None:
        queryset = queryset.filter(user_id__in=list(user_ids))
    last = 0
    while True:
        batch = list(
            queryset.filter(user_id__gt=last).order_by("user_id").values_list("user_id", flat=True)[:size]
        )
        if not batch:
            return
        yield batch
        last = batch[-1]


def job_run_started(*, now: datetime | None = None) -> None:
    JobRun.objects.update_or_create(name=JOB_NAME, defaults={"last_started_at": now or timezone.now()})


def job_run_finished(*, summary: str) -> None:
    """Record that the job finished (/healthz and the admin show it)."""
    JobRun.objects.update_or_create(
        name=JOB_NAME, defaults={"last_finished_at": timezone.now(), "last_summary": summary[:255]}
    )


def reminders_generate(
    *, today: date | None = None, user_ids: Iterable[int] | None = None, now: datetime | None = None
) -> int:
    """Run the generation job synchronously for these users (default: everyone).

    Returns the number of reminders created. Safe to run twice, late, in parallel
    or after a crash (see the module docstring).
    """
    job_run_started(now=now)
    total = RunResult()
    for batch in user_id_batches(user_ids=user_ids):
        result = reminders_generate_batch(user_ids=batch, today=today, now=now)
        total.created += result.created
        total.users += result.users
        total.skipped_rows += result.skipped_rows
    job_run_finished(summary=total.summary)
    return total.created


def reminders_generate_fan_out(
    *,
    enqueue_batch: Callable[[list[int], str | None], object],
    today: date | None = None,
    batch_size: int = USER_BATCH_SIZE,
) -> int:
    """Split the job into batches of `batch_size` users; returns how many were queued.

    `enqueue_batch(user_ids, today)` queues one batch (the batch task's `.delay`),
    called after the surrounding transaction commits, so a worker never picks up a
    batch for state it cannot see yet. `today` as for `reminders_generate`.
    """
    job_run_started()
    count = 0
    for batch in user_id_batches(size=batch_size):
        transaction.on_commit(partial(enqueue_batch, batch, today.isoformat() if today else None))
        count += 1
    return count


# --- reactions to contact and interaction changes -------------------------------


def owner_clock(user_id: int, *, today: date | None = None, now: datetime | None = None) -> OwnerClock:
    """One user's clock (time zone, local today, cadence defaults), as the job sees it.

    The importer uses it too, so a new contact's first check-in comes from the same
    zone fallback and defaults as the engine's.
    """
    return _owner_clocks([user_id], today=today, now=now or timezone.now())[user_id]


def interaction_recorded(*, interaction_id: int, today: date, now: datetime | None = None) -> None:
    """An interaction was logged: close its contacts' open check-ins, move the next ones.

    The closed check-ins get status done and completed_at on the user's `today`.
    """
    interaction = Interaction.objects.only("id", "owner_id").get(pk=interaction_id)
    contact_ids = list(
        Through.objects.filter(interaction_id=interaction_id).values_list("contact_id", flat=True)
    )
    interactions_recorded(owner_id=interaction.owner_id, contact_ids=contact_ids, today=today, now=now)


def interactions_recorded(
    *, owner_id: int, contact_ids: Iterable[int], today: date, now: datetime | None = None
) -> None:
    """Many interactions of one owner were logged at once (calendar and mailbox sources,
    issue #16): `interaction_recorded` for the union of their contacts, in a few queries
    whatever their number."""
    contact_ids = sorted(set(contact_ids))
    clock = owner_clock(owner_id, today=today, now=now)
    completed_at = _closing_moment(today=today, tz=clock.tz, now=now)
    for start in range(0, len(contact_ids), CHUNK_SIZE):
        Reminder.objects.filter(
            contact_id__in=contact_ids[start : start + CHUNK_SIZE],
            kind=ReminderKind.CHECK_IN,
            status__in=OPEN_STATES,
        ).update(status=ReminderStatus.DONE, completed_at=completed_at)
    contacts_schedule_refresh(contact_ids=contact_ids, now=now)


@transaction.atomic
def contact_role_changed(
    *,
    contact: Contact,
    old_company: str,
    old_title: str,
    today: date,
    old_started_on: date | None = None,
) -> None:
    """The contact's company or title changed: keep the old role, raise a job_change reminder.

    The old role goes to RoleHistory (started on `old_started_on`, else the
    contact's `started_on`; ended today). Idempotent: the same change reported
    twice on one day keeps one history row and one reminder.
    """
    started = old_started_on if old_started_on is not None else contact.started_on
    RoleHistory.objects.get_or_create(
        contact=contact,
        company=old_company,
        title=old_title,
        ended_on=today,
        defaults={"started_on": started},
    )
    if contact.archived:
        return
    Reminder.objects.bulk_create(
        [
            Reminder(
                owner_id=contact.owner_id,
                contact=contact,
                kind=ReminderKind.JOB_CHANGE,
                due_on=today,
                detail=rules.why_job_change(company=contact.company, title=contact.title)[:255],
            )
        ],
        ignore_conflicts=True,
    )


# --- actions on one reminder ----------------------------------------------------


def _close(*, reminder: Reminder, status: str, today: date, now: datetime | None) -> bool:
    clock = owner_clock(reminder.owner_id, today=today, now=now)
    completed_at = _closing_moment(today=today, tz=clock.tz, now=now)
    closed = Reminder.objects.filter(pk=reminder.pk, status__in=OPEN_STATES).update(
        status=status, completed_at=completed_at
    )
    if closed:
        reminder.status, reminder.completed_at = status, completed_at
        if reminder.kind == ReminderKind.CHECK_IN:
            contacts_schedule_refresh(contact_ids=[reminder.contact_id], now=now)
    return bool(closed)


@transaction.atomic
def reminder_done(*, reminder: Reminder, today: date, now: datetime | None = None) -> bool:
    """Close the reminder as done. False when it was closed already (a second click)."""
    return _close(reminder=reminder, status=ReminderStatus.DONE, today=today, now=now)


@transaction.atomic
def reminder_dismiss(*, reminder: Reminder, today: date, now: datetime | None = None) -> bool:
    """Close the reminder without logging anything. A dismissed check-in moves the next one too."""
    return _close(reminder=reminder, status=ReminderStatus.DISMISSED, today=today, now=now)


@transaction.atomic
def reminder_snooze(*, reminder: Reminder, until: date, today: date) -> bool:
    """Hide the reminder until `until` (after today); it is open again on that date."""
    if until <= today:
        raise ValueError("Snooze until a day after today.")
    snoozed = Reminder.objects.filter(pk=reminder.pk, status__in=OPEN_STATES).update(
        status=ReminderStatus.SNOOZED, snoozed_until=until
    )
    if snoozed:
        reminder.status, reminder.snoozed_until = ReminderStatus.SNOOZED, until
    return bool(snoozed)


@transaction.atomic
def reminder_reopen(*, reminder: Reminder, now: datetime | None = None) -> bool:
    """Undo a Done, Dismiss or Snooze: the reminder is open again (an interaction logged
    with it stays logged). False when it was open already (a second click)."""
    reopened = Reminder.objects.filter(
        pk=reminder.pk, status__in=(*CLOSED_STATES, ReminderStatus.SNOOZED)
    ).update(status=ReminderStatus.OPEN, completed_at=None, snoozed_until=None)
    if reopened:
        reminder.status, reminder.completed_at, reminder.snoozed_until = ReminderStatus.OPEN, None, None
        if reminder.kind == ReminderKind.CHECK_IN:
            contacts_schedule_refresh(contact_ids=[reminder.contact_id], now=now)
    return bool(reopened)


def calendar_token_regenerate(*, user: User) -> str:
    """Give the user a new calendar feed token (the old address stops working); returns it."""
    token = new_calendar_token()
    Profile.objects.filter(user=user).update(calendar_token=token)
    return token


def snooze_presets(today: date) -> dict[str, date]:
    """The snooze buttons' dates."""
    return {"1 week": today + timedelta(weeks=1), "1 month": rules.next_check_in(today, 1)}
