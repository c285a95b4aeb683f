"""Read side of contacts: every query takes the owner, so access is decided here.

Selectors return evaluated lists (or a Page whose object_list is a list) with what
the templates need already fetched: rendering them costs no query.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from reminders import rules
from reminders.models import Reminder, ReminderStatus
from reminders.warmth import band_range

from .models import Contact, ContactEmail, Interaction, Tag
from .search import search_terms

PER_PAGE = 50
TIMELINE_PAGE = 50

# URL value -> ORDER BY. Name sorts carry the id last so pages are stable.
SORTS: dict[str, tuple] = {
    "name": ("first_name", "last_name", "id"),
    "-name": ("-first_name", "-last_name", "-id"),
    "company": ("company", "first_name", "last_name", "id"),
    "-company": ("-company", "first_name", "last_name", "id"),
    # Never-met contacts sort after everyone else in both directions.
    "last": (F("last_interaction_on").asc(nulls_first=True), "first_name", "id"),
    "-last": (F("last_interaction_on").desc(nulls_last=True), "first_name", "id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    # Warmth (reminders.warmth), stored on the contact: sorted by its index.
    "-warmth": ("-warmth", "-id"),
    "warmth": ("warmth", "id"),
}
SORT_LABELS = {
    "name": "Name A–Z",
    "-name": "Name Z–A",
    "company": "Company A–Z",
    "-company": "Company Z–A",
    "-last": "Recently talked",
    "last": "Longest ago",
    "-created": "Newest",
    "created": "Oldest",
    "-warmth": "Warmest first",
    "warmth": "Coldest first",
}


class Archived:
    ACTIVE = ""
    ONLY = "only"
    ALL = "all"


@dataclass(frozen=True)
class ContactFilters:
    q: str = ""
    relationship: str = ""
    tie_strength: str = ""
    network: str = ""
    tag_id: int | None = None
    archived: str = Archived.ACTIVE
    warmth: str = ""  # a band of reminders.warmth.BANDS
    sort: str = "name"
    cadence_within: int | None = None  # effective check-in cadence 1..N months (cadence_within_q)


# Columns the list page shows; keeps the row fetch narrow on 10,000 contacts.
LIST_COLUMNS = (
    "id",
    "owner_id",
    "first_name",
    "last_name",
    "company",
    "title",
    "relationship",
    "network",
    "tie_strength",
    "archived",
    "last_interaction_on",
    "last_talked_on",
    "created_at",
    "warmth",
    "warmth_why",
)


def contact_queryset(*, owner: User, filters: ContactFilters) -> QuerySet[Contact]:
    """The owner's contacts matching `filters`, ordered, not evaluated.

    Search: every word must match the first or last name, company, title, an email
    or a tag name (so "ada acme" finds Ada at Acme), accents and case aside ("zoe"
    finds Zoë). Subqueries, not joins, so a
    contact with three matching emails is still one row and no DISTINCT is needed.
    """
    qs = Contact.objects.filter(owner=owner)
    if filters.archived == Archived.ACTIVE:
        qs = qs.filter(archived=False)
    elif filters.archived == Archived.ONLY:
        qs = qs.filter(archived=True)
    through = Contact.tags.through
    for word, email_spellings in search_terms(filters.q):
        # Names, company and title through the folded column (accents and case off on
        # both databases, contacts.search). Emails and tags: IN (subquery) rather than a
        # correlated EXISTS, so SQLite and PostgreSQL scan them once per search, not once
        # per contact; an email matches the folded word or, for a non-ASCII word, the
        # word as typed (search_terms: "josé" finds josé@example.com).
        email_match = Q()
        for spelling in email_spellings:
            email_match |= Q(value__icontains=spelling)
        email_hits = ContactEmail.objects.filter(email_match, owner=owner).values("contact_id")
        tag_ids = Tag.objects.filter(owner=owner, name__icontains=word).values("pk")
        tag_hits = through.objects.filter(tag_id__in=tag_ids).values("contact_id")
        qs = qs.filter(Q(search_text__contains=word) | Q(pk__in=email_hits) | Q(pk__in=tag_hits))
    if filters.relationship:
        qs = qs.filter(relationship=filters.relationship)
    if filters.tie_strength:
        qs = qs.filter(tie_strength=filters.tie_strength)
    if filters.network:
        qs = qs.filter(network=filters.network)
    if filters.warmth and (scores := band_range(filters.warmth)):
        qs = qs.filter(warmth__gte=scores[0], warmth__lte=scores[1])
    if filters.cadence_within is not None:
        qs = qs.filter(cadence_within_q(owner=owner, months=filters.cadence_within))
    if filters.tag_id is not None:
        # A list subquery, evaluated once, not a probe per contact.
        qs = qs.filter(pk__in=through.objects.filter(tag_id=filters.tag_id).values("contact_id"))
    return qs.order_by(*SORTS.get(filters.sort, SORTS["name"]))


def cadence_within_q(*, owner: User, months: int) -> Q:
    """Contacts checked in with at least every `months` months: an effective cadence of
    1..`months` (0, never, is out). `reminders.rules.cadence_months` as SQL: the contact's
    own value, else its tags' shortest (in range when a tag is and none says 0), else the
    profile's default for its tie strength. The insights' Dunbar layers link here.
    """
    profile = owner.profile
    through = Contact.tags.through.objects.filter(tag__owner=owner)
    tagged = through.filter(tag__checkin_cadence_months__isnull=False).values("contact_id")
    tag_in = through.filter(
        tag__checkin_cadence_months__gte=1, tag__checkin_cadence_months__lte=months
    ).values("contact_id")
    tag_never = through.filter(tag__checkin_cadence_months=0).values("contact_id")
    default = Q(pk__in=[])
    for tie, strong in (("strong", True), ("weak", False)):
        value = rules.default_cadence(
            tie, strong=profile.strong_cadence_months, weak=profile.weak_cadence_months
        )
        if 1 <= value <= months:
            default |= Q(tie_strength="strong") if strong else ~Q(tie_strength="strong")
    return Q(checkin_cadence_months__gte=1, checkin_cadence_months__lte=months) | Q(
        Q(pk__in=tag_in) & ~Q(pk__in=tag_never) | ~Q(pk__in=tagged) & default,
        checkin_cadence_months__isnull=True,
    )


def _with_list_prefetches(qs: QuerySet[Contact]) -> QuerySet[Contact]:
    # to_attr lists: the template reads plain lists, not a related manager per row.
    return qs.only(*LIST_COLUMNS).prefetch_related(
        Prefetch("tags", queryset=Tag.objects.only("id", "name"), to_attr="tag_list"),
        Prefetch(
            "emails",
            queryset=ContactEmail.objects.only("id", "contact_id", "value", "label"),
            to_attr="email_list",
        ),
    )


def contact_list(*, owner: User, filters: ContactFilters, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the owner's contacts with tags and emails, in a fixed four queries.

    Without a search: COUNT, the page's rows, their tags, their emails. With one,
    the matching ids in order, then the page's rows, tags, emails: the text search
    scans the table once instead of twice (COUNT and page). A page number past the
    end gives the last page; anything below 1 gives the first.
    """
    qs = contact_queryset(owner=owner, filters=filters)
    if not filters.q:
        result = Paginator(_with_list_prefetches(qs), per_page).get_page(page)
        result.object_list = list(result.object_list)
        return result
    result = Paginator(list(qs.values_list("pk", flat=True)), per_page).get_page(page)
    rows = {c.pk: c for c in _with_list_prefetches(Contact.objects.filter(pk__in=result.object_list))}
    result.object_list = [rows[pk] for pk in result.object_list if pk in rows]
    return result


