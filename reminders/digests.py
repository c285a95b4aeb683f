"""Email digests: who is due one, what it says, and sending it exactly once.

Selectors (`digest_contexts`, `digest_context`, `users_due_for_digest`,
`digest_period`) read; services (`digest_send`, `digest_send_batch`) claim a
DigestLog row, send, and mark it. Contexts are built for a batch of users at a
fixed query cost (zulip's digest.py): four queries whatever the batch size.

Exactly once: DigestLog is unique on (user, period); a conditional UPDATE claims
the row (claimed_at NULL or older than DIGEST_LEASE, sent_at NULL), so one worker
wins; sent_at is written once the SMTP server accepted the message; on an SMTP
error the claim is released for the retry. A batch claims all its rows in one
such UPDATE … RETURNING (only the rows it won are sent) and still writes sent_at
for each message right after the server's 250, one UPDATE by primary key; a batch
that stops early gives its unsent claims back. The one window left: a worker dying
after the server accepted a message and before its sent_at is written (one UPDATE
by primary key) — the lease expires and that digest goes out a second time. Twice,
never zero times.
"""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from smtplib import SMTPException
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import get_connection
from django.db import connection as db
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact
from crm.models import DigestFrequency, JobRun, Profile

from . import digest_rules as rules
from . import emails, services, signing
from . import rules as date_rules
from .models import DigestLog, Reminder, ReminderKind, ReminderStatus

log = logging.getLogger(__name__)

# A claim older than this is taken over: a worker killed mid-send delays the
# digest by at most this long, never loses it. Longer than EMAIL_TIMEOUT × the
# SMTP round trips of one message, so a slow but live sender is not overtaken.
DIGEST_LEASE = dt.timedelta(minutes=10)
LOOKAHEAD_DAYS = 7
# Missed birthdays/anniversaries stay in the digest this long if left open.
RECENT_EVENT_DAYS = 7
# A weak tie seen within this many days is not a "reconnect" suggestion.
RECONNECT_QUIET_DAYS = 90
RECONNECT_POOL = 5
BATCH_SIZE = 200
SNOOZE_DAYS = 7
JOB_NAME = "send_digests"

# The columns a digest reads (the rest of a contact, e.g. notes, stays in the database).
_CONTACT_FIELDS = (
    "owner_id",
    "first_name",
    "last_name",
    "company",
    "title",
    "birthday_month",
    "birthday_day",
    "birthday_year",
    "started_on",
    "last_interaction_on",
)
_REMINDER_FIELDS = ("owner_id", "contact_id", "kind", "due_on", "status", "snoozed_until", "detail")

_SECTION_TITLES = {
    ReminderKind.CHECK_IN: "Check in",
    ReminderKind.FOLLOW_UP: "Follow up",
    ReminderKind.JOB_CHANGE: "New roles",
    "events": "Birthdays & work anniversaries",
}


@dataclass(frozen=True)
class DigestItem:
    kind: str  # a ReminderKind value, or "reconnect"
    contact_id: int
    name: str
    role: str  # "Engineer at Acme"
    on: dt.date
    note: str  # "3 days overdue", "Turns 40 on Thu 26 Nov", "5 years at Acme"
    contact_url: str
    reminder_id: int | None = None
    done_url: str = ""
    snooze_url: str = ""
    overdue: bool = False


@dataclass
class DigestSection:
    key: str
    title: str
    items: list[DigestItem]
    more: int = 0  # items beyond SECTION_MAX, counted but not listed


# An email is read in a minute: after an import of 2,000 contacts last seen years
# ago, the digest lists the first ones per section and counts the rest.
SECTION_MAX = 10


def _section(key: str, items: list[DigestItem]) -> DigestSection:
    return DigestSection(
        key=key, title=_SECTION_TITLES[key], items=items[:SECTION_MAX], more=max(0, len(items) - SECTION_MAX)
    )


@dataclass
class Digest:
    """Everything the templates need; building it costs no query per user."""

    user_id: int
    username: str
    email: str
    first_name: str
    frequency: str
    send_empty: bool
    today: dt.date
    period: str
    sections: list[DigestSection] = field(default_factory=list)
    reconnect: DigestItem | None = None
    unsubscribe_url: str = ""
    settings_url: str = ""
    preview_url: str = ""
    site_url: str = ""

    @property
    def item_count(self) -> int:
        """Items that make the digest worth sending (the reconnect suggestion does not)."""
        return sum(len(section.items) + section.more for section in self.sections)

    @property
    def is_empty(self) -> bool:
        return self.item_count == 0

    @property
    def should_send(self) -> bool:
        return bool(self.email) and (not self.is_empty or self.send_empty)


