"""The per-user calendar feed /calendar/<token>.ics (RFC 5545, built with `icalendar`).

Birthdays and work anniversaries are yearly all-day events with an RRULE (Feb 29
falls on the last day of February, so Feb 28 in common years: BYMONTHDAY=-1), one
per contact whatever the window. Open and snoozed check-ins, follow-ups and job
changes are single all-day events, and only those dated within [today − 30 days,
today + 12 months] (the user's local today, `FEED_PAST_DAYS`, `FEED_FUTURE_MONTHS`):
a check-in overdue for more than a month is not useful in a calendar (it is on the
reminders page), and a feed of 20,000 contacts must not carry years of them. UIDs
are stable (`birthday-<contact id>@keepwarm`...), so calendar apps update events in
place instead of duplicating them. The secret token is the only credential: a wrong
one is a 404, and regenerating it revokes the old URL (the views are in
reminders/views.py, the regeneration in reminders/services.py).

Calendar apps poll the feed every few minutes, so a fetch is cheap unless something
changed (`calendar_feed_state`):
- the *validator* is a digest of the user's local date and two aggregate queries
  (indexed by owner): the contacts' count, highest id, id sum and latest `updated_at`
  (every write path of a contact keeps `updated_at`: save(), the bulk actions, the
  merge and the import's bulk_update), and a fingerprint of the feed's reminders
  (count, ids, status, the date shown, contact): a reminder raised, closed,
  dismissed, snoozed, re-snoozed, reopened, moved by a merge or deleted changes it.
  Reminders have no `updated_at`, hence the fingerprint.
- the validator is the ETag; Last-Modified is the moment this validator was first
  seen (kept in the cache, strictly increasing per user), so If-None-Match and
  If-Modified-Since both answer 304 without building anything;
- the built body is cached per user under a key holding the validator (one body per
  user: a new validator's body replaces the previous one).
Each token may be fetched `FEED_FETCHES_PER_WINDOW` times per clock hour
(`calendar_feed_throttle`, counted in the cache, 304s included); then 429.
"""

import hashlib
import math
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models import Case, Count, DateField, F, Func, IntegerField, Max, Q, Sum, When
from django.utils import timezone
from icalendar import Calendar, Event

from contacts.models import Contact
from crm.models import Profile, profile_zone
from crm.querystring import has_nul

from . import rules
from .models import Reminder, ReminderKind, ReminderStatus

UID_DOMAIN = "keepwarm"
# Birthdays and anniversaries come as yearly events already.
REMINDER_KINDS = (ReminderKind.CHECK_IN, ReminderKind.FOLLOW_UP, ReminderKind.JOB_CHANGE)
REMINDER_TITLES = {
    ReminderKind.CHECK_IN: "Check in with {name}",
    ReminderKind.FOLLOW_UP: "Follow up with {name}",
    ReminderKind.JOB_CHANGE: "Congratulate {name} on the new role",
}
# The single-day events shown: dated from FEED_PAST_DAYS ago to FEED_FUTURE_MONTHS ahead.
FEED_PAST_DAYS = 30
FEED_FUTURE_MONTHS = 12
# Fetches of one token per window (a clock hour); beyond it, 429 until the next window.
FEED_FETCHES_PER_WINDOW = 60
FEED_THROTTLE_WINDOW_SECONDS = 3600
# How long a built body and its Last-Modified stay cached. The validator holds the local
# date, so nothing cached is served on a later day whatever this is.
FEED_CACHE_SECONDS = 36 * 3600
FEED_CACHE_CONTROL = "private, max-age=900"
# Part of the validator: bump it when calendar_feed_build's output changes, so a deploy
# never serves bodies cached by the previous code.
FEED_FORMAT = 2
_SHOWN_STATUSES = (ReminderStatus.OPEN, ReminderStatus.SNOOZED)


