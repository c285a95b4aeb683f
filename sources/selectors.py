"""Read side of sources: Settings' list of sources, the dashboard's review list and suggestions."""

from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db.models import Count
from django.db.models.functions import Lower

from contacts.models import Contact, ContactEmail

from .found import SEEN_DAYS
from .models import (
    CalendarSource,
    FoundEvent,
    FoundMail,
    FoundStatus,
    IgnoredAddress,
    MailboxSource,
    SeenAddress,
)

REVIEW_ON_DASHBOARD = 8
SUGGESTIONS_ON_DASHBOARD = 5
# "Three or more meetings or threads in 90 days" (issue #16).
SUGGEST_AFTER = 3


def sources_for_settings(*, owner: User) -> dict:
    """The owner's calendars and mailboxes, oldest first (two queries)."""
    return {
        "calendars": list(CalendarSource.objects.filter(owner=owner)),
        "mailboxes": list(MailboxSource.objects.filter(owner=owner)),
    }


def review_list(*, owner: User, limit: int = REVIEW_ON_DASHBOARD) -> list[dict]:
    """Pending found items, newest first: at most `limit` meetings and `limit` mail days
    (three queries whatever their number). Each is a dict with kind ("meeting"/"email"),
    pk, occurred_on, title, addresses and the contacts' names."""
    events = list(
        FoundEvent.objects.filter(owner=owner, status=FoundStatus.PENDING).only(
            "id", "occurred_on", "title", "addresses", "contact_ids"
        )[:limit]
    )
    mails = list(
        FoundMail.objects.filter(owner=owner, status=FoundStatus.PENDING)
        .select_related("contact")
        .only("id", "day", "addresses", "contact__first_name", "contact__last_name")[:limit]
    )
    ids = {pk for event in events for pk in event.contact_ids}
    names = {}
    if ids:
        names = {
            c.pk: c.full_name
            for c in Contact.objects.filter(owner=owner, pk__in=ids).only("first_name", "last_name")
        }
    items = [
        {
            "kind": "meeting",
            "pk": e.pk,
            "occurred_on": e.occurred_on,
            "title": e.title,
            "addresses": e.addresses,
            "names": [names[pk] for pk in e.contact_ids if pk in names],
        }
        for e in events
    ] + [
        {
            "kind": "email",
            "pk": m.pk,
            "occurred_on": m.day,
            "title": "",
            "addresses": m.addresses,
            "names": [m.contact.full_name],
        }
        for m in mails
    ]
    items.sort(key=lambda item: item["occurred_on"], reverse=True)
    return items[:limit]


def suggestions(*, owner: User, today: date, limit: int = SUGGESTIONS_ON_DASHBOARD) -> list[dict]:
    """Addresses seen in SUGGEST_AFTER or more meetings or threads in the last 90 days
    that are neither contacts nor ignored, most seen first (one query):
    [{"email": …, "seen": n}]."""
    contact_addresses = (
        ContactEmail.objects.filter(owner=owner).annotate(address=Lower("value")).values("address")
    )
    rows = (
        SeenAddress.objects.filter(owner=owner, day__gt=today - timedelta(days=SEEN_DAYS))
        .exclude(email__in=IgnoredAddress.objects.filter(owner=owner).values("email"))
        .exclude(email__in=contact_addresses)
        .values("email")
        .annotate(seen=Count("key"))
        .filter(seen__gte=SUGGEST_AFTER)
        .order_by("-seen", "email")[:limit]
    )
    return list(rows)


def review_context(*, owner: User, today: date) -> dict:
    """The dashboard's "to review" section (sources/_review.html): a fixed number of queries."""
    return {
        "sources_review": review_list(owner=owner),
        "sources_suggestions": suggestions(owner=owner, today=today),
    }
