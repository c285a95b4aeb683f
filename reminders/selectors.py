"""Read side of reminders: the reminders page, the dashboard.

Every selector takes the owner, so access is decided here, and returns evaluated
lists with what the templates need (no query while rendering).
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import chain

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from contacts.models import Contact, Interaction, InteractionKind

from . import focus, rules
from .models import OPEN_TERM, Reminder, ReminderKind, ReminderStatus
from .windows import STARTED_MD, day_window, month_day_q, started_md_q

log = logging.getLogger(__name__)

UPCOMING_DAYS = 30
DASHBOARD_DAYS = 7
DASHBOARD_ROWS = 15  # per section; the reminders page has the rest
# A window per section on the reminders page: "Show more" loads the next one (htmx, or a
# plain link without JS), so a backlog of 10,000 costs what a window costs. A reminder row
# with its actions is ~2.2 KB of HTML, an upcoming one ~0.9 KB: 25 rows a section keep the
# page near 150 KB and 50 ms whatever the backlog.
PAGE_ROWS = 25
UPCOMING_ROWS = 25
SECTIONS = ("overdue", "today", "upcoming")


# `archived IN (false)`, not `NOT archived` (what `archived=False` writes): an equality
# SQLite can walk the (owner, archived, next_check_in) index with, in date order, and
# count from alone; PostgreSQL reads both the same.
NOT_ARCHIVED = Q(archived__in=[False])


# Within a day, upcoming items go birthdays, anniversaries, follow-ups, check-ins, each by
# contact id: a total order SQL can resume from (keyset), the same on every database.
KIND_RANK = {
    ReminderKind.BIRTHDAY: 0,
    ReminderKind.WORK_ANNIVERSARY: 1,
    ReminderKind.FOLLOW_UP: 2,
    ReminderKind.CHECK_IN: 3,
}


@dataclass(frozen=True)
class Upcoming:
    """Something coming up that has no Reminder row yet (raised on its day)."""

    contact: Contact
    kind: str
    due_on: date
    why: str
    sub: int = 0  # the interaction of a follow-up (a person can have two the same day)

    @property
    def kind_label(self) -> str:
        return ReminderKind(self.kind).label

    @property
    def key(self) -> tuple:
        return (self.due_on, KIND_RANK[self.kind], self.contact.pk, self.sub)


# The columns a reminder row shows (`_reminder_row.html`, `reminder_with_why`): not the
# whole contact, and never the interaction (joining it made the planner scan them all).
ROW_COLUMNS = (
    "id",
    "owner_id",
    "contact_id",
    "kind",
    "due_on",
    "status",
    "detail",
    "contact__id",
    "contact__first_name",
    "contact__last_name",
    "contact__company",
    "contact__warmth",
    "contact__warmth_why",
    "contact__last_talked_on",
    "contact__last_interaction_on",
    "contact__created_at",
)


def _active(owner: User, today: date) -> QuerySet[Reminder]:
    """The owner's active reminders (`Reminder.objects.active`), with what the rows show,
    in (due_on, id) order: the order of the (owner, due_on, id) partial index."""
    return (
        Reminder.objects.active(today)
        .filter(OPEN_TERM, owner=owner)
        .select_related("contact")
        .only(*ROW_COLUMNS)
        .order_by("due_on", "id")
    )


def active_count(owner: User | int, today: date) -> QuerySet[Reminder]:
    """`Reminder.objects.active_count` for a user or a user id."""
    return Reminder.objects.active_count(owner if isinstance(owner, int) else owner.pk, today)


@dataclass(frozen=True)
class Cursor:
    """Where a window of a section ends: its last row's sort key, as text in URLs
    ("2026-11-02.1234" for reminders: due_on and id; upcoming items add their kind's
    rank and a sub-id: "2026-11-02.1.1234.0")."""

    due_on: date
    parts: tuple[int, ...]

    def __str__(self) -> str:
        return ".".join([self.due_on.isoformat(), *map(str, self.parts)])

    @classmethod
    def parse(cls, text: str | None, size: int) -> "Cursor | None":
        """The cursor in `text`, or None when there is none or it is malformed."""
        if not text:
            return None
        day, *parts = text.split(".")
        if len(parts) != size or not all(p.isascii() and p.isdigit() and len(p) <= 18 for p in parts):
            return None
        try:
            return cls(date.fromisoformat(day), tuple(int(p) for p in parts))
        except ValueError:
            return None


def _after_q(cursor: Cursor | None, date_field: str, *fields: str) -> Q:
    """Rows whose (date_field, *fields) come after the cursor's key (keyset pagination)."""
    if cursor is None:
        return Q()
    keys = [date_field, *fields]
    values = [cursor.due_on, *cursor.parts]
    query = Q(pk__in=[])
    for i, field in enumerate(keys):
        equal = {keys[j]: values[j] for j in range(i)}
        query |= Q(**equal, **{f"{field}__gt": values[i]})
    # The leading `date >= cursor's date` is what the index seeks to: without it the OR is
    # a filter, and the scan starts at the owner's first row (an OFFSET in disguise).
    return Q(**{f"{date_field}__gte": cursor.due_on}) & query


