"""Write side of contacts: contacts, interactions, tags, offers.

Every service is keyword-only and atomic, and tells the reminder engine
(reminders.services) what changed; the engine owns reminders, RoleHistory and the
denormalised `last_interaction_on` / `next_check_in`.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from reminders import services as reminder_services
from reminders.models import Reminder

from .models import CONTACT_FIELDS, Contact, ContactEmail, ContactPhone, Exchange, Interaction, Offer, Tag

# Changing one of these moves the check-in schedule.
SCHEDULE_FIELDS = ("tie_strength", "checkin_cadence_months", "archived")


@dataclass(frozen=True)
class Handle:
    """An email address or phone number with its label."""

    value: str
    label: str


class BulkAction(StrEnum):
    ADD_TAG = "add_tag"
    REMOVE_TAG = "remove_tag"
    SET_TIE_STRENGTH = "set_tie_strength"
    SET_RELATIONSHIP = "set_relationship"
    SET_CADENCE = "set_cadence"
    ARCHIVE = "archive"
    UNARCHIVE = "unarchive"


def parse_tag_names(text: str) -> list[str]:
    """'investors, London ,london,' -> ['investors', 'London']: trimmed, first spelling wins."""
    names: list[str] = []
    seen: set[str] = set()
    for raw in text.split(","):
        name = " ".join(raw.split())[:64]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


def tags_get_or_create(*, owner: User, names: Iterable[str]) -> list[Tag]:
    """The owner's tags with these names (matched case-insensitively), created if missing."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return []
    existing = {tag.name.casefold(): tag for tag in Tag.objects.filter(owner=owner)}
    result = []
    for name in wanted:
        tag = existing.get(name.casefold())
        if tag is None:
            tag = Tag.objects.create(owner=owner, name=name)
            existing[name.casefold()] = tag
        result.append(tag)
    return result


def _replace_handles(
    *, contact: Contact, emails: Sequence[Handle] | None, phones: Sequence[Handle] | None
) -> None:
    if emails is not None:
        contact.emails.all().delete()
        ContactEmail.objects.bulk_create(
            [ContactEmail(contact=contact, value=h.value, label=h.label) for h in emails]
        )
    if phones is not None:
        contact.phones.all().delete()
        ContactPhone.objects.bulk_create(
            [ContactPhone(contact=contact, value=h.value, label=h.label) for h in phones]
        )


def _check_introducer(*, owner: User, fields: dict) -> None:
    introducer = fields.get("introduced_by")
    if introducer is not None and introducer.owner_id != owner.pk:
        raise ValueError("introduced_by must be one of the owner's contacts")


