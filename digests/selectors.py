"""Read side of the digest: who is due one, and what each digest says.

Contexts are built for a batch of users at a fixed query cost (zulip's digest.py):
six queries whatever the batch size. A digest leads with today's focus as
`reminders.focus` picked it (the same people, in the same order and with the same
words as the dashboard's), counts the rest of the backlog, then lists upcoming
birthdays and work anniversaries. The one write: the users with something due and
no pick yet today get one (`focus.focus_pick_many`, idempotent, a few queries for the
batch) before their digests are built; the focus is picked where it is first shown,
the dashboard or the digest, not by the reminder job.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import BooleanField, Case, Count, F, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse

from contacts.models import Contact
from contacts.selectors import dormant_q
from crm.models import DigestFrequency, Profile, profile_zone
from reminders import focus
from reminders import rules as date_rules
from reminders.models import Reminder, ReminderKind, ReminderStatus, active_q, each_day_q
from reminders.selectors import EVENT_CONTACT_COLUMNS

from . import rules, tokens
from .models import DigestLog

# Missed birthdays/anniversaries stay in the digest this long if left open.
RECENT_EVENT_DAYS = 7
RECONNECT_POOL = 5
# An email is read in a minute: the upcoming birthdays and anniversaries list the
# first ones and count the rest (the backlog is only counted: "N more waiting").
SECTION_MAX = 10
EVENT_KINDS = (ReminderKind.BIRTHDAY, ReminderKind.WORK_ANNIVERSARY)

# The columns a digest reads (the rest of a contact, e.g. notes, stays in the
# database): what it shows, and what `focus.rank` orders today's focus by.
_CONTACT_FIELDS = (*EVENT_CONTACT_COLUMNS, "last_interaction_on", "last_talked_on")
_RANK_CONTACT_FIELDS = ("tie_strength", "checkin_cadence_months", "warmth", "created_at")
_REMINDER_FIELDS = (
    "owner_id",
    "contact_id",
    "kind",
    "due_on",
    "status",
    "snoozed_until",
    "detail",
    "focus_on",
)

FOCUS_TITLE = "Today\u2019s focus"  # a typographic apostrophe: no HTML escape, same in both parts
_SECTION_TITLES = {
    "focus": FOCUS_TITLE,
    "events": "Birthdays & work anniversaries",
}


@dataclass(frozen=True)
class DigestItem:
    kind: str  # a ReminderKind value, or "reconnect"
    contact_id: int
    name: str
    role: str  # "Engineer at Acme"
    on: dt.date
    note: str  # a focus item's `why` ("last talked 2 years ago · …"), "Turns 40 on Thu 26 Nov"
    contact_url: str
    reminder_id: int | None = None
    done_url: str = ""
    snooze_url: str = ""
    overdue: bool = False
    first_name: str = ""  # what the subject line calls them


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
    # Today's focus: its open reminders, in the focus order, each with its `why` as note.
    focus: list[DigestItem] = field(default_factory=list)
    # Active reminders not in today's open focus (the dashboard's "N waiting").
    waiting: int = 0
    # "focus" (the same items as `focus`, when it has any), then "events" (upcoming).
    sections: list[DigestSection] = field(default_factory=list)
    # Upcoming events without an active reminder (those with one are in focus or waiting).
    upcoming: int = 0
    reconnect: DigestItem | None = None
    unsubscribe_url: str = ""
    settings_url: str = ""
    preview_url: str = ""
    site_url: str = ""

    @property
    def item_count(self) -> int:
        """Things that make the digest worth sending, each counted once: today's focus,
        the reminders waiting, upcoming events (the reconnect suggestion does not count)."""
        return len(self.focus) + self.waiting + self.upcoming

    @property
    def is_empty(self) -> bool:
        return self.item_count == 0

    @property
    def headline(self) -> str:
        """The subject line when today's focus has people; "" when it has none."""
        return rules.focus_headline([item.first_name for item in self.focus]) if self.focus else ""

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


