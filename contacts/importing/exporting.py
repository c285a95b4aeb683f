"""Export one owner's contacts: vCard 3.0, CSV (formula-safe) and the JSON backup.

Contacts are read in chunks (`iterator(chunk_size=...)` with prefetching), so an
export's query count grows with the number of chunks, not of contacts. Order is
(created_at, id) everywhere: the JSON backup's file-local ids follow it, which is what
makes "import a backup into an empty account and export again" give the same document.
"""

import csv
import io
import json
from collections.abc import Iterator
from datetime import date

import vobject
from django.contrib.auth.models import User
from django.db.models import Prefetch, QuerySet

from contacts.models import (
    CONTACT_TEXT_FIELDS,
    Contact,
    ContactEmail,
    ContactPhone,
    Interaction,
    NotDuplicate,
    Offer,
    RoleHistory,
    Tag,
)
from goals.models import Goal
from messaging.models import MessageTemplate
from reminders.models import Reminder

from .backup import MESSAGE_TEMPLATE_FIELDS, backup_settings
from .parsers.backup_json import VERSION as BACKUP_VERSION

CHUNK = 1000
EXPORT_ORDER = ("created_at", "id")  # every export's order, and the backup's file-local ids
# The CSV export is a file format (generic_csv reads it back): the contact's declared
# fields, with its emails and phones after the name, one birthday column instead of
# three, its tags, and no introducer (another contact, which a CSV cannot name).
CSV_COLUMNS = [
    *CONTACT_TEXT_FIELDS[:2],
    "emails",
    "phones",
    *CONTACT_TEXT_FIELDS[2:],
    "relationship",
    "network",
    "tie_strength",
    "checkin_cadence_months",
    "birthday",
    "started_on",
    "tags",
    "notes",
    "archived",
    "created_at",
]
# Spreadsheets run a cell starting with one of these as a formula (CSV injection).
RISKY_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EMAIL_TYPES = {
    "work": ["INTERNET", "WORK"],
    "home": ["INTERNET", "HOME"],
    "mobile": ["INTERNET", "CELL"],
    "other": ["INTERNET", "OTHER"],
}
PHONE_TYPES = {
    "mobile": ["CELL", "VOICE"],
    "work": ["WORK", "VOICE"],
    "home": ["HOME", "VOICE"],
    "other": ["OTHER", "VOICE"],
}


def _contacts(owner: User) -> QuerySet[Contact]:
    return (
        Contact.objects.filter(owner=owner)
        .order_by(*EXPORT_ORDER)
        .prefetch_related(
            Prefetch("emails", queryset=ContactEmail.objects.order_by("id")),
            Prefetch("phones", queryset=ContactPhone.objects.order_by("id")),
            Prefetch("tags", queryset=Tag.objects.order_by("name")),
        )
    )


def birthday_text(contact: Contact) -> str | None:
    if contact.birthday_month is None:
        return None
    if contact.birthday_year:
        return f"{contact.birthday_year:04d}-{contact.birthday_month:02d}-{contact.birthday_day:02d}"
    return f"--{contact.birthday_month:02d}-{contact.birthday_day:02d}"


# --- vCard ------------------------------------------------------------------------


def contact_vcard(contact: Contact) -> str:
    card = vobject.vCard()
    card.add("n").value = vobject.vcard.Name(family=contact.last_name, given=contact.first_name)
    card.add("fn").value = contact.full_name
    for email in contact.emails.all():
        prop = card.add("email")
        prop.value = email.value
        prop.type_paramlist = EMAIL_TYPES.get(email.label, ["INTERNET"])
    for phone in contact.phones.all():
        prop = card.add("tel")
        prop.value = phone.value
        prop.type_paramlist = PHONE_TYPES.get(phone.label, ["VOICE"])
    if contact.company:
        card.add("org").value = [contact.company]
    if contact.title:
        card.add("title").value = contact.title
    if contact.location:
        prop = card.add("adr")
        prop.value = vobject.vcard.Address(city=contact.location)
        prop.type_paramlist = ["WORK"]
    if contact.linkedin_url:
        card.add("url").value = contact.linkedin_url
    if bday := birthday_text(contact):
        card.add("bday").value = bday
    if contact.started_on:
        card.add("x-keepwarm-started-on").value = contact.started_on.isoformat()
    if tags := [t.name for t in contact.tags.all()]:
        card.add("categories").value = tags
    if contact.notes:
        card.add("note").value = contact.notes
    return card.serialize()


