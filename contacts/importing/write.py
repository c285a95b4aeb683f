"""Carry out one chunk's plan (`decide.ChunkPlan`): the INSERTs and UPDATEs of an import.

New contacts, their emails and phones, and the "Connected on LinkedIn" interactions go
in with one multi-row INSERT per table (`fastinsert.fast_insert`); updated contacts
with one bulk_update per set of changed fields; job changes through the reminder
engine's `contact_role_changed`, as an edit does. So the query count grows with the
number of chunks, not of rows.
"""

from datetime import date, datetime
from operator import itemgetter
from typing import Any

from django.contrib.auth.models import User

from contacts.models import (
    CONNECTED_SUMMARY,
    CONTACT_FIELDS,
    Contact,
    ContactEmail,
    ContactPhone,
    Interaction,
    InteractionKind,
    Tag,
)
from contacts.search import fold
from reminders import services as reminder_services

from .decide import ChunkPlan
from .fastinsert import DriverValues, adapt_datetime, allocate_ids, fast_insert
from .index import OwnerIndex
from .schedule import FirstSchedule
from .staging import ContactStage

# Every column of a new contact's INSERT. `test_contact_columns_are_every_column_of_the_model`
# fails when Contact gains a column that is not here: add it to CONTACT_FIELDS (a field
# people fill in) or below, and check that DriverValues binds its values as they are.
_SCHEDULE = (*reminder_services.SCHEDULE_COLUMNS, "first_check_in_on", "reconnect_hidden_until")
_STAMPS = ("created_at", "updated_at")
CONTACT_COLUMNS = (
    "id",
    "owner_id",
    *(Contact._meta.get_field(name).attname for name in CONTACT_FIELDS),
    "search_text",
    *_SCHEDULE,
    *_STAMPS,
)
# The columns a NewContact's values hold, read in one call.
_HELD = CONTACT_COLUMNS[: -len(_SCHEDULE) - len(_STAMPS) - 1]
_held_values = itemgetter(*_HELD)
INTERACTION_COLUMNS = (
    "id",
    "owner_id",
    "occurred_on",
    "kind",
    "summary",
    "topics",
    "exchange",
    "follow_up_on",
    "created_at",
    "origin",
)


# Distinct first names, companies and titles whose folded form is remembered (per import).
FOLDS_KEPT = 20_000


class _Folds(dict):
    """`contacts.search.fold` of a value, remembered: first names, companies and titles recur
    over thousands of rows. What `contact_search_text` gives, in four parts (a test pins it)."""

    def __missing__(self, value: str) -> str:
        folded = fold(value)
        if len(self) < FOLDS_KEPT:
            self[value] = folded
        return folded


def new_contact_defaults(owner: User, db: DriverValues) -> dict[str, Any]:
    """Every held column's default for a new contact of `owner`, in the driver's form."""
    defaults = {name: db.plain(Contact._meta.get_field(name).get_default()) for name in _HELD[2:]}
    defaults.update(id=None, owner_id=owner.pk)
    return defaults


