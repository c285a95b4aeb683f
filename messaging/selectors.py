"""Read side of messages: a template of the user's, and what the compose page shows.

The compose page costs a fixed handful of queries whatever the network's size: the
contact with its first email and dormancy in one row, the reminder it came from, the
templates (`services.templates_for_owner`), and only what the chosen template and the
suggestion need of the contact's interactions (the last topic, the first meeting).
Those read the contact's interactions through the m2m table's contact index, never
the owner's interactions by date (on SQLite that walks all of them: a second at 100,000).
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404
from django.utils import timezone

from contacts.models import CONNECTED_SUMMARY, Contact, ContactEmail, Interaction, InteractionKind
from contacts.selectors import dormant_q
from reminders.models import Reminder, ReminderKind

from . import rules
from .models import MessageTemplate


def template_get_for_user(*, owner: User, pk: int) -> MessageTemplate:
    """The owner's template or Http404 (another user's does not exist for them)."""
    return get_object_or_404(MessageTemplate, owner=owner, pk=pk)


# What compose reads of the contact (a narrow row: the page is on a 50 ms budget).
COMPOSE_COLUMNS = (
    "id",
    "owner_id",
    "first_name",
    "last_name",
    "company",
    "title",
    "how_we_met",
    "started_on",
    "created_at",
    "last_interaction_on",
)


def compose_contact(*, owner: User, pk: int, today: date) -> Contact:
    """The owner's contact (or Http404) with `first_email` (the first address saved, ""
    when none) and `is_dormant` (contacts.selectors.dormant_q with the owner's dormant
    months). One query."""
    emails = ContactEmail.objects.filter(contact=OuterRef("pk")).order_by("id").values("value")[:1]
    dormant = dormant_q(today=today, months=owner.profile.dormant_months)
    qs = (
        Contact.objects.filter(owner=owner)
        .only(*COMPOSE_COLUMNS)
        .annotate(
            first_email=Subquery(emails),
            is_dormant=ExpressionWrapper(dormant, output_field=BooleanField()),
        )
    )
    return get_object_or_404(qs, pk=pk)


def _interactions_of(contact: Contact) -> QuerySet[Interaction]:
    """The contact's interactions, read through the m2m table's contact index: never the
    owner's interactions by date, which SQLite walks whole for a contact seen long ago (a
    second at 100,000). The contact is the owner's (compose_contact), so its interactions are."""
    through = Interaction.contacts.through
    if connection.vendor == "postgresql":
        # = ANY(ARRAY(…)): the ids first, then each row by primary key. Written IN (…),
        # PostgreSQL hash-joins all 100,000 interactions for a contact seen 3,000 times
        # (61 ms against 7 ms). OPEN_TERM in reminders.models is the same kind of SQL.
        ids = f'SELECT "interaction_id" FROM "{through._meta.db_table}" WHERE "contact_id" = %s'
        sql = f'"{Interaction._meta.db_table}"."id" = ANY(ARRAY({ids}))'
        return Interaction.objects.filter(RawSQL(sql, [contact.pk], output_field=BooleanField()))
    mine = through.objects.filter(contact_id=contact.pk).values("interaction_id")
    return Interaction.objects.filter(pk__in=mine)


def met_recently(*, contact: Contact, today: date) -> bool:
    """First met at most two days ago (rules.follow_up_since): the last interaction
    (`last_interaction_on`, kept by the interaction services) is that recent and none
    is older. No query unless the last interaction is recent; then one EXISTS."""
    since = rules.follow_up_since(today)
    last = contact.last_interaction_on
    if last is None or not since <= last <= today:
        return False
    return not _interactions_of(contact).filter(occurred_on__lt=since).exists()


def first_met_on(*, contact: Contact) -> date | None:
    """The date of the first interaction with the contact (None: none logged)."""
    return _interactions_of(contact).order_by("occurred_on").values_list("occurred_on", flat=True).first()


def compose_reminder(*, owner: User, contact: Contact, pk: int | None) -> Reminder | None:
    """The reminder `pk` when it is the owner's and this contact's, else None."""
    if pk is None:
        return None
    return Reminder.objects.filter(owner=owner, contact_id=contact.pk, pk=pk).first()