class DigestBusy(Exception):
    """Another worker holds the claim on this digest and has not marked it sent."""


@dataclass
class BatchResult:
    sent: int = 0
    skipped: int = 0
    failed: list[tuple[int, str, dt.date]] = field(default_factory=list)  # (user_id, period, today)
    # Claimed by another worker and not sent yet: check again once the lease ends
    # (if that worker died, the claim is free by then). Counted as skipped.
    busy: list[tuple[int, str, dt.date]] = field(default_factory=list)

    def add(self, other: "BatchResult") -> None:
        self.sent += other.sent
        self.skipped += other.skipped
        self.failed.extend(other.failed)
        self.busy.extend(other.busy)

    @property
    def summary(self) -> str:
        return f"sent={self.sent} skipped={self.skipped} failed={len(self.failed)}"


# --- selectors ----------------------------------------------------------------


def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def local_today(*, profile: Profile, now: dt.datetime) -> dt.date:
    """The user's local date at the aware instant `now`."""
    return now.astimezone(_zone(profile.timezone)).date()


def digest_period(*, profile: Profile, today: dt.date) -> str:
    """The DigestLog period key: daily → "YYYY-MM-DD", weekly → "YYYY-Www" (ISO week).

    A user with digests off gets the daily key (a preview still has a period).
    """
    frequency = profile.digest_frequency if profile.digest_frequency != DigestFrequency.OFF else "daily"
    return rules.period_key(frequency, today)


def users_due_for_digest(*, now: dt.datetime, date: dt.date | None = None) -> list[int]:
    """Ids of active users with an email whose digest falls due, ordered by id.

    Without `date`: users whose local hour at `now` is their digest hour (weekly
    ones only on their local Monday) — what the hourly beat runs. With `date`:
    every user due a digest on that date (daily ones, weekly ones if it is a
    Monday), whatever the hour. Two queries: the time zones in use, then the users.
    """
    base = (
        Profile.objects.exclude(digest_frequency=DigestFrequency.OFF)
        .filter(user__is_active=True)
        .exclude(user__email="")
    )
    if date is not None:
        frequencies = ["daily", "weekly"] if date.weekday() == 0 else ["daily"]
        return list(
            base.filter(digest_frequency__in=frequencies)
            .order_by("user_id")
            .values_list("user_id", flat=True)
        )
    # Each zone's local hour and weekday at `now`, computed once per zone, then one
    # query: (zone in Z_h and digest_hour = h) for each local hour h in use.
    zones = base.values_list("timezone", flat=True).distinct()
    daily: dict[int, list[str]] = defaultdict(list)
    monday: dict[int, list[str]] = defaultdict(list)
    for name in zones:
        local = now.astimezone(_zone(name))
        daily[local.hour].append(name)
        if local.weekday() == 0:
            monday[local.hour].append(name)
    due = Q(pk__in=[])
    for hour, names in daily.items():
        due |= Q(digest_frequency=DigestFrequency.DAILY, digest_hour=hour, timezone__in=names)
    for hour, names in monday.items():
        due |= Q(digest_frequency=DigestFrequency.WEEKLY, digest_hour=hour, timezone__in=names)
    return list(base.filter(due).order_by("user_id").values_list("user_id", flat=True))