# A beat tick lost while the broker was down, or a worker away for an hour: the next
# runs still send the digests those hours owed (at the hour they were due, so with that
# hour's period), for this many hours. The batch's DigestLog claim keeps it to one.
DIGEST_CATCH_UP_HOURS = 3


def users_due_for_digest_catching_up(*, now: dt.datetime) -> dict[dt.datetime, list[int]]:
    """The users due at `now`, and those due in the hours before it whose digest for that
    hour's period has not gone out: {the moment they were due: their ids}.

    Six queries at most; the hourly job calls this.
    """
    due_at: dict[int, dt.datetime] = {}
    for hours in range(DIGEST_CATCH_UP_HOURS):
        at = now - dt.timedelta(hours=hours)
        for user_id in users_due_for_digest(now=at):
            due_at.setdefault(user_id, at)
    late = [uid for uid, at in due_at.items() if at != now]
    if late:  # those an earlier hour owes: unless that hour's digest did go out (its period is sent)
        owed = {
            (uid, rules.period_key(frequency, due_at[uid].astimezone(profile_zone(zone)).date()))
            for uid, zone, frequency in Profile.objects.filter(user_id__in=late).values_list(
                "user_id", "timezone", "digest_frequency"
            )
        }
        for sent in DigestLog.objects.filter(
            user_id__in=late, period__in={period for _uid, period in owed}, sent_at__isnull=False
        ).values_list("user_id", "period"):
            if sent in owed:
                due_at.pop(sent[0], None)
    by_moment: dict[dt.datetime, list[int]] = {}
    for user_id in sorted(due_at):
        by_moment.setdefault(due_at[user_id], []).append(user_id)
    return by_moment


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


class _Batch:
    """The batch's users grouped by their local today: one condition per distinct day."""

    def __init__(self, users_today: dict[int, dt.date]) -> None:
        self.users_today = users_today

    def active(self) -> Q:
        """Each user's active reminders (`active_q` at their own today)."""
        return each_day_q(self.users_today, active_q)

    def picked(self, owners: set[int] | None = None) -> Q:
        """Each user's reminders in today's focus (`focus_on` = their today), open or closed since."""
        return each_day_q(self.users_today, lambda today: Q(focus_on=today), only=owners)


def _reminders(condition: Q, active: Q):
    """Reminders with their contacts, each marked `active` by the same predicate, computed in SQL."""
    return (
        Reminder.objects.filter(condition)
        .annotate(
            active=Case(When(active, then=Value(True)), default=Value(False), output_field=BooleanField())
        )
        .select_related("contact")
        .only(
            *_REMINDER_FIELDS,
            *(f"contact__{name}" for name in (*_CONTACT_FIELDS, *_RANK_CONTACT_FIELDS)),
        )
        .order_by("due_on", "id")
    )


