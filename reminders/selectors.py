"""Read side of reminders: the reminders page, the dashboard.

Every selector takes the owner, so access is decided here, and returns evaluated
lists with what the templates need (no query while rendering).
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import chain

from django.contrib.auth.models import User
from django.db.models import CharField, Count, Q, QuerySet
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from contacts.models import Contact, Interaction, InteractionKind

from . import focus, rules
from .models import Reminder, ReminderKind, ReminderStatus

log = logging.getLogger(__name__)

UPCOMING_DAYS = 30
DASHBOARD_DAYS = 7
DASHBOARD_ROWS = 15  # per section; the reminders page has the rest
PAGE_ROWS = 200  # per section on the reminders page


@dataclass(frozen=True)
class Upcoming:
    """Something coming up that has no Reminder row yet (raised on its day)."""

    contact: Contact
    kind: str
    due_on: date
    why: str

    @property
    def kind_label(self) -> str:
        return ReminderKind(self.kind).label


def _active(owner: User, today: date) -> QuerySet[Reminder]:
    """The owner's active reminders (`Reminder.objects.active`), with what the rows show."""
    return (
        Reminder.objects.active(today)
        .filter(owner=owner)
        .select_related("contact", "interaction")
        .order_by("due_on", "id")
    )


def reminder_with_why(reminders: list[Reminder], today: date) -> list[Reminder]:
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
    return reminders


def reminder_list_due(*, owner: User, today: date, limit: int | None = None) -> dict:
    """The owner's reminders to act on: "overdue" and "today", most overdue first.

    With `limit`, each list holds at most that many rows and "overdue_total" /
    "today_total" say how many there are: an import of 2,000 contacts last seen
    years ago makes 2,000 overdue check-ins at once, and a page must not render
    them all. Three queries (totals, overdue rows, today's rows) whatever the size.
    """
    active = _active(owner, today)
    if limit is None:
        due = reminder_with_why(list(active), today)
        overdue = [r for r in due if r.due_on < today]
        due_today = [r for r in due if r.due_on >= today]
        return {
            "overdue": overdue,
            "today": due_today,
            "overdue_total": len(overdue),
            "today_total": len(due_today),
        }
    totals = active.order_by().aggregate(
        overdue=Count("id", filter=Q(due_on__lt=today)), today=Count("id", filter=Q(due_on__gte=today))
    )
    return {
        "overdue": reminder_with_why(list(active.filter(due_on__lt=today)[:limit]), today),
        "today": reminder_with_why(list(active.filter(due_on__gte=today)[:limit]), today),
        "overdue_total": totals["overdue"],
        "today_total": totals["today"],
    }


def _day_window(start: date, end: date) -> dict[int, set[int]]:
    """{month: days} for every calendar day from start to end (inclusive).

    A Feb 28 in the window brings day 29 too: Feb 29 dates fall on Feb 28 in common
    years. The rules then decide exactly; this only narrows the rows SQL returns.
    """
    window: dict[int, set[int]] = {}
    day = start
    while day <= end:
        window.setdefault(day.month, set()).add(day.day)
        if day.month == 2 and day.day == 28:
            window[2].add(29)
        day += timedelta(days=1)
    return window


def _started_md_q(window: dict[int, set[int]]) -> Q:
    query = Q(pk__in=[])
    for month, days in window.items():
        query |= Q(
            started_md__gte=f"{month:02d}-{min(days):02d}", started_md__lte=f"{month:02d}-{max(days):02d}"
        )
    return query


def _month_day_q(window: dict[int, set[int]], month_field: str, day_field: str) -> Q:
    query = Q(pk__in=[])
    for month, days in window.items():
        query |= Q(**{month_field: month, f"{day_field}__gte": min(days), f"{day_field}__lte": max(days)})
    return query


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


def upcoming_events(*, owner: User, today: date, days: int) -> list[Upcoming]:
    """Birthdays and work anniversaries after today and within `days` (two queries).

    Computed from contacts, not Reminder rows: rows are raised on the day itself.
    """
    until = today + timedelta(days=days)
    window = _day_window(today + timedelta(days=1), until)
    # No ORDER BY (sorted below): the model's name ordering would make SQLite walk
    # the name index instead of the birthday and started_on indexes.
    base = Contact.objects.filter(owner=owner, archived=False).order_by().only(*EVENT_CONTACT_COLUMNS)
    # Two queries, not one OR: birthdays use the (owner, month, day) index, and only
    # the anniversary query scans. started_on's month and day are compared as
    # "MM-DD" text: native SQL, where __month/__day call Python per row on SQLite.
    by_birthday = base.filter(_month_day_q(window, "birthday_month", "birthday_day"))
    by_start = (
        base.filter(started_on__isnull=False)
        .annotate(started_md=Substr(Cast("started_on", CharField()), 6, 5))
        .filter(_started_md_q(window))
    )
    contacts = {contact.pk: contact for contact in chain(by_birthday, by_start)}.values()
    found = []
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
                    found.append(Upcoming(contact, ReminderKind.BIRTHDAY, due, rules.why_birthday(age=age)))
            if contact.started_on is not None:
                for due, years in rules.anniversary_occurrences(
                    started_on=contact.started_on, after=today, until=until
                ):
                    why = rules.why_anniversary(years=years, company=contact.company)
                    found.append(Upcoming(contact, ReminderKind.WORK_ANNIVERSARY, due, why))
        except ValueError as exc:
            log.warning("contact %s has an impossible date: %s", contact.pk, exc)
    return sorted(found, key=lambda item: (item.due_on, item.contact.full_name))