def _site(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _contact_url(contact_id: int) -> str:
    return _site(f"/contacts/{contact_id}/")


def _role(contact: Contact) -> str:
    if contact.title and contact.company:
        return f"{contact.title} at {contact.company}"
    return contact.title or contact.company


class _Links:
    """Absolute URLs, reversed once per batch (reverse() per item is measurable at 10k users)."""

    def __init__(self) -> None:
        self.action = _site(reverse("digest_action", args=["T"]))[:-1]
        self.unsubscribe = _site(reverse("digest_unsubscribe", args=["T"]))[:-1]
        self.settings = _site(reverse("settings"))
        self.preview = _site(reverse("digest_preview"))


def _actions(
    reminder_id: int | None, user_id: int, signer: signing.ActionSigner, action_prefix: str
) -> dict[str, str]:
    """done_url and snooze_url for an item with a reminder (none without one)."""
    if reminder_id is None:
        return {}
    done = signer.make(user_id=user_id, reminder_id=reminder_id, action="done")
    snooze = signer.make(user_id=user_id, reminder_id=reminder_id, action="snooze")
    return {"done_url": action_prefix + done, "snooze_url": action_prefix + snooze}


def _day(on: dt.date) -> str:
    return f"{on:%a} {on.day} {on:%b}"


def _due_note(due_on: dt.date, today: dt.date) -> str:
    late = rules.days_overdue(due_on, today)
    if late == 0:
        return "Due today"
    return "1 day overdue" if late == 1 else f"{late} days overdue"


def _event_note(kind: str, on: dt.date, today: dt.date, *, years: int | None, company: str) -> str:
    when = (
        "today" if on == today else ("tomorrow" if on == today + dt.timedelta(days=1) else f"on {_day(on)}")
    )
    if on < today:
        when = f"was on {_day(on)}"
    if kind == ReminderKind.BIRTHDAY:
        return f"Turns {years} {when}" if years else f"Birthday {when}"
    plural = "year" if years == 1 else "years"
    at = f" at {company}" if company else ""
    return f"{years} {plural}{at} {when}"


def digest_contexts(*, users_today: dict[int, dt.date], signed_at: dt.datetime | None = None) -> list[Digest]:
    """Digests for a batch of users, each for its own local `today`, in user id order.

    Four queries whatever the batch size: profiles with users, the batch's
    reminders (with contacts), contacts with a birthday or work anniversary in the
    window's months, and the reconnect candidates. Contacts' rows are shared by
    reference, so nothing is fetched per user or per item.
    """
    if not users_today:
        return []
    signer = signing.ActionSigner(at=signed_at)
    links = _Links()
    ids = sorted(users_today)
    first, last = min(users_today.values()), max(users_today.values())
    horizon = last + dt.timedelta(days=LOOKAHEAD_DAYS)
    event_kinds = [ReminderKind.BIRTHDAY, ReminderKind.WORK_ANNIVERSARY]

    profiles = {p.user_id: p for p in Profile.objects.select_related("user").filter(user_id__in=ids)}

    reminders: dict[int, list[Reminder]] = defaultdict(list)
    reminder_rows = (
        Reminder.objects.filter(owner_id__in=ids, contact__archived=False)
        .filter(
            Q(status=ReminderStatus.OPEN, due_on__lte=last)
            | Q(status=ReminderStatus.SNOOZED, snoozed_until__lte=last, due_on__lte=last)
            | Q(
                kind__in=event_kinds,
                due_on__gte=first - dt.timedelta(days=RECENT_EVENT_DAYS),
                due_on__lte=horizon,
            )
        )
        .select_related("contact")
        .only(*_REMINDER_FIELDS, *(f"contact__{name}" for name in _CONTACT_FIELDS))
        .order_by("due_on", "id")
    )
    for reminder in reminder_rows:
        reminders[reminder.owner_id].append(reminder)

    months = {(first + dt.timedelta(days=n)).month for n in range((horizon - first).days + 1)}
    events: dict[int, list[Contact]] = defaultdict(list)
    for contact in (
        Contact.objects.filter(owner_id__in=ids, archived=False)
        .filter(Q(birthday_month__in=months) | Q(started_on__month__in=months))
        .only(*_CONTACT_FIELDS)
    ):
        events[contact.owner_id].append(contact)

    quiet_since = first - dt.timedelta(days=RECONNECT_QUIET_DAYS)
    # The RECONNECT_POOL longest-unseen weak ties per user, ranked in the database.
    ranked = (
        Contact.objects.filter(owner_id__in=ids, archived=False, tie_strength="weak")
        .only(*_CONTACT_FIELDS)
        .exclude(checkin_cadence_months=0)
        .filter(Q(last_interaction_on__isnull=True) | Q(last_interaction_on__lt=quiet_since))
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("owner_id")],
                order_by=[
                    F("last_interaction_on").asc(nulls_first=True),
                    F("created_at").asc(),
                    F("id").asc(),
                ],
            )
        )
        .filter(rank__lte=RECONNECT_POOL)
        .order_by("owner_id", "rank")
    )
    pool: dict[int, list[Contact]] = defaultdict(list)
    for contact in ranked:
        pool[contact.owner_id].append(contact)

    digests = []
    for user_id in ids:
        profile = profiles.get(user_id)
        if profile is None:
            continue
        digests.append(
            _build(
                profile=profile,
                today=users_today[user_id],
                reminders=reminders.get(user_id, []),
                event_contacts=events.get(user_id, []),
                pool=pool.get(user_id, []),
                signer=signer,
                links=links,
            )
        )
    return digests


