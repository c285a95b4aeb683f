"""Small helpers shared by the reminder tests."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from reminders.models import Reminder


def at(day: date, hour: int = 12, minute: int = 0, tz: str = "UTC") -> datetime:
    """An aware datetime: `day` at hour:minute in `tz`."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz))


def keys(**filters) -> set[tuple[int, str, date]]:
    """The (contact id, kind, due_on) of the reminders matching `filters`."""
    return set(Reminder.objects.filter(**filters).values_list("contact_id", "kind", "due_on"))