def reminder_with_why(reminders: list[Reminder], today: date) -> list[Reminder]:
    """The reminders with what their row shows: `why`, and `row_urls` (`row_view`)."""
    for reminder in reminders:
        if reminder.kind == ReminderKind.CHECK_IN:
            contact = reminder.contact
            reminder.why = rules.why_check_in(
                last_talked_on=contact.last_talked_on,
                last_interaction_on=contact.last_interaction_on,
                created_on=timezone.localdate(contact.created_at),
                today=today,
            )
        else:
            reminder.why = reminder.detail or reminder.get_kind_display()
    return row_view(reminders, today)


def _url_maker(name: str):
    """pk -> the URL `name` takes a pk for: reversed once, the pk put in by text (a row
    window renders three URLs a row; reverse() is the costliest thing in it)."""
    prefix, suffix = reverse(name, args=[0]).rsplit("/0/", 1)
    return lambda pk: f"{prefix}/{pk}/{suffix}"


def row_view(reminders: list, today: date) -> list:
    """Put on each reminder what `_reminder_row.html` shows that costs to render: its URLs
    (`done_url`, `dismiss_url`, `contact_url`, `compose_url`) and the due date in words
    (`due_text`, `is_overdue`)."""
    done, dismiss, contact, compose = (
        _url_maker("reminders:done"),
        _url_maker("reminders:dismiss"),
        _url_maker("contacts:detail"),
        _url_maker("messaging:compose"),
    )
    for reminder in reminders:
        reminder.done_url = done(reminder.pk)
        reminder.dismiss_url = dismiss(reminder.pk)
        reminder.contact_url = contact(reminder.contact_id)
        reminder.compose_url = compose(reminder.contact_id)
        due = reminder.due_on
        reminder.is_overdue = due < today
        text = date_format(due, "j M") + (f" {due.year}" if due.year != today.year else "")
        reminder.due_text = "today" if due == today else f"overdue since {text}" if due < today else text
    return reminders


def reminder_list_due(*, owner: User, today: date, limit: int | None = None) -> dict:
    """The owner's reminders to act on: "overdue" and "today", most overdue first.

    With `limit`, each list holds at most that many rows and "overdue_total" /
    "today_total" say how many there are: an import of 2,000 contacts last seen
    years ago makes 2,000 overdue check-ins at once, and a page must not render
    them all. Three queries (totals, overdue rows, today's rows) whatever the size.
    """
    if limit is None:
        due = reminder_with_why(list(_active(owner, today)), today)
        overdue = [r for r in due if r.due_on < today]
        due_today = [r for r in due if r.due_on >= today]
        return {
            "overdue": overdue,
            "today": due_today,
            "overdue_total": len(overdue),
            "today_total": len(due_today),
        }
    totals = reminder_due_totals(owner=owner, today=today)
    return {
        "overdue": reminder_window(owner=owner, today=today, section="overdue", limit=limit).rows,
        "today": reminder_window(owner=owner, today=today, section="today", limit=limit).rows,
        "overdue_total": totals["overdue"],
        "today_total": totals["today"],
    }


def reminder_due_totals(*, owner: User, today: date) -> dict[str, int]:
    """How many reminders are overdue and due today: one COUNT on the partial index."""
    return active_count(owner, today).aggregate(
        overdue=Count("id", filter=Q(due_on__lt=today)), today=Count("id", filter=Q(due_on=today))
    )