def _build(
    *,
    profile: Profile,
    today: dt.date,
    reminders: list[Reminder],
    event_contacts: list[Contact],
    pool: list[Contact],
    signer: signing.ActionSigner,
    links: "_Links",
) -> Digest:
    user: User = profile.user
    horizon = today + dt.timedelta(days=LOOKAHEAD_DAYS)
    by_kind: dict[str, list[DigestItem]] = defaultdict(list)
    # Event reminders by (contact, kind, date): an open one lends its actions to the
    # computed occurrence; a closed or snoozed one hides it.
    event_reminders: dict[tuple[int, str, dt.date], Reminder] = {}

    for r in reminders:
        if r.kind in (ReminderKind.BIRTHDAY, ReminderKind.WORK_ANNIVERSARY):
            event_reminders[(r.contact_id, r.kind, r.due_on)] = r
            continue
        if r.due_on > today:
            continue
        if r.status == ReminderStatus.SNOOZED and (r.snoozed_until is None or r.snoozed_until > today):
            continue
        if r.status not in (ReminderStatus.OPEN, ReminderStatus.SNOOZED):
            continue
        contact = r.contact
        if r.kind == ReminderKind.JOB_CHANGE:
            note = f"Now {_role(contact)}" if _role(contact) else "Changed roles"
        elif r.kind == ReminderKind.FOLLOW_UP:
            note = f"Follow-up {_due_note(r.due_on, today).lower()}"
        else:
            note = _due_note(r.due_on, today)
        by_kind[r.kind].append(
            DigestItem(
                kind=r.kind,
                contact_id=contact.pk,
                name=contact.full_name,
                role=_role(contact),
                on=r.due_on,
                note=r.detail if r.detail and r.kind != ReminderKind.CHECK_IN else note,
                contact_url=_contact_url(contact.pk),
                reminder_id=r.pk,
                overdue=r.due_on < today,
                **_actions(r.pk, user.pk, signer, links.action),
            )
        )

    events: list[DigestItem] = []
    seen: set[tuple[int, str, dt.date]] = set()

    def add_event(contact: Contact, kind: str, on: dt.date, years: int | None) -> None:
        key = (contact.pk, kind, on)
        if key in seen:
            return
        seen.add(key)
        reminder = event_reminders.get(key)
        if reminder is not None:
            if reminder.status in (ReminderStatus.DONE, ReminderStatus.DISMISSED):
                return
            if reminder.status == ReminderStatus.SNOOZED and (
                reminder.snoozed_until is None or reminder.snoozed_until > today
            ):
                return
        events.append(
            DigestItem(
                kind=kind,
                contact_id=contact.pk,
                name=contact.full_name,
                role=_role(contact),
                on=on,
                note=_event_note(kind, on, today, years=years, company=contact.company),
                contact_url=_contact_url(contact.pk),
                reminder_id=reminder.pk if reminder is not None else None,
                overdue=on < today,
                **_actions(reminder.pk if reminder is not None else None, user.pk, signer, links.action),
            )
        )

    after = today - dt.timedelta(days=1)  # the rules' windows are (after, until]
    for contact in event_contacts:
        if contact.birthday_month is not None and contact.birthday_day is not None:
            try:
                birthdays = date_rules.birthday_occurrences(
                    month=contact.birthday_month,
                    day=contact.birthday_day,
                    year=contact.birthday_year,
                    after=after,
                    until=horizon,
                )
            except ValueError:  # an impossible stored date (Feb 30): nothing to celebrate
                birthdays = []
            for on, age in birthdays:
                add_event(contact, ReminderKind.BIRTHDAY, on, age)
        if contact.started_on is not None:
            for on, years in date_rules.anniversary_occurrences(
                started_on=contact.started_on, after=after, until=horizon
            ):
                add_event(contact, ReminderKind.WORK_ANNIVERSARY, on, years)
    # Open event reminders the look-ahead does not cover: missed in the last days.
    for (_contact_id, kind, on), reminder in event_reminders.items():
        if on < today and reminder.status in (ReminderStatus.OPEN, ReminderStatus.SNOOZED):
            contact = reminder.contact
            years = None
            if kind == ReminderKind.WORK_ANNIVERSARY and contact.started_on is not None:
                years = on.year - contact.started_on.year
            elif kind == ReminderKind.BIRTHDAY and contact.birthday_year:
                years = on.year - contact.birthday_year
            add_event(contact, kind, on, years)
    events.sort(key=lambda item: (item.on, item.name, item.kind))

    sections = []
    for key in (ReminderKind.CHECK_IN, ReminderKind.FOLLOW_UP, ReminderKind.JOB_CHANGE):
        items = by_kind.get(key, [])
        if items:
            sections.append(_section(str(key), items))
    if events:
        sections.append(_section("events", events))

    period = digest_period(profile=profile, today=today)
    # Everyone due, listed or counted in a section's "more", is not a reconnect pick.
    listed = {item.contact_id for items in by_kind.values() for item in items} | {
        e.contact_id for e in events
    }
    candidates = [c for c in pool if c.pk not in listed]
    pick = rules.pick_for_period(candidates, seed=f"{user.pk}:{period}")
    reconnect = None
    if pick is not None:
        seen_on = pick.last_interaction_on
        note = f"Last in touch {_day(seen_on)} {seen_on.year}" if seen_on else "No conversation logged yet"
        reconnect = DigestItem(
            kind="reconnect",
            contact_id=pick.pk,
            name=pick.full_name,
            role=_role(pick),
            on=seen_on or today,
            note=note,
            contact_url=_contact_url(pick.pk),
        )

    return Digest(
        user_id=user.pk,
        username=user.get_username(),
        email=user.email,
        first_name=user.first_name,
        frequency=profile.digest_frequency,
        send_empty=profile.digest_send_empty,
        today=today,
        period=period,
        sections=sections,
        reconnect=reconnect,
        unsubscribe_url=links.unsubscribe + signing.unsubscribe_token_make(user_id=user.pk),
        settings_url=links.settings,
        preview_url=links.preview,
        site_url=settings.SITE_URL,
    )


