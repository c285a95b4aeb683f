"""Days of the year as SQL filters: which contacts have a birthday or a work
anniversary on one of a window's days (the reminder job's candidates, the upcoming lists).

The filters only narrow the rows read, through the partial birthday and role-start
indexes; the rules (`reminders.rules`) decide exactly, Feb 29 included.
"""

from datetime import date, timedelta

from django.db.models import CharField, Q
from django.db.models.functions import Cast, Substr

# "MM-DD" of `started_on` (its ISO text from the 6th character), compared on the
# (owner, started_on) index entries: annotate a Contact queryset with it as `started_md`.
STARTED_MD = Substr(Cast("started_on", CharField()), 6, 5)


def day_window(start: date, end: date) -> dict[int, set[int]]:
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


def started_md_terms(window: dict[int, set[int]]) -> list[Q]:
    """Role starts on the window's days, one term a month (needs the `started_md`
    annotation, `STARTED_MD`). Each term names `started_on IS NOT NULL`, so SQLite sees
    that the partial role-start index can serve it."""
    return [
        Q(
            started_on__isnull=False,
            started_md__gte=f"{month:02d}-{min(days):02d}",
            started_md__lte=f"{month:02d}-{max(days):02d}",
        )
        for month, days in window.items()
    ]


def month_day_terms(window: dict[int, set[int]], month_field: str, day_field: str) -> list[Q]:
    """Rows whose (month_field, day_field) fall on the window's days, one term a month."""
    return [
        Q(**{month_field: month, f"{day_field}__gte": min(days), f"{day_field}__lte": max(days)})
        for month, days in window.items()
    ]


def any_of(terms: list[Q]) -> Q:
    """The terms OR-ed (no row for none)."""
    query = Q(pk__in=[])
    for term in terms:
        query |= term
    return query


def started_md_q(window: dict[int, set[int]]) -> Q:
    """Role starts on the window's days (`started_md_terms` OR-ed)."""
    return any_of(started_md_terms(window))


def month_day_q(window: dict[int, set[int]], month_field: str, day_field: str) -> Q:
    """Rows whose (month_field, day_field) fall on the window's days (`month_day_terms` OR-ed)."""
    return any_of(month_day_terms(window, month_field, day_field))