@transaction.atomic
def contact_create(
    *,
    owner: User,
    fields: dict,
    emails: Sequence[Handle] = (),
    phones: Sequence[Handle] = (),
    tag_names: Sequence[str] = (),
) -> Contact:
    """Create a contact with its emails, phones and tags (tags created as needed)."""
    _check_introducer(owner=owner, fields=fields)
    contact = Contact(owner=owner, **{k: v for k, v in fields.items() if k in CONTACT_FIELDS})
    contact.save()
    _replace_handles(contact=contact, emails=emails, phones=phones)
    if tag_names:
        contact.tags.set(tags_get_or_create(owner=owner, names=tag_names))
    reminder_services.contacts_schedule_refresh(contact_ids=[contact.pk])
    return contact


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    fields: dict,
    today: date,
    emails: Sequence[Handle] | None = None,
    phones: Sequence[Handle] | None = None,
    tag_names: Sequence[str] | None = None,
) -> Contact:
    """Apply `fields` (and, when given, replace emails, phones, tags) to the contact.

    A change of company or title from a non-empty value is reported to the reminder
    engine, which keeps the old role and raises the job_change reminder. A change of
    tie strength, cadence, archived or tags refreshes the check-in schedule.
    """
    _check_introducer(owner=contact.owner, fields=fields)
    old = {name: getattr(contact, name) for name in ("company", "title", "started_on", *SCHEDULE_FIELDS)}
    changed: list[str] = []
    for name, value in fields.items():
        if name in CONTACT_FIELDS and getattr(contact, name) != value:
            setattr(contact, name, value)
            changed.append(name)
    # update_fields: the reminder engine writes last_interaction_on / next_check_in
    # on this row, and a stale copy must not overwrite them.
    contact.save(update_fields=[*changed, "updated_at"])
    _replace_handles(contact=contact, emails=emails, phones=phones)
    tags_changed = False
    if tag_names is not None:
        new_tags = tags_get_or_create(owner=contact.owner, names=tag_names)
        old_ids = set(contact.tags.values_list("pk", flat=True))
        if old_ids != {t.pk for t in new_tags}:
            contact.tags.set(new_tags)
            tags_changed = True
    role_changed = (contact.company != old["company"] or contact.title != old["title"]) and bool(
        old["company"] or old["title"]
    )
    if role_changed:
        reminder_services.contact_role_changed(
            contact=contact,
            old_company=old["company"],
            old_title=old["title"],
            today=today,
            old_started_on=old["started_on"],
        )
    if tags_changed or any(contact_value_changed(contact, old, name) for name in SCHEDULE_FIELDS):
        reminder_services.contacts_schedule_refresh(contact_ids=[contact.pk])
    return contact


def contact_value_changed(contact: Contact, old: dict, name: str) -> bool:
    return getattr(contact, name) != old[name]


@transaction.atomic
def contact_set_archived(*, contact: Contact, archived: bool) -> Contact:
    if contact.archived != archived:
        contact.archived = archived
        contact.save(update_fields=["archived", "updated_at"])
        reminder_services.contacts_schedule_refresh(contact_ids=[contact.pk])
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact) -> None:
    """Delete the contact; interactions left with nobody are deleted too."""
    through = Interaction.contacts.through
    mine = set(through.objects.filter(contact_id=contact.pk).values_list("interaction_id", flat=True))
    shared = through.objects.filter(interaction_id__in=mine).exclude(contact_id=contact.pk)
    others = set(shared.values_list("contact_id", flat=True))
    lonely = mine - set(shared.values_list("interaction_id", flat=True))
    contact.delete()
    Interaction.objects.filter(pk__in=lonely).delete()
    if others:
        reminder_services.contacts_schedule_refresh(contact_ids=sorted(others))


@transaction.atomic
def contacts_bulk_update(
    *, owner: User, contact_ids: Iterable[int], action: BulkAction | str, value=None
) -> int:
    """Apply one bulk action to the owner's contacts among `contact_ids`, set-based.

    Ids that are not the owner's are ignored. Returns how many contacts were selected
    (the owner's ones). `value` is the tag name, tie strength, relationship or cadence
    (None = default cadence) as the action needs.
    """
    action = BulkAction(action)
    ids = list(Contact.objects.filter(owner=owner, pk__in=list(contact_ids)).values_list("pk", flat=True))
    if not ids:
        return 0
    contacts = Contact.objects.filter(pk__in=ids)
    now = timezone.now()
    refresh = True
    if action is BulkAction.ADD_TAG:
        (tag,) = tags_get_or_create(owner=owner, names=[value])
        through = Contact.tags.through
        have = set(through.objects.filter(tag=tag, contact_id__in=ids).values_list("contact_id", flat=True))
        through.objects.bulk_create([through(contact_id=pk, tag_id=tag.pk) for pk in ids if pk not in have])
    elif action is BulkAction.REMOVE_TAG:
        tags = Tag.objects.filter(owner=owner, name__iexact=value)
        Contact.tags.through.objects.filter(tag__in=tags, contact_id__in=ids).delete()
    elif action is BulkAction.SET_TIE_STRENGTH:
        contacts.update(tie_strength=value, updated_at=now)
    elif action is BulkAction.SET_RELATIONSHIP:
        contacts.update(relationship=value, updated_at=now)
        refresh = False
    elif action is BulkAction.SET_CADENCE:
        contacts.update(checkin_cadence_months=value, updated_at=now)
    elif action is BulkAction.ARCHIVE:
        contacts.update(archived=True, updated_at=now)
    elif action is BulkAction.UNARCHIVE:
        contacts.update(archived=False, updated_at=now)
    if refresh:
        reminder_services.contacts_schedule_refresh(contact_ids=ids)
    return len(ids)