def _all_day(
    uid: str, start: date, summary: str, stamp, *, rrule: dict | None = None, description: str = ""
) -> Event:
    event = Event()
    event.add("uid", f"{uid}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(days=1))
    event.add("summary", summary)
    event.add("transp", "TRANSPARENT")
    if rrule:
        event.add("rrule", rrule)
    if description:
        event.add("description", description)
    return event


def _yearly(month: int, day: int) -> dict:
    if (month, day) == (2, 29):
        return {"freq": "yearly", "bymonth": 2, "bymonthday": -1}
    return {"freq": "yearly"}


def calendar_feed_today(profile: Profile, *, now: datetime | None = None) -> date:
    """The user's local date (their profile's zone), as the reminder job computes it."""
    return timezone.localtime(now or timezone.now(), profile_zone(profile.timezone)).date()


def calendar_feed_window(today: date) -> tuple[date, date]:
    """The first and last date (inclusive) of the single-day events in the feed."""
    return today - timedelta(days=FEED_PAST_DAYS), today + relativedelta(months=FEED_FUTURE_MONTHS)


def calendar_feed_build(*, user: User, today: date | None = None) -> bytes:
    """The user's feed as bytes (two queries: contacts with dates, reminders in the window).

    `today` is the user's local date (default: now in their profile's zone).
    """
    if today is None:
        today = calendar_feed_today(user.profile)
    first, last = calendar_feed_window(today)
    stamp = timezone.now().replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", "-//Keepwarm//Relationship reminders//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Keepwarm")
    cal.add("x-wr-caldesc", "Birthdays, work anniversaries and check-ins from Keepwarm")
    contacts = (
        Contact.objects.filter(owner=user, archived=False)
        .filter(Q(birthday_month__isnull=False) | Q(started_on__isnull=False))
        .only(
            "id",
            "first_name",
            "last_name",
            "company",
            "birthday_month",
            "birthday_day",
            "birthday_year",
            "started_on",
        )
        .order_by("id")
    )
    for contact in contacts:
        if contact.birthday_month and contact.birthday_day:
            start = rules.birthday_origin(
                month=contact.birthday_month, day=contact.birthday_day, year=contact.birthday_year
            )
            cal.add_component(
                _all_day(
                    f"birthday-{contact.pk}",
                    start,
                    f"🎂 {contact.full_name}'s birthday",
                    stamp,
                    rrule=_yearly(start.month, start.day),
                )
            )
        if contact.started_on:
            origin = contact.started_on
            first_year = rules.yearly_on(origin, origin.year + 1)  # the first full year
            where = f" at {contact.company}" if contact.company else ""
            cal.add_component(
                _all_day(
                    f"work-anniversary-{contact.pk}",
                    first_year,
                    f"Work anniversary: {contact.full_name}{where}",
                    stamp,
                    rrule=_yearly(origin.month, origin.day),
                    description=f"In the role since {origin:%d %B %Y}.",
                )
            )
    reminders = (
        Reminder.objects.filter(owner=user, kind__in=REMINDER_KINDS, contact__archived=False)
        .filter(
            Q(status=ReminderStatus.OPEN, due_on__gte=first, due_on__lte=last)
            | Q(status=ReminderStatus.SNOOZED, snoozed_until__gte=first, snoozed_until__lte=last)
        )
        .select_related("contact")
        .order_by("due_on", "id")
    )
    for reminder in reminders:
        on = reminder.snoozed_until if reminder.status == ReminderStatus.SNOOZED else reminder.due_on
        title = REMINDER_TITLES[reminder.kind].format(name=reminder.contact.full_name)
        cal.add_component(_all_day(f"reminder-{reminder.pk}", on, title, stamp, description=reminder.detail))
    return cal.to_ical()


# --- cheap fetches: validator, conditional GET, cache, throttle -----------------


class _DayNumber(Func):
    """A date as a whole number of days, computed by the database (no per-row Python).

    SQLite and PostgreSQL only, the project's two backends."""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="CAST(julianday(%(expressions)s) AS INTEGER)", **extra
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s - DATE '2000-01-01')", **extra)


class _Millis(Func):
    """A datetime as whole milliseconds since 1970, computed by the database (SQLite, PostgreSQL)."""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        template = "CAST(ROUND((julianday(%(expressions)s) - 2440587.5) * 86400000) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = "CAST(ROUND(EXTRACT(EPOCH FROM %(expressions)s) * 1000) AS BIGINT)"
        return self.as_sql(compiler, connection, template=template, **extra)