def digest_context(*, user: User, today: dt.date) -> Digest:
    """One user's digest for local date `today` (a batch of one: four queries)."""
    return digest_contexts(users_today={user.pk: today})[0]


# --- services -----------------------------------------------------------------


def _rows_ensure(*, keys: Iterable[tuple[int, str]]) -> None:
    """Make sure a DigestLog row exists for each (user_id, period): one INSERT … ON
    CONFLICT DO NOTHING for them all, safe when another worker inserts the same."""
    DigestLog.objects.bulk_create(
        [DigestLog(user_id=user_id, period=period) for user_id, period in keys], ignore_conflicts=True
    )


def _claim(*, user_id: int, period: str) -> bool:
    """Claim the (user, period) row. True when this caller won it, False when it
    is sent already; DigestBusy when another worker holds a live claim.

    The conditional UPDATE is the lock: only one caller sees a row updated. A claim
    older than DIGEST_LEASE is free again (its worker died). The clock is read
    here, not passed in: a batch queued an hour ago must not claim "in the past".
    """
    now = timezone.now()
    free = Q(claimed_at=None) | Q(claimed_at__lt=now - DIGEST_LEASE)
    won = DigestLog.objects.filter(free, user_id=user_id, period=period, sent_at=None).update(
        claimed_at=now, attempts=F("attempts") + 1
    )
    if won:
        return True
    # Lost: only the contended case pays this second query.
    if DigestLog.objects.filter(user_id=user_id, period=period, sent_at=None).exists():
        raise DigestBusy(f"digest {period} for user {user_id} is claimed by another worker")
    return False


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _release(*, user_id: int, period: str, error: BaseException) -> None:
    """Give the claim back for a retry, and say why (DigestLog.last_error, in the admin)."""
    DigestLog.objects.filter(user_id=user_id, period=period, sent_at=None).update(
        claimed_at=None, last_error=_error_text(error)
    )


def _deliver(*, digest: Digest, connection) -> bool:
    """Claim, send over `connection`, mark. True when this call delivered it.

    The DigestLog row must exist (`_rows_ensure`). The message is built before
    the claim, so a digest that cannot be rendered never holds one. If sending
    fails (SMTPException/OSError, or a bad address) the claim is released and
    the error recorded (the admin shows attempts and last_error), then re-raised.
    """
    outgoing = emails.digest_outgoing(digest=digest, connection=connection)
    if not _claim(user_id=digest.user_id, period=digest.period):
        return False  # sent already (DigestBusy: another worker holds it)
    try:
        outgoing.send(connection)  # opens the session if needed: a batch reuses one
    except BaseException as error:  # release whatever went wrong, then propagate it
        _release(user_id=digest.user_id, period=digest.period, error=error)
        raise
    # The one window: a crash right here (accepted, not yet marked) sends it again
    # once the lease expires. Twice, never zero times.
    DigestLog.objects.filter(user_id=digest.user_id, period=digest.period).update(
        sent_at=timezone.now(), item_count=min(digest.item_count, 32767), last_error=""
    )
    return True