def digest_contexts(*, users_today: dict[int, dt.date], signed_at: dt.datetime | None = None) -> list[Digest]:
    """Digests for a batch of users, each for its own local `today`, in user id order.

    Six queries whatever the batch size: profiles with users; how many active
    reminders each user has; today's focus picks and the birthday and anniversary
    reminders around the look-ahead (with contacts); the tag cadences of the
    focus's contacts (what `focus.rank` orders by); contacts with a birthday or
    work anniversary in the months of the widest look-ahead in the batch; and the
    reconnect candidates. The users with something due and no pick yet today (the
    dashboard picks too, on a visit before the digest hour) cost `focus.focus_pick_many`
    (five queries) and one query for their new picks.
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
    batch = _Batch(users_today)
    active = batch.active()

    counts = dict(
        Reminder.objects.filter(active)
        .order_by()
        .values("owner_id")
        .annotate(n=Count("id"))
        .values_list("owner_id", "n")
    )

    events_q = Q(
        owner_id__in=ids,
        contact__archived=False,
        kind__in=EVENT_KINDS,
        due_on__gte=first - dt.timedelta(days=RECENT_EVENT_DAYS),
        due_on__lte=horizon,
    )
    reminders: dict[int, list[Reminder]] = defaultdict(list)
    have_picks: set[int] = set()
    for reminder in _reminders(batch.picked() | events_q, active):
        reminders[reminder.owner_id].append(reminder)
        if reminder.focus_on == users_today[reminder.owner_id]:
            have_picks.add(reminder.owner_id)

    # Something due and no pick yet today (no visit to the dashboard yet): pick now.
    unpicked = {
        uid
        for uid in ids
        if counts.get(uid) and uid not in have_picks and uid in profiles and profiles[uid].daily_focus
    }
    if unpicked:
        focus.focus_pick_many(owner_ids=sorted(unpicked), today_of=users_today.__getitem__)
        # Their rows again, whole: an event reminder read above may be picked now.
        for uid in unpicked:
            reminders.pop(uid, None)
        for reminder in _reminders(batch.picked(unpicked) | (events_q & Q(owner_id__in=unpicked)), active):
            reminders[reminder.owner_id].append(reminder)

    today_focus: dict[int, list[Reminder]] = defaultdict(list)
    for uid, rows in reminders.items():
        today_focus[uid] = [r for r in rows if r.focus_on == users_today[uid] and r.active]
    tags = focus.tag_cadences({r.contact_id for rows in today_focus.values() for r in rows})

    months = {(first + dt.timedelta(days=n)).month for n in range((horizon - first).days + 1)}
    events: dict[int, list[Contact]] = defaultdict(list)
    for contact in (
        Contact.objects.filter(owner_id__in=ids, archived=False)
        .filter(Q(birthday_month__in=months) | Q(started_on__month__in=months))
        .only(*_CONTACT_FIELDS)
    ):
        events[contact.owner_id].append(contact)

    # The RECONNECT_POOL best-ranked dormant ties per user (contacts.selectors.dormant_q,
    # reminders.ranking's reconnect rank: the dashboard's reconnect list); whoever the digest
    # lists already (today's focus, events) is dropped below. A dormant tie usually has a
    # check-in waiting too: the reconnect rank is the better way to pick among those.
    dormant = Q(pk__in=[])
    by_day_and_months: dict[tuple[dt.date, int], list[int]] = defaultdict(list)
    for uid in ids:
        if uid in profiles:
            by_day_and_months[(users_today[uid], profiles[uid].dormant_months)].append(uid)
    for (today, months), owners in by_day_and_months.items():
        dormant |= Q(owner_id__in=owners) & dormant_q(today=today, months=months)
    ranked = (
        Contact.objects.filter(dormant)
        .only(*_CONTACT_FIELDS, "reconnect_score", "reconnect_why")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("owner_id")],
                order_by=[F("reconnect_score").desc(), F("id").asc()],
            )
        )
        .filter(rank__lte=RECONNECT_POOL)
        .order_by("owner_id", "rank")
    )
    pool: dict[int, list[Contact]] = defaultdict(list)
    for contact in ranked:
        pool[contact.owner_id].append(contact)

    built = []
    for user_id in ids:
        if user_id not in profiles:
            continue
        profile, today = profiles[user_id], users_today[user_id]
        in_focus = focus.rank_reminders(today_focus.get(user_id, []), profile=profile, today=today, tags=tags)
        built.append(
            _build(
                profile=profile,
                today=today,
                in_focus=in_focus,
                active_count=counts.get(user_id, 0),
                event_reminders=[r for r in reminders.get(user_id, []) if r.kind in EVENT_KINDS],
                event_contacts=events.get(user_id, []),
                pool=pool.get(user_id, []),
                links=links,
            )
        )
    return built


def _build(
    *,
    profile: Profile,
    today: dt.date,
    in_focus: list[tuple[focus.Ranked, Reminder]],
    active_count: int,
    event_reminders: list[Reminder],
    event_contacts: list[Contact],
    pool: list[Contact],
    links: _Links,
) -> Digest:
    user: User = profile.user
    horizon = rules.lookahead_until(today, profile.birthday_lead_days)

    focus_items = []
    for place, r in in_focus:
        contact = r.contact
        focus_items.append(
            DigestItem(
                kind=r.kind,
                contact_id=contact.pk,
                name=contact.full_name,
                first_name=contact.first_name or contact.full_name,
                role=_role(contact),
                on=r.due_on,
                note=place.why,
                contact_url=_contact_url(contact.pk),
                reminder_id=r.pk,
                **links.actions(r.pk, user.pk),
            )
        )
    in_focus_ids = {r.pk for _place, r in in_focus}

    # Event reminders by (contact, kind, date): an active one lends its actions to
    # the computed occurrence; a closed or snoozed one hides it; one in today's
    # focus is listed there, not twice.
    by_occurrence = {(r.contact_id, r.kind, r.due_on): r for r in event_reminders}
    events: list[DigestItem] = []
    seen: set[tuple[int, str, dt.date]] = set()

    def add_event(contact: Contact, kind: str, on: dt.date, years: int | None) -> None:
        key = (contact.pk, kind, on)
        if key in seen:
            return
        seen.add(key)
        reminder = by_occurrence.get(key)
        if reminder is not None and reminder.pk in in_focus_ids:
            return
        if reminder is not None and not reminder.active:
            if reminder.status != ReminderStatus.OPEN:
                return  # done, dismissed, or snoozed past today: hidden
            reminder = None  # open but not due yet: the occurrence, without actions
        events.append(
            DigestItem(
                kind=kind,
                contact_id=contact.pk,
                name=contact.full_name,
                first_name=contact.first_name or contact.full_name,
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
    for (_contact_id, kind, on), reminder in by_occurrence.items():
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
    if focus_items:  # all of them: at most Profile.daily_focus people
        sections.append(DigestSection(key="focus", title=FOCUS_TITLE, items=focus_items))
    if events:
        sections.append(_section("events", events))

    period = digest_period(profile=profile, today=today)
    # Everyone listed is not a reconnect pick (nor is anyone with something due:
    # the pool's query leaves them out).
    listed = {item.contact_id for item in focus_items} | {e.contact_id for e in events}
    candidates = [c for c in pool if c.pk not in listed]
    # The best-ranked (the dashboard's first reconnect suggestion); among equals, one per period.
    best = [c for c in candidates if c.reconnect_score == candidates[0].reconnect_score] if candidates else []
    pick = rules.pick_for_period(best, seed=f"{user.pk}:{period}")
    reconnect = None
    if pick is not None:
        seen_on = pick.last_talked_on
        note = pick.reconnect_why or (
            f"Last talked {_day(seen_on)} {seen_on.year}" if seen_on else "No conversation logged yet"
        )
        reconnect = DigestItem(
            kind="reconnect",
            contact_id=pick.pk,
            name=pick.full_name,
            first_name=pick.first_name or pick.full_name,
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
        focus=focus_items,
        waiting=max(0, active_count - len(focus_items)),
        sections=sections,
        upcoming=sum(1 for e in events if e.reminder_id is None),
        reconnect=reconnect,
        unsubscribe_url=links.unsubscribe + tokens.unsubscribe_token_make(user_id=user.pk),
        settings_url=links.settings,
        preview_url=links.preview,
        site_url=settings.SITE_URL,
    )


def digest_context(*, user: User, today: dt.date) -> Digest:
    """One user's digest for local date `today` (a batch of one: six queries)."""
    return digest_contexts(users_today={user.pk: today})[0]


def digest_action_reminder(*, user_id: int, reminder_id: int) -> Reminder | None:
    """The reminder a one-click link names, if it is still that user's (with its contact)."""
    return Reminder.objects.select_related("contact").filter(pk=reminder_id, owner_id=user_id).first()


def digest_profile(*, user_id: int) -> Profile | None:
    """The profile an unsubscribe link names (with its user), if the account still exists."""
    return Profile.objects.select_related("user").filter(user_id=user_id).first()
