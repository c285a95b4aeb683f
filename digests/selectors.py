"""Read side of the digest: who is due one, and what each digest says.

Contexts are built for a batch of users at a fixed query cost (zulip's digest.py):
four queries whatever the batch size. Nothing here writes.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import BooleanField, Case, F, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse

from contacts.models import Contact
from crm.models import DigestFrequency, Profile, profile_zone
from reminders import rules as date_rules
from reminders.models import Reminder, ReminderKind, ReminderStatus, active_q
from reminders.selectors import EVENT_CONTACT_COLUMNS

from . import rules, tokens

# Missed birthdays/anniversaries stay in the digest this long if left open.
RECENT_EVENT_DAYS = 7
# A weak tie seen within this many days is not a "reconnect" suggestion.
RECONNECT_QUIET_DAYS = 90
RECONNECT_POOL = 5
# An email is read in a minute: after an import of 2,000 contacts last seen years
# ago, the digest lists the first ones per section and counts the rest.
SECTION_MAX = 10
EVENT_KINDS = (ReminderKind.BIRTHDAY, ReminderKind.WORK_ANNIVERSARY)

# The columns a digest reads (the rest of a contact, e.g. notes, stays in the database).
_CONTACT_FIELDS = (*EVENT_CONTACT_COLUMNS, "last_interaction_on")
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
        """Digests on, an address to send to, and something to say (or empty ones wanted)."""
        return (
            self.frequency != DigestFrequency.OFF
            and bool(self.email)
            and (not self.is_empty or self.send_empty)
        )


# --- who is due -----------------------------------------------------------------


def local_today(*, profile: Profile, now: dt.datetime) -> dt.date:
    """The user's local date at the aware instant `now`."""
    return now.astimezone(profile_zone(profile.timezone)).date()


def digest_period(*, profile: Profile, today: dt.date) -> str:
    """The DigestLog period key: daily → "YYYY-MM-DD", weekly → "YYYY-Www" (ISO week).

    A user with digests off gets the daily key (a preview still has a period).
    """
    frequency = profile.digest_frequency if profile.digest_frequency != DigestFrequency.OFF else "daily"
    return rules.period_key(frequency, today)


def users_due_for_digest(*, now: dt.datetime, date: dt.date | None = None) -> list[int]:
    """Ids of active users with an email whose digest falls due, ordered by id.

    Without `date`: users for whom `rules.is_digest_hour` holds at `now` in their
    zone — what the hourly beat runs. With `date`: every user for whom
    `rules.is_digest_day` holds on that date, whatever the hour. Two queries: the
    (zone, frequency, hour) settings in use (a few hundred rows at most), each
    decided once by the rule, then the users having one of the due settings.
    """
    base = (
        Profile.objects.exclude(digest_frequency=DigestFrequency.OFF)
        .filter(user__is_active=True)
        .exclude(user__email="")
    )
    if date is not None:
        frequencies = [f for f in rules.FREQUENCIES if rules.is_digest_day(f, date)]
        due = Q(digest_frequency__in=frequencies)
    else:
        in_use = base.order_by().values_list("timezone", "digest_frequency", "digest_hour").distinct()
        local_now: dict[str, dt.datetime] = {}
        zones_due: dict[tuple[str, int], list[str]] = defaultdict(list)
        for name, frequency, hour in in_use:
            if name not in local_now:
                local_now[name] = now.astimezone(profile_zone(name))
            if rules.is_digest_hour(frequency, hour, local_now[name]):
                zones_due[(frequency, hour)].append(name)
        due = Q(pk__in=[])
        for (frequency, hour), names in zones_due.items():
            due |= Q(digest_frequency=frequency, digest_hour=hour, timezone__in=names)
    return list(base.filter(due).order_by("user_id").values_list("user_id", flat=True))


# --- what a digest says ---------------------------------------------------------