def has_contacts(*, owner: User) -> bool:
    return Contact.objects.filter(owner=owner).exists()


def contact_get_for_user(*, owner: User, pk: int) -> Contact:
    """The owner's contact or Http404 (another user's contact does not exist for them)."""
    return get_object_or_404(Contact, owner=owner, pk=pk)


def contact_ids_for_user(*, owner: User, ids: list[int]) -> list[int]:
    """The subset of `ids` that are the owner's contacts (others' ids are dropped)."""
    return list(Contact.objects.filter(owner=owner, pk__in=ids).values_list("pk", flat=True))


def contact_detail(*, owner: User, pk: int) -> Contact:
    """The contact page's contact with emails, phones, tags, past roles, who introduced them
    and whom they introduced, fetched."""
    qs = (
        Contact.objects.filter(owner=owner)
        .select_related("introduced_by")
        .prefetch_related(
            "emails",
            "phones",
            "tags",
            "past_roles",
            Prefetch(
                "introduced", queryset=Contact.objects.only("id", "owner_id", "first_name", "last_name")
            ),
        )
    )
    return get_object_or_404(qs, pk=pk)


# --- reconnect: dormant ties, ranked by evidence (reminders.ranking.reconnect_score) -----

RECONNECT_PAGE = 30
RECONNECT_COLUMNS = (
    "id",
    "owner_id",
    "first_name",
    "last_name",
    "company",
    "title",
    "tie_strength",
    "archived",
    "warmth",
    "warmth_why",
    "reconnect_score",
    "reconnect_why",
    "last_interaction_on",
    "created_at",
)


def dormant_q(*, today: date, months: int) -> Q:
    """Dormant on `today`: not archived, no interaction for `months` (never talked: added
    that long ago), not hidden ("not now", snoozed) until after today."""
    cutoff = today - relativedelta(months=months)
    added_before = datetime.combine(
        cutoff + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone()
    )
    return (
        Q(archived=False)
        & (
            Q(last_interaction_on__lte=cutoff)
            | Q(last_interaction_on__isnull=True, created_at__lt=added_before)
        )
        & (Q(reconnect_hidden_until__isnull=True) | Q(reconnect_hidden_until__lte=today))
    )