@dataclass
class Window:
    """One window of a section: its rows, the cursor after the last, how many come after."""

    rows: list
    next: Cursor | None
    left: int


def _section_filter(section: str, today: date) -> Q:
    return Q(due_on__lt=today) if section == "overdue" else Q(due_on=today)


def reminder_window(
    *,
    owner: User,
    today: date,
    section: str,
    after: Cursor | None = None,
    limit: int | None = None,
    total: int | None = None,
) -> Window:
    """The `limit` reminders of a section ("overdue" or "today") after the cursor, in
    (due_on, id) order, read in index order and cut in SQL. `left` (rows after these) comes
    from `total` when the window starts at the top (the page counted already), else from
    one COUNT of the rows after the cursor."""
    limit = PAGE_ROWS if limit is None else limit
    where = _section_filter(section, today)
    rows = list(_active(owner, today).filter(where, _after_q(after, "due_on", "id"))[: limit + 1])
    more = len(rows) > limit
    rows = reminder_with_why(rows[:limit], today)
    if after is None and total is not None:
        left = total - len(rows)
    else:  # counted whether or not there is more: the same queries whatever the size
        left = active_count(owner, today).filter(where, _after_q(after, "due_on", "id")).count() - len(rows)
    after_last = Cursor(rows[-1].due_on, (rows[-1].pk,)) if more else None
    return Window(rows, after_last, max(left, 0) if more else 0)


# The columns a birthday or work anniversary is shown with (the page's and the digest's).
EVENT_CONTACT_COLUMNS = (
    "id",
    "owner_id",
    "first_name",
    "last_name",
    "company",
    "title",
    "birthday_month",
    "birthday_day",
    "birthday_year",
    "started_on",
    "warmth",
    "warmth_why",
)


def _event_candidates(*, owner: User, today: date, days: int) -> tuple[QuerySet, QuerySet, date]:
    """The contacts that may have a birthday or a work anniversary after today and within
    `days` (two querysets, the rules decide), and the last day of the window."""
    until = today + timedelta(days=days)
    window = day_window(today + timedelta(days=1), until)
    # No ORDER BY (sorted below): the model's name ordering would make SQLite walk
    # the name index instead of the birthday and started_on indexes.
    base = Contact.objects.filter(owner=owner, archived=False).order_by().only(*EVENT_CONTACT_COLUMNS)
    # Two queries, not one OR: birthdays use the (owner, month, day) index, and only
    # the anniversary query scans. started_on's month and day are compared as
    # "MM-DD" text: native SQL, where __month/__day call Python per row on SQLite.
    by_birthday = base.filter(month_day_q(window, "birthday_month", "birthday_day"))
    by_start = (
        base.filter(started_on__isnull=False).annotate(started_md=STARTED_MD).filter(started_md_q(window))
    )
    return by_birthday, by_start, until


def _event_occurrences(contacts, *, today: date, until: date):
    """(contact, kind, due_on, why) for each birthday and work anniversary in (today, until]
    of `contacts` (anything with the EVENT_CONTACT_COLUMNS as attributes)."""
    for contact in contacts:
        try:
            if contact.birthday_month is not None and contact.birthday_day is not None:
                for due, age in rules.birthday_occurrences(
                    month=contact.birthday_month,
                    day=contact.birthday_day,
                    year=contact.birthday_year,
                    after=today,
                    until=until,
                ):
                    yield contact, ReminderKind.BIRTHDAY, due, rules.why_birthday(age=age)
            if contact.started_on is not None:
                for due, years in rules.anniversary_occurrences(
                    started_on=contact.started_on, after=today, until=until
                ):
                    yield (
                        contact,
                        ReminderKind.WORK_ANNIVERSARY,
                        due,
                        rules.why_anniversary(years=years, company=contact.company),
                    )
        except ValueError as exc:
            log.warning("contact %s has an impossible date: %s", contact.id, exc)