def _site(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _contact_url(contact_id: int) -> str:
    return _site(f"/contacts/{contact_id}/")


def _role(contact: Contact) -> str:
    if contact.title and contact.company:
        return f"{contact.title} at {contact.company}"
    return contact.title or contact.company


class _Links:
    """Absolute URLs and the action signer, made once per batch (reverse() per item
    is measurable at 10k users)."""

    def __init__(self, signed_at: dt.datetime | None) -> None:
        self.action = _site(reverse("digest_action", args=["T"]))[:-1]
        self.unsubscribe = _site(reverse("digest_unsubscribe", args=["T"]))[:-1]
        self.settings = _site(reverse("settings"))
        self.preview = _site(reverse("digest_preview"))
        self.signer = tokens.action_signer(at=signed_at)

    def actions(self, reminder_id: int | None, user_id: int) -> dict[str, str]:
        """done_url and snooze_url for an item with a reminder (none without one)."""
        if reminder_id is None:
            return {}
        return {
            f"{action}_url": self.action
            + tokens.action_token_make(
                user_id=user_id, reminder_id=reminder_id, action=action, signer=self.signer
            )
            for action in tokens.ACTIONS
        }


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


def _reminders(*, by_day: dict[dt.date, list[int]], ids: list[int], first: dt.date, horizon: dt.date):
    """The batch's reminders in one query: each user's active ones (`active_q` at their
    own today, one condition per distinct today in the batch) and the birthday and
    anniversary reminders around the look-ahead (any status: a closed one hides the
    event), each marked `active` by the same predicate, computed in SQL."""
    active = Q(pk__in=[])
    for today, owners in by_day.items():
        active |= Q(owner_id__in=owners) & active_q(today)
    events = Q(
        owner_id__in=ids,
        contact__archived=False,
        kind__in=EVENT_KINDS,
        due_on__gte=first - dt.timedelta(days=RECENT_EVENT_DAYS),
        due_on__lte=horizon,
    )
    return (
        Reminder.objects.filter(active | events)
        .annotate(
            active=Case(When(active, then=Value(True)), default=Value(False), output_field=BooleanField())
        )
        .select_related("contact")
        .only(*_REMINDER_FIELDS, *(f"contact__{name}" for name in _CONTACT_FIELDS))
        .order_by("due_on", "id")
    )


def digest_contexts(*, users_today: dict[int, dt.date], signed_at: dt.datetime | None = None) -> list[Digest]:
    """Digests for a batch of users, each for its own local `today`, in user id order.

    Four queries whatever the batch size: profiles with users, the batch's
    reminders (with contacts), contacts with a birthday or work anniversary in the
    months of the widest look-ahead in the batch, and the reconnect candidates.
    Contacts' rows are shared by reference, so nothing is fetched per user or item.
    `signed_at` dates the action links (tests make expired ones with it).
    """
    if not users_today:
        return []
    links = _Links(signed_at)
    ids = sorted(users_today)
    profiles = {p.user_id: p for p in Profile.objects.select_related("user").filter(user_id__in=ids)}
    first = min(users_today.values())
    horizon = max(
        rules.lookahead_until(today, profiles[uid].birthday_lead_days if uid in profiles else 0)
        for uid, today in users_today.items()
    )
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for uid in ids:
        by_day[users_today[uid]].append(uid)

    reminders: dict[int, list[Reminder]] = defaultdict(list)
    for reminder in _reminders(by_day=by_day, ids=ids, first=first, horizon=horizon):
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

    return [
        _build(
            profile=profiles[user_id],
            today=users_today[user_id],
            reminders=reminders.get(user_id, []),
            event_contacts=events.get(user_id, []),
            pool=pool.get(user_id, []),
            links=links,
        )
        for user_id in ids
        if user_id in profiles
    ]


def _build(
    *,
    profile: Profile,
    today: dt.date,
    reminders: list[Reminder],
    event_contacts: list[Contact],
    pool: list[Contact],
    links: _Links,
) -> Digest:
    user: User = profile.user
    horizon = rules.lookahead_until(today, profile.birthday_lead_days)
    by_kind: dict[str, list[DigestItem]] = defaultdict(list)
    # Event reminders by (contact, kind, date): an active one lends its actions to
    # the computed occurrence; a closed or snoozed one hides it.
    event_reminders: dict[tuple[int, str, dt.date], Reminder] = {}

    for r in reminders:
        if r.kind in EVENT_KINDS:
            event_reminders[(r.contact_id, r.kind, r.due_on)] = r
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
                **links.actions(r.pk, user.pk),
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
        if reminder is not None and not reminder.active:
            if reminder.status != ReminderStatus.OPEN:
                return  # done, dismissed, or snoozed past today: hidden
            reminder = None  # open but not due yet: the occurrence, without actions
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
                **links.actions(reminder.pk if reminder is not None else None, user.pk),
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
    # Active event reminders the look-ahead does not cover: missed in the last days.
    for (_contact_id, kind, on), reminder in event_reminders.items():
        if on < today and reminder.active:
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
        unsubscribe_url=links.unsubscribe + tokens.unsubscribe_token_make(user_id=user.pk),
        settings_url=links.settings,
        preview_url=links.preview,
        site_url=settings.SITE_URL,
    )


def digest_context(*, user: User, today: dt.date) -> Digest:
    """One user's digest for local date `today` (a batch of one: four queries)."""
    return digest_contexts(users_today={user.pk: today})[0]


def digest_action_reminder(*, user_id: int, reminder_id: int) -> Reminder | None:
    """The reminder a one-click link names, if it is still that user's (with its contact)."""
    return Reminder.objects.select_related("contact").filter(pk=reminder_id, owner_id=user_id).first()


def digest_profile(*, user_id: int) -> Profile | None:
    """The profile an unsubscribe link names (with its user), if the account still exists."""
    return Profile.objects.select_related("user").filter(user_id=user_id).first()