def upcoming_page(
    *, owner: User, today: date, days: int, event_days: int, limit: int | None = None
) -> tuple[list[Upcoming], int]:
    """What is coming up, soonest first: check-ins and follow-ups of the next `days`,
    birthdays and anniversaries of the next `event_days`. Returns (items, total).

    With `limit`, at most that many items, and each source is read in date order and cut
    at `limit` in SQL (the soonest `limit` of the union are among them), with two counts
    for the total: a backlog of thousands of check-ins due next week costs the same.
    """
    until = today + timedelta(days=days)
    events = upcoming_events(owner=owner, today=today, days=event_days)
    check_ins = Contact.objects.filter(
        owner=owner, archived=False, next_check_in__gt=today, next_check_in__lte=until
    ).order_by("next_check_in", "first_name", "last_name", "id")
    # From the owner's interactions with a follow-up in the window (their partial index),
    # not from every link of every interaction (a scan of the whole through table).
    promised = Interaction.objects.filter(owner=owner, follow_up_on__gt=today, follow_up_on__lte=until)
    follow_ups = (
        Interaction.contacts.through.objects.filter(
            interaction_id__in=promised.values("id"), contact__archived=False
        )
        .select_related("contact", "interaction")
        .order_by("interaction__follow_up_on", "id")
    )
    if limit is not None:
        total = len(events) + check_ins.count() + follow_ups.count()
        check_ins, follow_ups = check_ins[:limit], follow_ups[:limit]
    items = list(events)
    for contact in check_ins:
        why = rules.why_check_in(
            last_talked_on=contact.last_talked_on,
            last_interaction_on=contact.last_interaction_on,
            created_on=timezone.localdate(contact.created_at),
            today=today,
        )
        items.append(Upcoming(contact, ReminderKind.CHECK_IN, contact.next_check_in, why))
    for link in follow_ups:
        interaction = link.interaction
        why = rules.why_follow_up(
            interaction_kind=interaction.get_kind_display(), occurred_on=interaction.occurred_on
        )
        items.append(Upcoming(link.contact, ReminderKind.FOLLOW_UP, interaction.follow_up_on, why))
    items.sort(key=lambda item: (item.due_on, item.contact.full_name))
    if limit is None:
        return items, len(items)
    return items[:limit], total


def upcoming_list(*, owner: User, today: date, days: int = UPCOMING_DAYS, event_days: int) -> list[Upcoming]:
    """Everything coming up in the next `days`: check-ins, follow-ups, and birthdays and
    anniversaries from `event_days` ahead (the user's lead days). Three queries."""
    items, _total = upcoming_page(owner=owner, today=today, days=days, event_days=min(event_days, days))
    return items


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
SET_ASIDE_ROWS = 50


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
        .order_by("-id")[:SET_ASIDE_ROWS]
    )


def reminder_page_context(*, owner: User, today: date) -> dict:
    lead_days = owner.profile.birthday_lead_days
    due = reminder_list_due(owner=owner, today=today, limit=PAGE_ROWS)
    upcoming = upcoming_list(owner=owner, today=today, event_days=lead_days)
    return {
        **row_actions_context(today),
        "overdue": due["overdue"],
        "due_today": due["today"],
        "hidden": {
            "overdue": due["overdue_total"] - len(due["overdue"]),
            "today": due["today_total"] - len(due["today"]),
            "upcoming": max(0, len(upcoming) - PAGE_ROWS),
        },
        "upcoming": upcoming,
        "upcoming_shown": upcoming[:PAGE_ROWS],
        "upcoming_days": UPCOMING_DAYS,
        "lead_days": lead_days,
        "set_aside": reminder_list_set_aside(owner=owner, today=today),
        "set_aside_days": SET_ASIDE_DAYS,
    }


def _greeting() -> str:
    hour = timezone.localtime().hour
    if hour < 5 or hour >= 18:
        return "Good evening"
    return "Good morning" if hour < 12 else "Good afternoon"


def dashboard_context(*, owner: User, today: date) -> dict:
    """The dashboard: greeting, today's focus (`focus.focus_today`; the view picks it first),
    and what is coming up (`upcoming_list`). The reconnect panel comes from contacts."""
    today_focus = focus.focus_today(owner_id=owner.pk, today=today)
    lead_days = owner.profile.birthday_lead_days
    # Coming up: check-ins and follow-ups of the next week, birthdays and anniversaries
    # as far ahead as the user's lead days; the first DASHBOARD_ROWS, and how many in all.
    week, week_total = upcoming_page(
        owner=owner, today=today, days=DASHBOARD_DAYS, event_days=lead_days, limit=DASHBOARD_ROWS
    )
    contact_count = Contact.objects.filter(owner=owner, archived=False).count()
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
