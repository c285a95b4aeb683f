"""Read side of reminders: the reminders page, the dashboard.

Every selector takes the owner, so access is decided here, and returns evaluated
lists with what the templates need (no query while rendering).
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone

from contacts.models import Contact, Interaction, InteractionKind

from . import rules
from .models import Reminder, ReminderKind, ReminderStatus

log = logging.getLogger(__name__)

UPCOMING_DAYS = 30
DASHBOARD_DAYS = 7


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
    """Open reminders, and snoozed ones whose date has come (the job reopens them hourly)."""
    return (
        Reminder.objects.filter(owner=owner, contact__archived=False, due_on__lte=today + timedelta(days=1))
        .filter(Q(status=ReminderStatus.OPEN) | Q(status=ReminderStatus.SNOOZED, snoozed_until__lte=today))
        .select_related("contact", "interaction")
        .order_by("due_on", "id")
    )


def reminder_with_why(reminders: list[Reminder], today: date) -> list[Reminder]:
    for reminder in reminders:
        if reminder.kind == ReminderKind.CHECK_IN:
            contact = reminder.contact
            reminder.why = rules.why_check_in(
                last_interaction_on=contact.last_interaction_on,
                created_on=timezone.localdate(contact.created_at),
                today=today,
            )
        else:
            reminder.why = reminder.detail or reminder.get_kind_display()
    return reminders


def reminder_list_due(*, owner: User, today: date) -> dict[str, list[Reminder]]:
    """The owner's reminders to act on, split into "overdue" and "today" (one query)."""
    due = reminder_with_why(list(_active(owner, today)), today)
    return {
        "overdue": [r for r in due if r.due_on < today],
        "today": [r for r in due if r.due_on >= today],
    }


def _months_between(start: date, end: date) -> list[int]:
    months, day = [], start
    while day <= end:
        if day.month not in months:
            months.append(day.month)
        day += timedelta(days=1)
    return months


def upcoming_events(*, owner: User, today: date, days: int) -> list[Upcoming]:
    """Birthdays and work anniversaries after today and within `days` (one query).

    Computed from contacts, not Reminder rows: rows are raised on the day itself.
    """
    until = today + timedelta(days=days)
    months = _months_between(today + timedelta(days=1), until)
    contacts = Contact.objects.filter(owner=owner, archived=False).filter(
        Q(birthday_month__in=months) | Q(started_on__month__in=months)
    )
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


def upcoming_list(*, owner: User, today: date, days: int = UPCOMING_DAYS, event_days: int) -> list[Upcoming]:
    """Everything coming up in the next `days`: check-ins, follow-ups, and birthdays and
    anniversaries from `event_days` ahead (the user's lead days). Three queries."""
    until = today + timedelta(days=days)
    items = upcoming_events(owner=owner, today=today, days=min(event_days, days))
    for contact in Contact.objects.filter(
        owner=owner, archived=False, next_check_in__gt=today, next_check_in__lte=until
    ):
        why = rules.why_check_in(
            last_interaction_on=contact.last_interaction_on,
            created_on=timezone.localdate(contact.created_at),
            today=today,
        )
        items.append(Upcoming(contact, ReminderKind.CHECK_IN, contact.next_check_in, why))
    follow_ups = Interaction.contacts.through.objects.filter(
        contact__owner=owner,
        contact__archived=False,
        interaction__follow_up_on__gt=today,
        interaction__follow_up_on__lte=until,
    ).select_related("contact", "interaction")
    for link in follow_ups:
        interaction = link.interaction
        why = rules.why_follow_up(
            interaction_kind=interaction.get_kind_display(), occurred_on=interaction.occurred_on
        )
        items.append(Upcoming(link.contact, ReminderKind.FOLLOW_UP, interaction.follow_up_on, why))
    return sorted(items, key=lambda item: (item.due_on, item.contact.full_name))


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


def reminder_page_context(*, owner: User, today: date) -> dict:
    lead_days = owner.profile.birthday_lead_days
    due = reminder_list_due(owner=owner, today=today)
    return {
        **row_actions_context(today),
        "overdue": due["overdue"],
        "due_today": due["today"],
        "upcoming": upcoming_list(owner=owner, today=today, event_days=lead_days),
        "upcoming_days": UPCOMING_DAYS,
        "lead_days": lead_days,
    }


def _greeting() -> str:
    hour = timezone.localtime().hour
    if hour < 5 or hour >= 18:
        return "Good evening"
    return "Good morning" if hour < 12 else "Good afternoon"


def dashboard_context(*, owner: User, today: date) -> dict:
    """The dashboard: greeting, reminders to act on, the week's birthdays and anniversaries."""
    due = reminder_list_due(owner=owner, today=today)
    week = upcoming_events(owner=owner, today=today, days=DASHBOARD_DAYS)
    contact_count = Contact.objects.filter(owner=owner, archived=False).count()
    return {
        **row_actions_context(today),
        "greeting": _greeting(),
        "name": owner.first_name or owner.get_username(),
        "overdue": due["overdue"],
        "due_today": due["today"],
        "week": week,
        "contact_count": contact_count,
        "counts": {"overdue": len(due["overdue"]), "today": len(due["today"]), "week": len(week)},
    }