def _owner_contacts(*, owner: User, contact_ids: Iterable[int]) -> list[int]:
    wanted = set(contact_ids)
    found = list(Contact.objects.filter(owner=owner, pk__in=wanted).values_list("pk", flat=True))
    if not wanted or len(found) != len(wanted):
        raise ValueError("an interaction needs at least one of the owner's contacts, and only those")
    return found


@transaction.atomic
def interaction_create(
    *,
    owner: User,
    contact_ids: Iterable[int],
    occurred_on: date,
    today: date,
    kind: str,
    summary: str = "",
    topics: str = "",
    exchange: str | None = None,
    follow_up_on: date | None = None,
) -> Interaction:
    """Log an interaction with one or more of the owner's contacts.

    The reminder engine then closes their open check-ins and moves the next ones.
    """
    ids = _owner_contacts(owner=owner, contact_ids=contact_ids)
    interaction = Interaction.objects.create(
        owner=owner,
        occurred_on=occurred_on,
        kind=kind,
        summary=summary,
        topics=topics,
        exchange=exchange or None,
        follow_up_on=follow_up_on,
    )
    interaction.contacts.set(ids)
    reminder_services.interaction_recorded(interaction_id=interaction.pk, today=today)
    return interaction


# "What can you offer in return?": the log form has three short notes (Offer.text's length).
MAX_OFFERS = 3
OFFER_MAX_LENGTH = 200


def offer_texts(notes: Iterable[str]) -> list[str]:
    """The non-blank notes, whitespace collapsed, repeats (any case) dropped, in order."""
    texts: list[str] = []
    seen: set[str] = set()
    for note in notes:
        text = " ".join((note or "").split())
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            texts.append(text)
    return texts


@transaction.atomic
def interaction_create_with_offers(
    *,
    owner: User,
    contact_ids: Iterable[int],
    occurred_on: date,
    today: date,
    kind: str,
    summary: str = "",
    topics: str = "",
    exchange: str | None = None,
    follow_up_on: date | None = None,
    offers: Sequence[str] = (),
) -> tuple[Interaction, list[Offer]]:
    """Log an interaction (`interaction_create`) and, when the owner asked a favour, what
    they can offer in return: each non-blank note becomes an open Offer for each contact.

    Returns the interaction and the offers created. Notes on an interaction that is not
    "asked" are ignored (the form shows them only for "I asked a favour"). More than
    MAX_OFFERS notes is a ValueError, and then nothing is written.
    """
    texts = offer_texts(offers) if exchange == Exchange.ASKED else []
    if len(texts) > MAX_OFFERS:
        raise ValueError(f"at most {MAX_OFFERS} offers per interaction")
    if any(len(text) > OFFER_MAX_LENGTH for text in texts):
        raise ValueError(f"an offer is at most {OFFER_MAX_LENGTH} characters")
    contact_ids = list(dict.fromkeys(contact_ids))
    interaction = interaction_create(
        owner=owner,
        contact_ids=contact_ids,
        occurred_on=occurred_on,
        today=today,
        kind=kind,
        summary=summary,
        topics=topics,
        exchange=exchange,
        follow_up_on=follow_up_on,
    )
    created = Offer.objects.bulk_create(
        [
            Offer(owner=owner, contact_id=pk, interaction=interaction, text=text, created_on=today)
            for pk in contact_ids
            for text in texts
        ]
    )
    return interaction, created