def dormant_queryset(*, owner: User, today: date) -> QuerySet[Contact]:
    """The owner's dormant ties (`dormant_q` with their `Profile.dormant_months`)."""
    return Contact.objects.filter(dormant_q(today=today, months=owner.profile.dormant_months), owner=owner)


def reconnect_list(
    *, owner: User, today: date, limit: int, offset: int = 0, exclude_ids: Iterable[int] = ()
) -> tuple[list[Contact], bool]:
    """Dormant ties in rank order (best first): (rows, has_more). One query.

    `exclude_ids`: people shown elsewhere on the page (today's focus) are not suggested twice.
    """
    rows = list(
        dormant_queryset(owner=owner, today=today)
        .exclude(pk__in=list(exclude_ids))
        .order_by("-reconnect_score", "id")
        .only(*RECONNECT_COLUMNS)[offset : offset + limit + 1]
    )
    return rows[:limit], len(rows) > limit


def contact_cadence(*, contact: Contact, owner: User) -> str:
    """The effective check-in cadence and its source, in words: "every month — tag investors",
    "every 3 months — your default for strong ties" (`contact_detail` prefetched the tags)."""
    profile = owner.profile
    months, source = rules.cadence_source(
        contact_cadence=contact.checkin_cadence_months,
        tag_cadences=[(tag.name, tag.checkin_cadence_months) for tag in contact.tags.all()],
        tie_strength=contact.tie_strength,
        strong=profile.strong_cadence_months,
        weak=profile.weak_cadence_months,
    )
    return f"{rules.cadence_text(months)} — {source}"


def contact_timeline(*, contact: Contact, offset: int = 0, limit: int = TIMELINE_PAGE) -> tuple[list, bool]:
    """Up to `limit` interactions of the contact, newest first, from `offset`.

    Returns (interactions, has_more). Fetches limit+1 rows instead of counting, so a
    contact with thousands of interactions costs the same two queries (rows, people).
    """
    offset = max(0, offset)
    people = Contact.objects.only("id", "first_name", "last_name", "owner_id")
    rows = list(
        Interaction.objects.filter(contacts=contact, owner_id=contact.owner_id)
        .order_by("-occurred_on", "-id")
        .prefetch_related(Prefetch("contacts", queryset=people))[offset : offset + limit + 1]
    )
    return rows[:limit], len(rows) > limit


def contact_open_reminders(*, contact: Contact) -> list[Reminder]:
    """The contact's open and snoozed reminders, soonest first."""
    return list(
        contact.reminders.filter(status__in=[ReminderStatus.OPEN, ReminderStatus.SNOOZED]).order_by(
            "due_on", "id"
        )
    )


def contact_search(
    *, owner: User, q: str, exclude_ids: list[int] | None = None, limit: int = 8
) -> list[Contact]:
    """Active contacts whose name, company or email matches `q` (for the people picker)."""
    if not q.strip():
        return []
    qs = contact_queryset(owner=owner, filters=ContactFilters(q=q)).only(
        "id", "first_name", "last_name", "company", "owner_id"
    )
    if exclude_ids:
        qs = qs.exclude(pk__in=exclude_ids)
    return list(qs[:limit])


def interaction_get_for_user(*, owner: User, pk: int) -> Interaction:
    """The owner's interaction (with its contacts fetched) or Http404."""
    qs = Interaction.objects.filter(owner=owner).prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.only("id", "first_name", "last_name", "owner_id"))
    )
    return get_object_or_404(qs, pk=pk)


def tag_list(*, owner: User) -> list[Tag]:
    """The owner's tags by name, each with `contact_count`."""
    return list(Tag.objects.filter(owner=owner).annotate(contact_count=Count("contacts")).order_by("name"))


def tag_choices(*, owner: User) -> list[Tag]:
    return list(Tag.objects.filter(owner=owner).only("id", "name").order_by("name"))


def tag_get_for_user(*, owner: User, pk: int) -> Tag:
    return get_object_or_404(Tag, owner=owner, pk=pk)


def contact_had_interaction_before(*, contact: Contact, before: date | None = None) -> bool:
    qs = Interaction.objects.filter(contacts=contact)
    if before is not None:
        qs = qs.filter(occurred_on__lt=before)
    return qs.exists()


def contact_interaction_counts(*, contact: Contact) -> tuple[int, int]:
    """(all interactions with the contact, those with nobody else) — the delete page says both."""
    through = Interaction.contacts.through
    mine = through.objects.filter(contact_id=contact.pk).values("interaction_id")
    shared = (
        through.objects.filter(interaction_id__in=mine)
        .exclude(contact_id=contact.pk)
        .values("interaction_id")
    )
    total = through.objects.filter(contact_id=contact.pk).count()
    lonely = through.objects.filter(contact_id=contact.pk).exclude(interaction_id__in=shared).count()
    return total, lonely