# Batch claims: one conditional UPDATE … RETURNING per CLAIM_CHUNK rows (PostgreSQL,
# SQLite >= 3.35), then one cheap UPDATE by primary key per accepted message.
CLAIM_CHUNK = 400


def _table() -> str:
    return db.ops.quote_name(DigestLog._meta.db_table)


def _claim_batch(*, keys: list[tuple[int, str]], now: dt.datetime) -> dict[tuple[int, str], int]:
    """Claim many (user_id, period) rows at once: {key: row id} of the rows this
    caller won. The same conditional UPDATE as `_claim` (unsent, claim free or
    older than DIGEST_LEASE), for a batch: the database lets one worker win each row."""
    won: dict[tuple[int, str], int] = {}
    at = db.ops.adapt_datetimefield_value(now)
    expired = db.ops.adapt_datetimefield_value(now - DIGEST_LEASE)
    for start in range(0, len(keys), CLAIM_CHUNK):
        by_period: dict[str, list[int]] = defaultdict(list)
        for user_id, period in keys[start : start + CLAIM_CHUNK]:
            by_period[period].append(user_id)
        where, params = [], [at, expired]
        for period, user_ids in by_period.items():
            where.append(f"(period = %s AND user_id IN ({', '.join(['%s'] * len(user_ids))}))")
            params += [period, *user_ids]
        sql = (
            f"UPDATE {_table()} SET claimed_at = %s, attempts = attempts + 1 "
            f"WHERE sent_at IS NULL AND (claimed_at IS NULL OR claimed_at < %s) AND ({' OR '.join(where)}) "
            "RETURNING id, user_id, period"
        )
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            won.update({(user_id, period): pk for pk, user_id, period in cursor.fetchall()})
    return won


def _mark_sent(*, pk: int, item_count: int) -> None:
    """sent_at on one row, by primary key: the cheapest write after the server's 250."""
    with db.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table()} SET sent_at = %s, item_count = %s, last_error = %s WHERE id = %s",
            [db.ops.adapt_datetimefield_value(timezone.now()), min(item_count, 32767), "", pk],
        )


def _release_unsent(*, pks: Iterable[int], claimed_at: dt.datetime) -> None:
    """Give back claims this batch still holds (it stopped early): only rows still
    claimed at `claimed_at` by this batch and unsent."""
    pks = list(pks)
    if pks:
        DigestLog.objects.filter(pk__in=pks, claimed_at=claimed_at, sent_at=None).update(claimed_at=None)


def _renew(*, pks: list[int], claimed_at: dt.datetime, now: dt.datetime) -> set[int]:
    """Extend this batch's claim on `pks` (a slow SMTP server): the ids still ours."""
    if not pks:
        return set()
    sql = (
        f"UPDATE {_table()} SET claimed_at = %s WHERE claimed_at = %s AND sent_at IS NULL "
        f"AND id IN ({', '.join(['%s'] * len(pks))}) RETURNING id"
    )
    params = [db.ops.adapt_datetimefield_value(now), db.ops.adapt_datetimefield_value(claimed_at), *pks]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return {pk for (pk,) in cursor.fetchall()}


def _sent_already(*, user_id: int, period: str) -> bool:
    """Sent already (or unsubscribed since): nothing to build."""
    return DigestLog.objects.filter(user_id=user_id, period=period, sent_at__isnull=False).exists()