def export_vcard(*, owner: User) -> Iterator[str]:
    """One vCard 3.0 per contact, in one stream."""
    for contact in _contacts(owner).iterator(chunk_size=CHUNK):
        yield contact_vcard(contact)


# --- CSV --------------------------------------------------------------------------


def neutralise(value: str) -> str:
    """Prefix a cell a spreadsheet would run as a formula with an apostrophe."""
    return "'" + value if value.startswith(RISKY_PREFIXES) else value


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([neutralise(c) for c in cells])
    return buffer.getvalue()


def _csv_cell(contact: Contact, column: str) -> str:
    if column == "emails":
        return "; ".join(e.value for e in contact.emails.all())
    if column == "phones":
        return "; ".join(p.value for p in contact.phones.all())
    if column == "tags":
        return "; ".join(t.name for t in contact.tags.all())
    if column == "birthday":
        return birthday_text(contact) or ""
    if column == "archived":
        return "yes" if contact.archived else "no"
    value = getattr(contact, column)
    if value is None:
        return ""
    if isinstance(value, date):  # started_on, and created_at (a datetime)
        return value.isoformat()
    return str(value)


def export_csv(*, owner: User) -> Iterator[str]:
    """A header and one line per contact (UTF-8 with BOM, so spreadsheets pick the encoding)."""
    yield "\ufeff" + _csv_line(CSV_COLUMNS)
    for contact in _contacts(owner).iterator(chunk_size=CHUNK):
        yield _csv_line([_csv_cell(contact, column) for column in CSV_COLUMNS])


# --- JSON backup --------------------------------------------------------------------