def offer_mark_given(*, offer: Offer, today: date) -> bool:
    """Mark the offer given on `today`; False when it was given already (a double click)."""
    done = Offer.objects.filter(pk=offer.pk, given_on=None).update(given_on=today)
    if done:
        offer.given_on = today
    return bool(done)


def offer_reopen(*, offer: Offer) -> None:
    """Undo "given": the offer is open again."""
    Offer.objects.filter(pk=offer.pk).update(given_on=None)
    offer.given_on = None


def offer_delete(*, offer: Offer) -> None:
    offer.delete()


@transaction.atomic
def reminder_done_and_log(
    *, reminder: Reminder, user: User, kind: str, summary: str, today: date, now: datetime | None = None
) -> Interaction:
    """Close the reminder and log an interaction with its contact on `today`, in one step.

    The interaction goes through `interaction_create`, which also closes the
    contact's other open check-ins and moves the next one.
    """
    if reminder.owner_id != user.pk:
        raise ValueError("not this user's reminder")
    reminder_services.reminder_done(reminder=reminder, today=today, now=now)
    return interaction_create(
        owner=user,
        contact_ids=[reminder.contact_id],
        occurred_on=today,
        today=today,
        kind=kind,
        summary=summary,
    )


@transaction.atomic
def interaction_update(
    *, interaction: Interaction, fields: dict, contact_ids: Iterable[int] | None = None
) -> Interaction:
    """Change an interaction (and its people); refreshes old and new contacts' schedules."""
    before = set(interaction.contacts.values_list("pk", flat=True))
    for name in ("occurred_on", "kind", "summary", "topics", "exchange", "follow_up_on"):
        if name in fields:
            setattr(interaction, name, fields[name])
    interaction.exchange = interaction.exchange or None
    interaction.save()
    after = before
    if contact_ids is not None:
        after = set(_owner_contacts(owner=interaction.owner, contact_ids=contact_ids))
        interaction.contacts.set(after)
    reminder_services.contacts_schedule_refresh(contact_ids=sorted(before | after))
    return interaction


@transaction.atomic
def interaction_delete(*, interaction: Interaction) -> list[int]:
    """Delete the interaction; returns the ids of the contacts it involved."""
    ids = sorted(interaction.contacts.values_list("pk", flat=True))
    interaction.delete()
    reminder_services.contacts_schedule_refresh(contact_ids=ids)
    return ids


@transaction.atomic
def tag_update(*, tag: Tag, name: str, checkin_cadence_months: int | None) -> Tag:
    """Rename a tag or change its cadence; a cadence change refreshes its contacts."""
    cadence_changed = tag.checkin_cadence_months != checkin_cadence_months
    tag.name = name
    tag.checkin_cadence_months = checkin_cadence_months
    tag.save()
    if cadence_changed:
        reminder_services.contacts_schedule_refresh(
            contact_ids=list(tag.contacts.values_list("pk", flat=True))
        )
    return tag


@transaction.atomic
def tag_create(*, owner: User, name: str, checkin_cadence_months: int | None = None) -> Tag:
    return Tag.objects.create(owner=owner, name=name, checkin_cadence_months=checkin_cadence_months)


@transaction.atomic
def tag_delete(*, tag: Tag) -> None:
    ids = list(tag.contacts.values_list("pk", flat=True))
    tag.delete()
    if ids and tag.checkin_cadence_months is not None:
        reminder_services.contacts_schedule_refresh(contact_ids=ids)


def reconnect_hide(*, contact: Contact, until: date) -> None:
    """Keep a dormant tie off the reconnect list until `until` ("not now", "snooze 3 months")."""
    Contact.objects.filter(pk=contact.pk).update(reconnect_hidden_until=until)
    contact.reconnect_hidden_until = until