class ChunkWriter:
    """Writes the plans of one import, for one owner, at one moment (`now`)."""

    def __init__(
        self,
        *,
        owner: User,
        now: datetime,
        today: date,
        index: OwnerIndex,
        schedule: FirstSchedule,
        db: DriverValues,
    ) -> None:
        self.owner = owner
        self.now = now
        self.now_db = adapt_datetime(now)
        self.today = today
        self.index = index
        self.schedule = schedule
        self.db = db
        self.interactions_created = 0
        self.folds = _Folds()
        self.stage = ContactStage(CONTACT_COLUMNS)  # new contacts' way in (staging.py)

    def write(self, plan: ChunkPlan) -> None:
        emails, phones, tag_links, connections = plan.emails, plan.phones, plan.tag_links, plan.connections
        self._insert_contacts(plan)
        connected = self.index.connected
        for item in plan.new.values():
            pk = item.values["id"]
            if item.emails:  # most rows have none of these: no generator built for them
                emails.extend((pk, v, label) for v, label in item.emails)
            if item.phones:
                phones.extend((pk, v, label) for v, label in item.phones)
            if item.tags:
                tag_links.extend((pk, t) for t in item.tags)
            if item.connected_on:
                connected.add(pk)
                connections.append((pk, item.connected_on))
        owner_id = self.owner.pk
        fast_insert(
            ContactEmail,
            ["contact_id", "owner_id", "value", "label"],
            [(pk, owner_id, value, label) for pk, value, label in emails],
        )
        fast_insert(ContactPhone, ["contact_id", "value", "label"], phones)
        self._link_tags(tag_links)
        self._update_contacts(plan)
        for change in plan.job_changes:
            reminder_services.contact_role_changed(
                contact=change.contact,
                old_company=change.old_company,
                old_title=change.old_title,
                old_started_on=change.old_started_on,
                today=self.today,
            )
        self._connect(connections)

    def _insert_contacts(self, plan: ChunkPlan) -> None:
        """One INSERT of the chunk's new contacts, their first schedule included."""
        now, now_db, db_date = self.now, self.now_db, self.db.date
        schedule_of = self.schedule.schedule
        folds = self.folds
        rows = []
        for item in plan.new.values():
            values = item.values
            created_at = item.created_at or now
            last, due, *scores = schedule_of(values, item.tags, created_at, item.connected_on)
            if values["started_on"] is not None:
                values["started_on"] = db_date(values["started_on"])
            rows.append(
                (
                    *_held_values(values),
                    # contact_search_text(first name, last name, company, title):
                    f"{folds[values['first_name']]}|{fold(values['last_name'])}|"
                    f"{folds[values['company']]}|{folds[values['title']]}",
                    db_date(last),
                    db_date(due),
                    *scores,
                    None,
                    None,
                    now_db if created_at is now else adapt_datetime(created_at),
                    now_db,
                )
            )
        self.stage.insert(rows)

    def _update_contacts(self, plan: ChunkPlan) -> None:
        """One bulk_update per set of changed fields (most merges change the same few)."""
        by_fields: dict[frozenset[str], list[Contact]] = {}
        for contact, fields in plan.updated.values():
            if fields:
                contact.updated_at = self.now  # bulk_update skips auto_now: stamp it here
                by_fields.setdefault(frozenset(fields), []).append(contact)
        for fields, contacts in by_fields.items():
            Contact.objects.bulk_update(contacts, sorted(fields | {"updated_at"}), batch_size=500)

    def _link_tags(self, links: list[tuple[int, str]]) -> None:
        """Link contacts to tags by name, creating the owner's missing tags first."""
        if not links:
            return
        tags = self.index.tags
        missing = {name.lower(): name for _pk, name in links if name.lower() not in tags}
        if missing:
            Tag.objects.bulk_create(
                [Tag(owner=self.owner, name=name) for name in missing.values()], ignore_conflicts=True
            )
            for name, pk, cadence in Tag.objects.filter(
                owner=self.owner, name__in=list(missing.values())
            ).values_list("name", "id", "checkin_cadence_months"):
                tags[name.lower()] = (pk, cadence)
        through = Contact.tags.through
        rows = {(pk, tags[name.lower()][0]) for pk, name in links if name.lower() in tags}
        through.objects.bulk_create(
            [through(contact_id=pk, tag_id=tag_id) for pk, tag_id in sorted(rows)], ignore_conflicts=True
        )

    def _connect(self, connections: list[tuple[int, date]]) -> None:
        """One "Connected on LinkedIn" interaction per (contact, date)."""
        if not connections:
            return
        ids = allocate_ids(Interaction, len(connections))
        owner_id, kind, now_db, db_date = (
            self.owner.pk,
            self.db.plain(InteractionKind.OTHER),
            self.now_db,
            self.db.date,
        )
        fast_insert(
            Interaction,
            INTERACTION_COLUMNS,
            [
                (iid, owner_id, db_date(on), kind, CONNECTED_SUMMARY, "", None, None, now_db, "")
                for iid, (_pk, on) in zip(ids, connections, strict=True)
            ],
        )
        fast_insert(
            Interaction.contacts.through,
            ["interaction_id", "contact_id"],
            [(iid, pk) for iid, (pk, _on) in zip(ids, connections, strict=True)],
        )
        self.interactions_created += len(ids)