def digest_send(*, user_id: int, period: str, today: dt.date) -> bool:
    """Send one user's digest for `period` unless it is sent or being sent.

    True when this call delivered it. False when it was sent already, the user
    turned digests off or has no email, or there is nothing to say (and the user
    did not ask for empty digests). DigestBusy when another worker holds a live
    claim: the caller checks again after DIGEST_LEASE, when a dead worker's claim
    is free, so a worker killed mid-send delays the digest but never loses it.
    SMTP errors propagate after the claim is released, for the task's retry.
    """
    if _sent_already(user_id=user_id, period=period):
        return False
    digests = digest_contexts(users_today={user_id: today})
    if not digests:
        return False
    digest = digests[0]
    if digest.frequency == DigestFrequency.OFF or not digest.should_send:
        return False
    digest.period = period
    _rows_ensure(keys=[(user_id, period)])
    connection = get_connection()
    try:
        return _deliver(digest=digest, connection=connection)
    finally:
        connection.close()


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def digest_send_batch(
    *, user_ids: Iterable[int], now: dt.datetime, date: dt.date | None = None
) -> BatchResult:
    """Send the digests of a batch of users over one SMTP connection.

    Each user's "today" is `date` when given, else their local date at `now`.
    Contexts cost four queries for the whole batch (plus one for the time zones,
    one for what is sent already, one INSERT for the log rows, one UPDATE … RETURNING
    claiming them all); each sent digest then costs its mark. A failing user does not stop the others: the failure is
    recorded on their DigestLog, the claim released, a fresh connection opened for
    the next user, and (user_id, period) returned in `failed` for a retry.
    """
    result = BatchResult()
    ids = sorted(set(user_ids))
    profiles = dict(Profile.objects.filter(user_id__in=ids).values_list("user_id", "timezone"))
    users_today = {uid: date or now.astimezone(_zone(tz)).date() for uid, tz in profiles.items()}
    result.skipped += len(ids) - len(users_today)
    if not users_today:
        return result
    sent_already = set(
        DigestLog.objects.filter(user_id__in=ids, sent_at__isnull=False)
        .filter(period__in={p for uid in users_today for p in _periods(users_today[uid])})
        .values_list("user_id", "period")
    )
    to_send = []
    for digest in digest_contexts(users_today=users_today):
        if (
            digest.frequency == DigestFrequency.OFF
            or not digest.should_send
            or (digest.user_id, digest.period) in sent_already
        ):
            result.skipped += 1
        else:
            to_send.append(digest)
    _rows_ensure(keys=[(d.user_id, d.period) for d in to_send])
    connection = get_connection()
    try:
        _send_claimed(to_send=to_send, connection=connection, result=result)
    finally:
        connection.close()
    return result


def _fail(*, digest: Digest, error: BaseException, result: BatchResult, claimed: bool) -> None:
    """Bad data in one digest (an address with a newline...): logged with its
    traceback, recorded on its DigestLog (our claim, if any, released), returned in
    `failed` (its retry task raises it again, visibly); the batch's others still go out."""
    log.error("digest for user %s (%s) failed", digest.user_id, digest.period, exc_info=error)
    if claimed:
        _release(user_id=digest.user_id, period=digest.period, error=error)
    else:  # not claimed by us: only say why (another worker's claim stays untouched)
        DigestLog.objects.filter(user_id=digest.user_id, period=digest.period, sent_at=None).update(
            last_error=_error_text(error)
        )
    result.failed.append((digest.user_id, digest.period, digest.today))


def _send_claimed(*, to_send: list[Digest], connection, result: BatchResult) -> None:
    """Render every message, claim the batch's rows in one UPDATE, send the ones won.

    Messages are built before the claim (a digest that cannot be rendered never
    holds one). Each accepted message is marked sent at once, one UPDATE by
    primary key: the window "accepted, not yet marked" is as small as for a single
    send. A batch that stops early (an exception escaping, a killed task) gives
    its unsent claims back in `finally`; a killed process leaves them to expire
    after DIGEST_LEASE, when another worker takes them over. Twice, never zero times.
    """
    if not to_send:
        return
    if not db.features.can_return_columns_from_insert:  # no UPDATE … RETURNING (SQLite < 3.35)
        _send_one_by_one(to_send=to_send, connection=connection, result=result)
        return
    prepared = []
    for digest in to_send:
        try:
            prepared.append((digest, emails.digest_outgoing(digest=digest, connection=connection)))
        except Exception as error:  # noqa: BLE001 - recorded, logged with its traceback, returned in failed
            _fail(digest=digest, error=error, result=result, claimed=False)
    claimed_at = timezone.now()
    won = _claim_batch(keys=[(d.user_id, d.period) for d, _ in prepared], now=claimed_at)
    lost = [(d.user_id, d.period) for d, _ in prepared if (d.user_id, d.period) not in won]
    busy: set[tuple[int, str]] = set()
    if lost:  # only the contended case pays this query: sent already, or held by another worker
        busy = set(
            DigestLog.objects.filter(
                user_id__in={k[0] for k in lost}, sent_at=None, period__in={k[1] for k in lost}
            ).values_list("user_id", "period")
        ) & set(lost)
    held = {won[(d.user_id, d.period)] for d, _ in prepared if (d.user_id, d.period) in won}
    try:
        for digest, outgoing in prepared:
            key = (digest.user_id, digest.period)
            pk = won.get(key)
            if pk is None:
                result.skipped += 1
                if key in busy:
                    result.busy.append((digest.user_id, digest.period, digest.today))
                continue
            now = timezone.now()
            if now - claimed_at > DIGEST_LEASE / 2:  # a slow server: keep the rest of the batch ours
                still = _renew(pks=sorted(held), claimed_at=claimed_at, now=now)
                claimed_at = now
                held = still
            if pk not in held:  # taken over after all (this worker was stalled past the lease)
                result.skipped += 1
                result.busy.append((digest.user_id, digest.period, digest.today))
                continue
            try:
                outgoing.send(connection)
            except (SMTPException, OSError) as error:
                held.discard(pk)
                log.warning("digest for user %s (%s) failed: %s", digest.user_id, digest.period, error)
                _release(user_id=digest.user_id, period=digest.period, error=error)
                result.failed.append((digest.user_id, digest.period, digest.today))
                connection.close()  # a broken session; the next user gets a fresh one
                continue
            except Exception as error:  # noqa: BLE001 - recorded, logged with its traceback, returned in failed
                held.discard(pk)
                _fail(digest=digest, error=error, result=result, claimed=True)
                connection.close()
                continue
            # The one window: a crash right here (accepted, not yet marked) sends it
            # again once the lease expires. Twice, never zero times.
            held.discard(pk)
            _mark_sent(pk=pk, item_count=digest.item_count)
            result.sent += 1
    finally:
        _release_unsent(pks=held, claimed_at=claimed_at)


