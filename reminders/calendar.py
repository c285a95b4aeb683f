"""The per-user calendar feed /calendar/<token>.ics (RFC 5545, built with `icalendar`).

Birthdays and work anniversaries are yearly all-day events with an RRULE (Feb 29
falls on the last day of February, so Feb 28 in common years: BYMONTHDAY=-1);
open check-ins, follow-ups and job changes are single all-day events. UIDs are
stable (`birthday-<contact id>@keepwarm`...), so calendar apps update events in
place instead of duplicating them. The secret token is the only credential: a
wrong one is a 404, and regenerating it revokes the old URL (the views are in
reminders/views.py, the regeneration in reminders/services.py).
"""

from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import timezone
from icalendar import Calendar, Event

from contacts.models import Contact

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


def calendar_feed_build(*, user: User) -> bytes:
    """The user's feed as bytes (two queries: contacts with dates, open reminders)."""
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
            first = rules.yearly_on(origin, origin.year + 1)  # the first full year
            where = f" at {contact.company}" if contact.company else ""
            cal.add_component(
                _all_day(
                    f"work-anniversary-{contact.pk}",
                    first,
                    f"Work anniversary: {contact.full_name}{where}",
                    stamp,
                    rrule=_yearly(origin.month, origin.day),
                    description=f"In the role since {origin:%d %B %Y}.",
                )
            )
    reminders = (
        Reminder.objects.filter(owner=user, kind__in=REMINDER_KINDS, contact__archived=False)
        .filter(Q(status=ReminderStatus.OPEN) | Q(status=ReminderStatus.SNOOZED, snoozed_until__isnull=False))
        .select_related("contact")
        .order_by("due_on", "id")
    )
    for reminder in reminders:
        on = reminder.snoozed_until if reminder.status == ReminderStatus.SNOOZED else reminder.due_on
        title = REMINDER_TITLES[reminder.kind].format(name=reminder.contact.full_name)
        cal.add_component(_all_day(f"reminder-{reminder.pk}", on, title, stamp, description=reminder.detail))
    return cal.to_ical()
