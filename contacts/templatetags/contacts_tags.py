"""Small display helpers for contact pages."""

from datetime import date

from django import template
from django.http import QueryDict
from django.utils import timezone
from django.utils.html import format_html

from reminders.rules import humanize_since

register = template.Library()


@register.filter
def ago(value: date | None) -> str:
    """A date as a distance from the user's today (the middleware set the time zone)."""
    if value is None:
        return "never"
    return humanize_since(value, timezone.localdate())


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with `changes` applied (None or '' removes a key); 'page' resets."""
    query: QueryDict = context["request"].GET.copy()
    if "page" not in changes:
        query.pop("page", None)
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


# Django's |date filter goes through the translation machinery on every call; the
# contacts list and timeline print one or more dates per row, so these plain
# English formats are used there instead.
@register.filter
def dmy(value: date | None) -> str:
    """'5 Mar 2026'."""
    return f"{value.day} {value:%b %Y}" if value else ""


@register.filter
def dm(value: date | None) -> str:
    """'5 Mar'."""
    return f"{value.day} {value:%b}" if value else ""


@register.filter
def long_date(value: date | None) -> str:
    """'Thursday 5 March 2026'."""
    return f"{value:%A} {value.day} {value:%B %Y}" if value else ""


@register.filter
def others(people, contact) -> list:
    """The people of an interaction but `contact` (the page's own): "With Ada and Grace"."""
    return [person for person in people if person.pk != contact.pk]


@register.simple_tag
def warmth_badge(contact, compact: bool = False) -> str:
    """A contact's warmth dot (and number unless `compact`), its band as a class and its
    reasons as the label: on every row of the reminders page and the contacts list, so
    built here (format_html) rather than by an include per row.
    `contacts/tests/test_warmth_badge.py` proves it equal to the template it replaced."""
    why = contact.warmth_why or "not computed yet"
    number = (
        ""
        if compact
        else format_html('<span class="kw-warmth-num" aria-hidden="true">{}</span>', contact.warmth)
    )
    return format_html(
        '<span class="kw-warmth kw-warmth-{band}" tabindex="0" role="img" aria-label="Warmth {n} of 100 ({band}): '
        '{why}" data-why="Warmth {n} · {why}"><span class="kw-warmth-dot" aria-hidden="true"></span>{number}</span>',
        band=contact.warmth_band,
        n=contact.warmth,
        why=why,
        number=number,
    )