def last_topic(*, contact: Contact) -> str:
    """What `{last_topic}` says: the topics of the latest interaction with any, or the
    summary of the latest conversation (not a logged email, whose summary is the message
    itself, nor a LinkedIn "Connected on"); "" when there is none."""
    talked = ~Q(summary="") & ~Q(summary=CONNECTED_SUMMARY) & ~Q(kind=InteractionKind.EMAIL)
    row = (
        _interactions_of(contact)
        .filter(~Q(topics="") | talked)
        .order_by("-occurred_on", "-id")
        .values("topics", "summary")
        .first()
    )
    if row is None:
        return ""
    return rules.last_topic_text(topics=row["topics"], summary=row["summary"])


def placeholder_values(
    *, owner: User, contact: Contact, reminder: Reminder | None, used: set[str], today: date
) -> dict[str, str]:
    """The value of each placeholder for this contact (rules.PLACEHOLDERS); `{last_topic}`
    and `{years}` read interactions, so only when the template uses them (`used`)."""
    values = {
        "first_name": contact.first_name,
        "how_we_met": contact.how_we_met,
        "company": contact.company,
        "title": contact.title,
        "my_name": owner.get_full_name() or owner.get_username(),
        "last_topic": last_topic(contact=contact) if "last_topic" in used else "",
        "years": "",
    }
    if "years" in used:
        anniversary = reminder is not None and reminder.kind == ReminderKind.WORK_ANNIVERSARY
        values["years"] = rules.years_value(
            anniversary_on=reminder.due_on if anniversary else None,
            started_on=contact.started_on,
            first_met_on=None if anniversary and contact.started_on else first_met_on(contact=contact),
            added_on=timezone.localdate(contact.created_at),
            today=today,
        )
    return values


@dataclass(frozen=True)
class Compose:
    """What the compose page shows: the message filled in, and where it came from."""

    contact: Contact
    reminder: Reminder | None
    templates: list[MessageTemplate]  # the picker: visible ones, and the chosen one if hidden
    template: MessageTemplate
    suggested: bool  # the template was picked by context, not asked for
    asked_missing: str  # a ?template= slug the user has no template for ("" if none)
    subject: str
    body: str
    unknown: tuple[str, ...]
    missing: tuple[str, ...]
    mailto: str  # "" when the contact has no email


def compose(
    *,
    owner: User,
    contact: Contact,
    reminder: Reminder | None,
    templates: list[MessageTemplate],
    slug: str,
    today: date,
) -> Compose:
    """The message for `contact` from the template `slug`, or the one the moment calls for
    (rules.suggested_template) when no slug is given or the owner has none by that name."""
    by_slug = {t.slug: t for t in templates}
    chosen = by_slug.get(slug) if slug else None
    suggested = chosen is None
    if chosen is None:
        kind = reminder.kind if reminder is not None else None
        want = rules.suggested_template(
            reminder_kind=kind,
            is_dormant=contact.is_dormant,
            # Asked only when the reminder and dormancy leave it open.
            met_recently=kind not in rules.KIND_TEMPLATES
            and not contact.is_dormant
            and met_recently(contact=contact, today=today),
        )
        chosen = by_slug.get(want) or next((t for t in templates if not t.hidden), templates[0])
    texts = (chosen.subject, chosen.greeting, chosen.context, chosen.intent, chosen.closing)
    values = placeholder_values(
        owner=owner, contact=contact, reminder=reminder, used=rules.placeholders_in(*texts), today=today
    )
    subject = rules.fill(chosen.subject, values)
    body = rules.fill(
        rules.message_body(
            greeting=chosen.greeting, context=chosen.context, intent=chosen.intent, closing=chosen.closing
        ),
        values,
    )
    unknown, missing = rules.merge_reports(subject, body)
    email = contact.first_email or ""
    return Compose(
        contact=contact,
        reminder=reminder,
        templates=[t for t in templates if not t.hidden or t.pk == chosen.pk],
        template=chosen,
        suggested=suggested,
        asked_missing=slug if slug and slug not in by_slug else "",
        subject=subject.text,
        body=body.text,
        unknown=unknown,
        missing=missing,
        mailto=rules.mailto_url(email, subject=subject.text, body=body.text) if email else "",
    )