def _contact_item(contact: Contact, local: dict[int, int]) -> dict:
    return {
        "id": local[contact.pk],
        **{name: getattr(contact, name) for name in CONTACT_TEXT_FIELDS[:2]},
        "emails": [{"value": e.value, "label": e.label} for e in contact.emails.all()],
        "phones": [{"value": p.value, "label": p.label} for p in contact.phones.all()],
        **{name: getattr(contact, name) for name in CONTACT_TEXT_FIELDS[2:]},
        "introduced_by": local.get(contact.introduced_by_id),
        "relationship": contact.relationship,
        "network": contact.network,
        "tie_strength": contact.tie_strength,
        "checkin_cadence_months": contact.checkin_cadence_months,
        "birthday": birthday_text(contact),
        "started_on": _day(contact.started_on),
        "tags": [t.name for t in contact.tags.all()],
        "notes": contact.notes,
        "archived": contact.archived,
        "created_at": contact.created_at.isoformat(),
        "past_roles": [
            {
                "company": r.company,
                "title": r.title,
                "started_on": _day(r.started_on),
                "ended_on": _day(r.ended_on),
            }
            for r in contact.past_roles.all()
        ],
        "first_check_in_on": _day(contact.first_check_in_on),
        "reconnect_hidden_until": _day(contact.reconnect_hidden_until),
    }


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _backup_sections(owner: User) -> Iterator[tuple[str, Iterator[dict]]]:
    """The backup's lists, in file order, each as a stream of items.

    File-local contact ids follow the export order, read first (one integer per
    contact): an introducer may come later in the file than the person they introduced.
    """
    local = {
        pk: number
        for number, pk in enumerate(
            Contact.objects.filter(owner=owner)
            .order_by(*EXPORT_ORDER)
            .values_list("id", flat=True)
            .iterator(chunk_size=CHUNK * 10),
            start=1,
        )
    }

    def contacts() -> Iterator[dict]:
        rows = _contacts(owner).prefetch_related(
            Prefetch("past_roles", queryset=RoleHistory.objects.order_by("ended_on", "id"))
        )
        for contact in rows.iterator(chunk_size=CHUNK):
            yield _contact_item(contact, local)

    interaction_local: dict[int, int] = {}

    def interactions() -> Iterator[dict]:
        rows = (
            Interaction.objects.filter(owner=owner)
            .order_by("occurred_on", "id")
            .prefetch_related(Prefetch("contacts", queryset=Contact.objects.only("id")))
        )
        for number, i in enumerate(rows.iterator(chunk_size=CHUNK), start=1):
            interaction_local[i.pk] = number
            yield {
                "id": number,
                "contact_ids": sorted(local[c.pk] for c in i.contacts.all() if c.pk in local),
                "occurred_on": i.occurred_on.isoformat(),
                "kind": i.kind,
                "summary": i.summary,
                "topics": i.topics,
                "exchange": i.exchange or None,
                "follow_up_on": _day(i.follow_up_on),
                "origin": i.origin,
            }

    def reminders() -> Iterator[dict]:
        rows = (
            Reminder.objects.filter(owner=owner)
            .order_by(*(f"contact__{name}" for name in EXPORT_ORDER), "kind", "due_on")
            .values(
                "contact_id",
                "kind",
                "due_on",
                "status",
                "snoozed_until",
                "interaction_id",
                "detail",
                "completed_at",
            )
        )
        for r in rows.iterator(chunk_size=CHUNK):
            yield {
                "contact_id": local[r["contact_id"]],
                "kind": r["kind"],
                "due_on": r["due_on"].isoformat(),
                "status": r["status"],
                "snoozed_until": _day(r["snoozed_until"]),
                "interaction_id": interaction_local.get(r["interaction_id"]),
                "detail": r["detail"],
                "completed_at": r["completed_at"].isoformat() if r["completed_at"] else None,
            }

    def not_duplicates() -> Iterator[list[int]]:
        rows = NotDuplicate.objects.filter(owner=owner).order_by("first_id", "second_id")
        for first, second in rows.values_list("first_id", "second_id").iterator(chunk_size=CHUNK):
            yield sorted((local[first], local[second]))

    yield (
        "tags",
        iter(
            {"name": name, "checkin_cadence_months": cadence}
            for name, cadence in Tag.objects.filter(owner=owner)
            .order_by("name")
            .values_list("name", "checkin_cadence_months")
        ),
    )
    yield "contacts", contacts()
    yield "interactions", interactions()
    yield "reminders", reminders()
    yield "not_duplicates", not_duplicates()

    def offers() -> Iterator[dict]:
        rows = Offer.objects.filter(owner=owner).order_by("created_on", "id")
        for o in rows.values("contact_id", "interaction_id", "text", "created_on", "given_on").iterator(
            chunk_size=CHUNK
        ):
            yield {
                "contact_id": local[o["contact_id"]],
                "interaction_id": interaction_local.get(o["interaction_id"]),
                "text": o["text"],
                "created_on": o["created_on"].isoformat(),
                "given_on": _day(o["given_on"]),
            }

    yield "offers", offers()
    yield (
        "goals",
        iter(
            {**goal, "created_on": goal["created_on"].isoformat()}
            for goal in Goal.objects.filter(owner=owner)
            .order_by("id")
            .values("measure", "kind", "target", "period", "per_event", "created_on", "archived")
        ),
    )
    yield (
        "message_templates",
        iter(
            MessageTemplate.objects.filter(owner=owner)
            .order_by("position", "slug")
            .values(*MESSAGE_TEMPLATE_FIELDS)
        ),
    )


def export_json(*, owner: User) -> Iterator[str]:
    """The backup (DESIGN.md), streamed: one line per item, so memory holds a chunk, not the file."""

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    yield f'{{"format": "keepwarm-backup", "version": {BACKUP_VERSION},\n "settings": {dump(backup_settings(owner))}'
    for name, items in _backup_sections(owner):
        yield f',\n "{name}": ['
        separator = "\n  "
        for item in items:
            yield separator + dump(item)
            separator = ",\n  "
        yield "]"
    yield "}\n"


def backup_build(*, owner: User) -> dict:
    """The backup as a document (tests, and whoever wants it whole)."""
    return json.loads("".join(export_json(owner=owner)))


EXPORTERS = {
    "vcard": (export_vcard, "text/vcard; charset=utf-8", "vcf"),
    "csv": (export_csv, "text/csv; charset=utf-8", "csv"),
    "json": (export_json, "application/json", "json"),
}