def upcoming_events(*, owner: User, today: date, days: int) -> list[Upcoming]:
    """Birthdays and work anniversaries after today and within `days` (two queries).

    Computed from contacts, not Reminder rows: rows are raised on the day itself.
    """
    by_birthday, by_start, until = _event_candidates(owner=owner, today=today, days=days)
    contacts = {contact.pk: contact for contact in chain(by_birthday, by_start)}.values()
    found = [Upcoming(*event) for event in _event_occurrences(contacts, today=today, until=until)]
    return sorted(found, key=lambda item: (item.due_on, item.contact.full_name))


def _upcoming_events_after(
    *, owner: User, today: date, days: int, after: "Cursor | None", limit: int
) -> tuple[list[Upcoming], int]:
    """The first `limit` birthdays and anniversaries after the cursor, in key order, and how
    many there are after it. Every candidate is read as a plain row (two queries) and the
    rules run on each, but only the events shown become Contact objects."""
    by_birthday, by_start, until = _event_candidates(owner=owner, today=today, days=days)
    rows = {
        row.id: row
        for row in chain(
            by_birthday.values_list(*EVENT_CONTACT_COLUMNS, named=True),
            by_start.values_list(*EVENT_CONTACT_COLUMNS, named=True),
        )
    }.values()
    found = []
    for row, kind, due, why in _event_occurrences(rows, today=today, until=until):
        key = (due, KIND_RANK[kind], row.id, 0)
        if after is None or key > (after.due_on, *after.parts):
            found.append((key, row, kind, why))
    found.sort(key=lambda event: event[0])
    events = [
        Upcoming(Contact.from_db(by_birthday.db, EVENT_CONTACT_COLUMNS, tuple(row)), kind, key[0], why)
        for key, row, kind, why in found[:limit]
    ]
    return events, len(found)


def _upcoming_after_q(
    cursor: Cursor | None, rank: int, date_field: str, id_field: str, sub_field: str = ""
) -> Q:
    """Rows of one source (all of kind rank `rank`) whose (date, rank, contact id, sub) key
    comes after the cursor's."""
    if cursor is None:
        return Q()
    day, (cursor_rank, contact_id, sub) = cursor.due_on, cursor.parts
    if rank != cursor_rank:
        return Q(**{f"{date_field}__gte" if rank > cursor_rank else f"{date_field}__gt": day})
    query = Q(**{f"{date_field}__gt": day}) | Q(**{date_field: day, f"{id_field}__gt": contact_id})
    if sub_field:
        query |= Q(**{date_field: day, id_field: contact_id, f"{sub_field}__gt": sub})
    return Q(**{f"{date_field}__gte": day}) & query  # the index seeks to the day (see _after_q)


# The columns an upcoming check-in or follow-up row shows (`_upcoming_row.html`).
UPCOMING_CONTACT_COLUMNS = (
    "id",
    "owner_id",
    "first_name",
    "last_name",
    "company",
    "warmth",
    "warmth_why",
    "last_talked_on",
    "last_interaction_on",
    "created_at",
    "next_check_in",
)