def calendar_feed_validator(*, user: User, today: date) -> str:
    """A digest that changes whenever the user's feed on local date `today` changes.

    Two aggregate queries, both on indexes that start with the owner:
    - contacts: count, highest id, sum of ids, latest `updated_at` and a weighted sum of
      every `updated_at`. A contact added or deleted changes the first three; an edit of
      anything the feed shows (name, company, birthday, started_on, archived) sets
      `updated_at` on every write path, which changes the sum even when a concurrent
      transaction committed a later `updated_at` first (the maximum alone would miss it).
    - reminders of the feed's kinds that are open or snoozed: count, highest id, sum of
      ids, how many are snoozed, and two sums weighted per row (by id mod a prime): of
      the date shown (snoozed_until when snoozed, else due_on) and of the contact id.
      Raised, done, dismissed, reopened or deleted changes the count; snoozed or
      re-snoozed changes the weighted date sum; a merge that moves reminders changes
      the contact sum (and deletes a contact).
    Wider than the window on purpose: a change outside it only costs one rebuild.
    """
    weight = F("id") % 9973 + 1  # a per-row weight, so that changes to two rows do not cancel out
    contacts = Contact.objects.filter(owner=user).aggregate(
        n=Count("id"),
        top=Max("id"),
        ids=Sum("id"),
        changed=Max("updated_at"),
        stamps=Sum(weight * (_Millis("updated_at") % 1000003)),
    )
    shown_on = Case(
        When(status=ReminderStatus.SNOOZED, then=F("snoozed_until")),
        default=F("due_on"),
        output_field=DateField(),
    )
    reminders = Reminder.objects.filter(
        owner=user, kind__in=REMINDER_KINDS, status__in=_SHOWN_STATUSES
    ).aggregate(
        n=Count("id"),
        top=Max("id"),
        ids=Sum("id"),
        snoozed=Count("id", filter=Q(status=ReminderStatus.SNOOZED)),
        dates=Sum(weight * _DayNumber(shown_on)),
        contacts=Sum(weight * (F("contact_id") % 99991)),
    )
    changed = contacts["changed"]
    parts = (
        FEED_FORMAT,
        today.isoformat(),
        contacts["n"],
        contacts["top"],
        contacts["ids"],
        changed.isoformat() if changed else None,
        contacts["stamps"],
        *(reminders[name] for name in ("n", "top", "ids", "snoozed", "dates", "contacts")),
    )
    text = "|".join(
        "" if part is None else str(int(part)) if not isinstance(part, str) else part for part in parts
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class FeedState:
    """What a fetch answers from: the validator is the ETag."""

    user: User
    today: date
    validator: str
    last_modified: datetime


def calendar_feed_profile(token: str) -> Profile | None:
    """The profile whose feed this token opens (one query), or None: the view's 404."""
    if not token or has_nul(token):  # a NUL cannot be compared on PostgreSQL: no such token
        return None
    return Profile.objects.select_related("user").filter(calendar_token=token).first()


def _state_key(user_id: int) -> str:
    return f"calendar-feed:state:{user_id}"


def _body_key(user_id: int, validator: str) -> str:
    return f"calendar-feed:body:{user_id}:{validator}"


def _first_seen(user_id: int, validator: str, now: datetime) -> datetime:
    """When this validator was first seen: the feed's Last-Modified.

    Strictly increasing per user (whole seconds, as HTTP dates are), so a client that
    only sends If-Modified-Since never gets a 304 for a feed that changed within the
    second it last fetched. A new validator also drops the body cached for the previous one.
    """
    key = _state_key(user_id)
    state = cache.get(key)
    if state is not None and state[0] == validator:
        return datetime.fromtimestamp(state[1], tz=UTC)
    stamp = int(now.timestamp())
    if state is not None:
        stamp = max(stamp, state[1] + 1)
    cache.set(key, (validator, stamp), FEED_CACHE_SECONDS)
    if state is not None:
        cache.delete(_body_key(user_id, state[0]))
    return datetime.fromtimestamp(stamp, tz=UTC)


def calendar_feed_state(profile: Profile, *, now: datetime | None = None) -> FeedState:
    """The validator and Last-Modified of the profile's feed now (two queries, no build)."""
    now = now or timezone.now()
    today = calendar_feed_today(profile, now=now)
    validator = calendar_feed_validator(user=profile.user, today=today)
    return FeedState(profile.user, today, validator, _first_seen(profile.user_id, validator, now))


def calendar_feed_body(state: FeedState) -> bytes:
    """The feed's bytes: from the cache while the validator holds, else built and cached."""
    key = _body_key(state.user.pk, state.validator)
    body = cache.get(key)
    if body is None:
        body = calendar_feed_build(user=state.user, today=state.today)
        cache.set(key, body, FEED_CACHE_SECONDS)
    return body


def calendar_feed_throttle(token: str, *, now: float | None = None) -> int | None:
    """Count one fetch of this token; None when allowed, else the seconds to wait.

    A fixed window per clock hour: one counter per (token, window) in the cache,
    created with `cache.add` and counted with `cache.incr` (atomic on Redis). The
    cache key holds a digest of the token, never the token itself.
    """
    now = time.time() if now is None else now
    window = int(now // FEED_THROTTLE_WINDOW_SECONDS)
    digest = hashlib.sha256(token.encode()).hexdigest()[:32]
    key = f"calendar-feed:hits:{digest}:{window}"
    timeout = FEED_THROTTLE_WINDOW_SECONDS + 60
    cache.add(key, 0, timeout)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout)
        count = 1
    if count <= FEED_FETCHES_PER_WINDOW:
        return None
    return max(1, math.ceil((window + 1) * FEED_THROTTLE_WINDOW_SECONDS - now))