def _send_one_by_one(*, to_send: list[Digest], connection, result: BatchResult) -> None:
    """The per-row claim, for a database without UPDATE … RETURNING."""
    for digest in to_send:
        try:
            delivered = _deliver(digest=digest, connection=connection)
        except DigestBusy:
            result.skipped += 1
            result.busy.append((digest.user_id, digest.period, digest.today))
            continue
        except (SMTPException, OSError) as error:
            log.warning("digest for user %s (%s) failed: %s", digest.user_id, digest.period, error)
            result.failed.append((digest.user_id, digest.period, digest.today))
            connection.close()  # a broken session; the next user gets a fresh one
            continue
        except Exception as error:  # noqa: BLE001 - recorded, logged with its traceback, returned in failed
            log.error("digest for user %s (%s) failed", digest.user_id, digest.period, exc_info=error)
            DigestLog.objects.filter(user_id=digest.user_id, period=digest.period, sent_at=None).update(
                last_error=_error_text(error)
            )
            result.failed.append((digest.user_id, digest.period, digest.today))
            connection.close()
            continue
        if delivered:
            result.sent += 1
        else:
            result.skipped += 1


def _periods(today: dt.date) -> tuple[str, str]:
    return rules.period_key("daily", today), rules.period_key("weekly", today)


def digest_send_all(
    *,
    now: dt.datetime,
    date: dt.date | None = None,
    user_ids: Iterable[int] | None = None,
    batch_size: int = BATCH_SIZE,
) -> BatchResult:
    """Every due user's digest (or only `user_ids`), batch by batch, in this process.

    What `send_digests` runs. A user in `user_ids` who is not due (digests off,
    not their hour or day, no email) counts as skipped.
    """
    due = users_due_for_digest(now=now, date=date)
    total = BatchResult()
    if user_ids is not None:
        wanted = set(user_ids)
        due = [uid for uid in due if uid in wanted]
        total.skipped += len(wanted) - len(due)
    for chunk in _chunks(due, batch_size):
        total.add(digest_send_batch(user_ids=chunk, now=now, date=date))
    return total


def digest_job_started(*, now: dt.datetime) -> None:
    JobRun.objects.update_or_create(name=JOB_NAME, defaults={"last_started_at": now})


def digest_job_finished(*, summary: str) -> None:
    """Record the run, so /healthz and the admin show when digests last went out."""
    JobRun.objects.update_or_create(
        name=JOB_NAME, defaults={"last_finished_at": timezone.now(), "last_summary": summary[:255]}
    )


def digest_action_apply(*, user_id: int, reminder_id: int, action: str, today: dt.date) -> bool:
    """Apply a one-click digest action ("done" or "snooze") to one of the user's reminders.

    True when it changed the reminder; False when it is not this user's or is
    closed already. Goes through the reminder engine's services (conditional
    UPDATEs on an open reminder, so a second click or a replayed link changes
    nothing; "done" on a check-in also moves the next one). "snooze" hides it
    for SNOOZE_DAYS from the user's `today`.
    """
    reminder = Reminder.objects.filter(pk=reminder_id, owner_id=user_id).first()
    if reminder is None:
        return False
    if action == "done":
        return services.reminder_done(reminder=reminder, today=today)
    if action == "snooze":
        return services.reminder_snooze(
            reminder=reminder, until=today + dt.timedelta(days=SNOOZE_DAYS), today=today
        )
    raise ValueError(f"unknown action {action!r}")