def upcoming_window(
    *,
    owner: User,
    today: date,
    days: int,
    event_days: int,
    after: Cursor | None = None,
    limit: int | None = None,
) -> tuple[Window, int | None]:
    """What is coming up, soonest first, after the cursor: check-ins and follow-ups of the
    next `days`, birthdays and anniversaries of the next `event_days`. Returns the window
    and, from the top (no cursor), the total.

    Each source is read in key order and cut at `limit` + 1 in SQL (the first `limit` of
    the union are among them), with COUNTs for the rest: a backlog of thousands of
    check-ins due next week costs the same as ten.
    """
    limit = UPCOMING_ROWS if limit is None else limit
    until = today + timedelta(days=days)
    event_until = today + timedelta(days=event_days)
    # Birthdays and anniversaries from the cursor's day (the day before: "after" is strict).
    event_from = today if after is None else max(today, after.due_on - timedelta(days=1))
    events, events_total = [], 0
    if event_until > event_from:
        events, events_total = _upcoming_events_after(
            owner=owner, today=event_from, days=(event_until - event_from).days, after=after, limit=limit + 1
        )
    check_ins = (
        Contact.objects.filter(owner=owner, next_check_in__gt=today, next_check_in__lte=until)
        .filter(NOT_ARCHIVED)
        .filter(_upcoming_after_q(after, KIND_RANK[ReminderKind.CHECK_IN], "next_check_in", "id"))
        .order_by("next_check_in", "id")
        .only(*UPCOMING_CONTACT_COLUMNS)
    )
    # From the owner's interactions with a follow-up in the window (their partial index),
    # not from every link of every interaction (a scan of the whole through table).
    promised = Interaction.objects.filter(owner=owner, follow_up_on__gt=today, follow_up_on__lte=until)
    follow_ups = (
        Interaction.contacts.through.objects.filter(
            interaction_id__in=promised.values("id"), contact__archived=False
        )
        .filter(
            _upcoming_after_q(
                after,
                KIND_RANK[ReminderKind.FOLLOW_UP],
                "interaction__follow_up_on",
                "contact_id",
                "interaction_id",
            )
        )
        .select_related("contact", "interaction")
        .only(
            "id",
            "contact_id",
            "interaction_id",
            "interaction__kind",
            "interaction__occurred_on",
            "interaction__follow_up_on",
            *(f"contact__{column}" for column in UPCOMING_CONTACT_COLUMNS),
        )
        .order_by("interaction__follow_up_on", "contact_id", "interaction_id")
    )
    items = list(events)
    for contact in check_ins[: limit + 1]:
        why = rules.why_check_in(
            last_talked_on=contact.last_talked_on,
            last_interaction_on=contact.last_interaction_on,
            created_on=timezone.localdate(contact.created_at),
            today=today,
        )
        items.append(Upcoming(contact, ReminderKind.CHECK_IN, contact.next_check_in, why))
    for link in follow_ups[: limit + 1]:
        interaction = link.interaction
        why = rules.why_follow_up(
            interaction_kind=interaction.get_kind_display(), occurred_on=interaction.occurred_on
        )
        items.append(
            Upcoming(
                link.contact, ReminderKind.FOLLOW_UP, interaction.follow_up_on, why, sub=link.interaction_id
            )
        )
    items.sort(key=lambda item: item.key)
    shown = items[:limit]
    # Counted whether or not there is more: the same queries whatever the size.
    rest = events_total + check_ins.order_by().count() + follow_ups.order_by().count()
    after_last = Cursor(shown[-1].due_on, shown[-1].key[1:]) if len(items) > limit and shown else None
    left = max(0, rest - len(shown)) if after_last else 0
    return Window(shown, after_last, left), (rest if after is None else None)


def upcoming_page(
    *, owner: User, today: date, days: int, event_days: int, limit: int | None = None
) -> tuple[list[Upcoming], int]:
    """The first `limit` upcoming items (`upcoming_window`) and how many there are in all."""
    window, total = upcoming_window(
        owner=owner, today=today, days=days, event_days=event_days, limit=limit or 10**9
    )
    return window.rows, total


def row_actions_context(today: date) -> dict:
    """What the row fragment's actions need: the snooze presets, the interaction kinds."""
    return {
        "today": today,
        "snooze_presets": [
            ("1 week", today + timedelta(weeks=1)),
            ("1 month", rules.next_check_in(today, 1)),
        ],
        "snooze_min": today + timedelta(days=1),
        "interaction_kinds": InteractionKind.choices,
    }


SET_ASIDE_DAYS = 30
SET_ASIDE_ROWS = 20


def reminder_list_set_aside(*, owner: User, today: date) -> list[Reminder]:
    """Snoozed reminders (until a later day) and those dismissed in the last SET_ASIDE_DAYS,
    newest first: what the user set aside and may want back. One query."""
    since = datetime.combine(
        today - timedelta(days=SET_ASIDE_DAYS), time.min, tzinfo=timezone.get_current_timezone()
    )
    return list(
        Reminder.objects.filter(owner=owner, contact__archived=False)
        .filter(
            Q(status=ReminderStatus.SNOOZED, snoozed_until__gt=today)
            | Q(status=ReminderStatus.DISMISSED, completed_at__gte=since)
        )
        .select_related("contact")
        .only(
            "id",
            "kind",
            "status",
            "snoozed_until",
            "completed_at",
            "contact__id",
            "contact__first_name",
            "contact__last_name",
        )
        .order_by("-id")[:SET_ASIDE_ROWS]
    )


def reminder_page_context(*, owner: User, today: date, after: dict[str, Cursor | None] | None = None) -> dict:
    """The reminders page: a window of each section ("overdue", "today", "upcoming"), from
    the top or after a cursor (`after`: the page a "Show more" link leads to without JS),
    each with its total and what is left after it. Queries do not grow with the backlog."""
    after = after or {}
    lead_days = owner.profile.birthday_lead_days
    totals = reminder_due_totals(owner=owner, today=today)
    overdue = reminder_window(
        owner=owner, today=today, section="overdue", after=after.get("overdue"), total=totals["overdue"]
    )
    due_today = reminder_window(
        owner=owner, today=today, section="today", after=after.get("today"), total=totals["today"]
    )
    upcoming, upcoming_total = upcoming_window(
        owner=owner,
        today=today,
        days=UPCOMING_DAYS,
        event_days=min(lead_days, UPCOMING_DAYS),
        after=after.get("upcoming"),
    )
    if upcoming_total is None:  # a page that starts after a cursor: count them all too
        _top, upcoming_total = upcoming_window(
            owner=owner, today=today, days=UPCOMING_DAYS, event_days=min(lead_days, UPCOMING_DAYS), limit=0
        )
    totals = {"overdue": totals["overdue"], "today": totals["today"], "upcoming": upcoming_total}
    windows = {"overdue": overdue, "today": due_today, "upcoming": upcoming}
    return {
        **row_actions_context(today),
        "overdue": overdue.rows,
        "due_today": due_today.rows,
        "upcoming": upcoming.rows,
        "windows": windows,
        "totals": totals,
        # Rows before the window (a page that starts after a cursor): counted, not shown.
        "before": {s: max(0, totals[s] - len(w.rows) - w.left) for s, w in windows.items()},
        "after": {section: cursor for section, cursor in after.items() if cursor is not None},
        "upcoming_days": UPCOMING_DAYS,
        "lead_days": lead_days,
        "set_aside": reminder_list_set_aside(owner=owner, today=today),
        "set_aside_days": SET_ASIDE_DAYS,
    }


def reminder_more_context(*, owner: User, today: date, section: str, after: Cursor | None) -> dict:
    """The next window of one section after the cursor ("Show more" by htmx): its rows and
    the next cursor, nothing else of the page."""
    if section == "upcoming":
        lead_days = owner.profile.birthday_lead_days
        window, _total = upcoming_window(
            owner=owner,
            today=today,
            days=UPCOMING_DAYS,
            event_days=min(lead_days, UPCOMING_DAYS),
            after=after,
        )
    else:
        window = reminder_window(owner=owner, today=today, section=section, after=after)
    return {**row_actions_context(today), "section": section, "window": window}


def _greeting() -> str:
    hour = timezone.localtime().hour
    if hour < 5 or hour >= 18:
        return "Good evening"
    return "Good morning" if hour < 12 else "Good afternoon"


def dashboard_context(*, owner: User, today: date) -> dict:
    """The dashboard: greeting, today's focus (`focus.focus_today`; the view picks it first),
    and what is coming up (`upcoming_page`). The reconnect panel comes from contacts."""
    today_focus = focus.focus_today(owner_id=owner.pk, today=today)
    row_view(today_focus.items, today)
    lead_days = owner.profile.birthday_lead_days
    # Coming up: check-ins and follow-ups of the next week, birthdays and anniversaries
    # as far ahead as the user's lead days; the first DASHBOARD_ROWS, and how many in all.
    week, week_total = upcoming_page(
        owner=owner, today=today, days=DASHBOARD_DAYS, event_days=lead_days, limit=DASHBOARD_ROWS
    )
    contact_count = Contact.objects.filter(NOT_ARCHIVED, owner=owner).count()
    return {
        **row_actions_context(today),
        "greeting": _greeting(),
        "name": owner.first_name or owner.get_username(),
        "focus": today_focus,
        "week": week,
        "lead_days": lead_days,
        "week_shown": week,
        "contact_count": contact_count,
        "counts": {"focus": len(today_focus.items), "waiting": today_focus.waiting, "week": week_total},
        "hidden": {"week": week_total - len(week)},
    }
