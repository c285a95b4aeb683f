"""What an import does with each row: new contact, merge, skip or error. Writes no rows.

A row (the dict every parser yields, `parsers.common.new_row`) is cleaned, its matching
keys are computed, and it is matched against the owner's index (`index.OwnerIndex`):
- no match: a new contact (`NewContact`), its id taken at once so later rows can match it;
- a new contact of this chunk: the second row fills that contact's gaps;
- an existing contact: the row fills its EMPTY fields only, never what the user typed.
  The one exception is a LinkedIn export saying the company or title changed: a job
  change (DESIGN rule 6), recorded in the plan and reported.
A merge that adds nothing is a skip. The decisions of one chunk go into a `ChunkPlan`,
which `write.ChunkWriter` carries out. (A new contact's id comes from the database's
numbering, `fastinsert.IdPool`, when it is decided.)
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from contacts.models import CONTACT_TEXT_FIELDS, Contact

from .emails import email_valid
from .errors import RowError, source_data
from .index import Existing, OwnerIndex, RowKeys
from .matching import email_key, linkedin_key, phone_key
from .report import UNCHANGED_LISTED, ImportReport

# The row's fields a match fills when the contact has them empty (birthday and role
# start date are handled on their own: they span several columns or need a rule).
FILLABLE = (*CONTACT_TEXT_FIELDS[1:], "notes")
# The text fields of a row with their column limits (PostgreSQL enforces them; SQLite
# would store anything): longer values are cut, as a person would when typing them.
_LIMITS = [(name, Contact._meta.get_field(name).max_length) for name in CONTACT_TEXT_FIELDS]
_ROW_LIMITS = [(name, limit) for name, limit in _LIMITS if name != "linkedin_url"]
_row_texts = itemgetter(*(name for name, _limit in _ROW_LIMITS))
_SHORTEST_LIMIT = min(limit for _name, limit in _ROW_LIMITS)
_LINKEDIN_LIMIT = Contact._meta.get_field("linkedin_url").max_length
_EMAIL_LIMIT = 254
_PHONE_LIMIT = 64
_TAG_LIMIT = 64
# How a filled field is named in the results ("location", "how we met", "LinkedIn URL").
_FIELD_WORDS = {"linkedin_url": "LinkedIn URL"}
_LINKEDIN_OK = re.compile(r"^https://([a-z0-9-]+\.)*linkedin\.com/\S+$")


@dataclass(slots=True)
class NewContact:
    """A contact to create: its column values (attname → value), and what hangs off it.

    `values` holds every column of `write.CONTACT_COLUMNS` but the timestamps and the
    schedule, which the writer adds. A dict, not a model instance: building one of
    those costs ~25 µs, copying a dict of defaults ~1 µs.
    """

    values: dict[str, Any]
    row: int
    emails: list[tuple[str, str]]
    phones: list[tuple[str, str]]
    tags: list[str]
    connected_on: date | None
    created_at: datetime | None = None  # a backup's own creation time; else the import's

    @property
    def pk(self) -> int:
        return self.values["id"]

    @property
    def full_name(self) -> str:
        return f"{self.values['first_name']} {self.values['last_name']}".strip()


@dataclass(slots=True)
class JobChange:
    """An existing contact's new role (already set on `contact`) and the role it replaces."""

    contact: Contact
    old_company: str
    old_title: str
    old_started_on: date | None


@dataclass(slots=True)
class ChunkPlan:
    """Everything one chunk of rows will write."""

    new: dict[int, NewContact] = field(default_factory=dict)  # by id: later rows may merge into one
    # Existing contacts merged into: id → (the contact, its changed fields).
    updated: dict[int, tuple[Contact, set[str]]] = field(default_factory=dict)
    emails: list[tuple[int, str, str]] = field(default_factory=list)  # for existing contacts
    phones: list[tuple[int, str, str]] = field(default_factory=list)
    tag_links: list[tuple[int, str]] = field(default_factory=list)
    connections: list[tuple[int, date]] = field(default_factory=list)
    job_changes: list[JobChange] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)  # existing contacts the chunk changed


# --- one row ----------------------------------------------------------------------


def clean_row(row: dict, *, warnings: list[dict]) -> str:
    """Validate and trim a parsed row in place; return why it cannot be imported, or "".

    Invalid emails and non-LinkedIn profile URLs are dropped with a warning; over-long
    values are cut to their column's length.
    """
    if not row["first_name"] and row["last_name"]:
        row["first_name"], row["last_name"] = row["last_name"], ""
    if not row["first_name"]:
        return "the row has no name (first or last name is required)"
    if max(map(len, _row_texts(row))) > _SHORTEST_LIMIT:  # one C call for the usual short row
        for key, limit in _ROW_LIMITS:
            if len(row[key]) > limit:
                row[key] = row[key][:limit]
    if row["emails"]:
        emails = []
        for value, label in row["emails"]:
            if email_valid(value):
                emails.append((value[:_EMAIL_LIMIT], label))
            else:
                warnings.append({"row": row["row"], "message": f"ignored the invalid email “{value}”"})
        row["emails"] = emails
    if row["phones"]:
        row["phones"] = [(v[:_PHONE_LIMIT], label) for v, label in row["phones"] if phone_key(v).strip("+")]
    if row["linkedin_url"]:
        url = linkedin_key(row["linkedin_url"])
        if not _LINKEDIN_OK.match(url):
            warnings.append(
                {"row": row["row"], "message": f"ignored “{row['linkedin_url']}”: not a LinkedIn profile URL"}
            )
            url = ""
        row["linkedin_url"] = url[:_LINKEDIN_LIMIT]  # normalised: its own matching key
    if row["tags"]:
        row["tags"] = list(dict.fromkeys(t[:_TAG_LIMIT] for t in row["tags"] if t))
    return ""


def row_keys(row: dict) -> RowKeys:
    """The matching keys of a cleaned row."""
    emails = row["emails"]
    return RowKeys(
        emails=tuple(email_key(value) for value, _label in emails) if emails else (),
        linkedin=row["linkedin_url"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        company=row["company"],
    )


def new_contact(row: dict, *, pk: int, defaults: dict[str, Any]) -> NewContact:
    """The contact a cleaned row creates: `defaults` (every column), then the row's values."""
    values = dict(defaults)
    for name in FILLABLE:
        values[name] = row[name]
    values["id"] = pk
    values["first_name"] = row["first_name"]
    if row["birthday"]:
        values["birthday_month"], values["birthday_day"], values["birthday_year"] = row["birthday"]
    values["started_on"] = row["started_on"]
    created_at = None
    if extras := row.get("extras"):  # other columns, validated by the parser
        values.update(extras)
        created_at = values.pop("created_at", None)
    # The row's lists are its own (the parser made them, clean_row rebuilt them): no copies.
    return NewContact(values, row["row"], [], row["phones"], row["tags"], row["connected_on"], created_at)


def fill_empty(have: Callable[[str], Any], row: dict) -> tuple[dict[str, Any], list[str]]:
    """The row's values for the fields that are empty in `have` (field name → current value).

    Returns (changes, what was filled, in words). A known birthday gains a missing
    year when the month and day agree.
    """
    changes: dict[str, Any] = {}
    what = []
    for name in FILLABLE:
        if row[name] and not have(name):
            changes[name] = row[name]
            what.append(_FIELD_WORDS.get(name) or name.replace("_", " "))
    if row["birthday"]:
        month, day, year = row["birthday"]
        if have("birthday_month") is None:
            changes.update(birthday_month=month, birthday_day=day, birthday_year=year)
            what.append("birthday")
        elif (
            (have("birthday_month"), have("birthday_day")) == (month, day)
            and year
            and not have("birthday_year")
        ):
            changes["birthday_year"] = year
            what.append("birthday year")
    if row["started_on"] and have("started_on") is None:
        changes["started_on"] = row["started_on"]
        what.append("role start date")
    return changes, what


def same_person_named(contact: Contact, row: dict) -> bool:
    """Whether a matched row names the contact as they are named (case and spacing aside);
    a row without a name does not disagree. "Olga Ivanova" and "Ольга Иванова" disagree:
    a shared email is not enough to give someone a new job."""
    row_name = " ".join(f"{row['first_name']} {row['last_name']}".split()).casefold()
    return not row_name or row_name == " ".join(contact.full_name.split()).casefold()


def role_change(contact: Contact, row: dict) -> tuple[str, str] | None:
    """The (company, title) a LinkedIn row gives a contact whose role differs, else None.

    Only a contact with a role on record changes role (an empty one is just filled);
    a blank company or title in the row keeps the current one.
    """
    if not (row["company"] or row["title"]) or not (contact.company or contact.title):
        return None
    differs = (row["company"] and row["company"].lower() != contact.company.lower()) or (
        row["title"] and row["title"].lower() != contact.title.lower()
    )
    if not differs:
        return None
    return row["company"] or contact.company, row["title"] or contact.title


# --- one chunk --------------------------------------------------------------------


@dataclass(slots=True)
class Decider:
    """Decides each row of a file against the owner's index; collects one chunk's plan."""

    index: OwnerIndex
    take_id: Callable[[], int]
    defaults: dict[str, Any]
    report: ImportReport
    job_changes: bool  # a LinkedIn export: a differing company or title is a new role
    outcomes: list[tuple[int, str, int | None]] | None = None  # (row, kind, contact id), when asked
    # The file's header, as spelled there (a CSV): a rejected row's cells are given back under it.
    columns: list[str] | None = None

    def clean(self, chunk: list[dict | RowError]) -> list[tuple[dict, RowKeys]]:
        """The chunk's importable rows with their keys; the others go to the report's errors.

        A row the parser read with a problem (a date that is not one) imports without
        that value: its warnings go to the report's warnings, with its row number.
        """
        rows = []
        report = self.report
        for item in chunk:
            if isinstance(item, RowError):
                report.errors.append(item)
                self._outcome(item.row, "error", None)
                continue
            problem = clean_row(item, warnings=report.warnings)
            if problem:
                report.errors.append(RowError(item["row"], problem, self.source(item)))
                self._outcome(item["row"], "error", None)
                continue
            if notes := item.get("warnings"):
                report.warnings.extend({"row": item["row"], "message": note} for note in notes)
            rows.append((item, row_keys(item)))
        return rows

    def source(self, row: dict) -> dict:
        """What a rejected row held in the file: its original cells, else its fields."""
        source = row.get("source")
        if isinstance(source, dict):  # a vCard card: name and text
            return source
        if source is not None and self.columns is not None:
            return source_data(self.columns, source)
        return _row_data(row)

    def matches(self, rows: list[tuple[dict, RowKeys]]) -> set[int]:
        """The existing contacts these rows match (to load them before deciding)."""
        found = set()
        for _row, keys in rows:
            if (pk := self.index.match(keys)) is not None:
                found.add(pk)
        return found

    def decide(
        self, rows: list[tuple[dict, RowKeys]], existing: Existing, plan: ChunkPlan | None = None
    ) -> ChunkPlan:
        """Decide each row; the decisions go into `plan` (a new one by default).

        A dry run (`preview.import_plan`) passes the same plan for every chunk: nothing
        is written between chunks, so a later row must find an earlier one's new contact there.
        """
        if plan is None:
            plan = ChunkPlan()
        report = self.report
        match, new, outcomes = self.index.match, plan.new, self.outcomes
        for row, keys in rows:
            pk = match(keys)
            if pk is None:  # most rows of a first import: kept short
                item = self._create(row, keys)
                new[item.values["id"]] = item
                report.created += 1
                if outcomes is not None:
                    outcomes.append((row["row"], "new", item.values["id"]))
                continue
            if (pending := plan.new.get(pk)) is not None:
                what = self._merge_new(pending, row)
                name = pending.full_name
            else:
                # Loaded by `matches`: a key this chunk added points to one of its new contacts.
                contact = existing.contacts[pk]
                what = self._merge_existing(contact, row, existing, plan)
                name = contact.full_name
                if what:
                    plan.touched.add(pk)
            if what:
                report.updated += 1
                report.merged.append({"row": row["row"], "contact_id": pk, "name": name, "fields": what})
                self._outcome(row["row"], "update", pk)
            else:
                report.skipped += 1
                if len(report.unchanged) < UNCHANGED_LISTED:
                    report.unchanged.append({"row": row["row"], "contact_id": pk, "name": name})
                self._outcome(row["row"], "skip", pk)
        return plan

    def _outcome(self, row: int, kind: str, pk: int | None) -> None:
        if self.outcomes is not None:
            self.outcomes.append((row, kind, pk))

    def _create(self, row: dict, keys: RowKeys) -> NewContact:
        pk = self.take_id()
        item = new_contact(row, pk=pk, defaults=self.defaults)
        index = self.index
        if keys.emails:
            for (value, label), key in zip(row["emails"], keys.emails, strict=True):
                if index.add_email(key, pk):
                    item.emails.append((value, label))
        index.add(keys, pk)
        return item

    def _merge_new(self, item: NewContact, row: dict) -> list[str]:
        """The same person twice in one chunk: the later row fills the first one's gaps."""
        changes, what = fill_empty(item.values.__getitem__, row)
        item.values.update(changes)
        for value, label in row["emails"]:
            if self.index.add_email(email_key(value), item.pk):
                item.emails.append((value, label))
                what.append(f"email {value}")
        have = {phone_key(v) for v, _ in item.phones}
        for value, label in row["phones"]:
            if phone_key(value) not in have:
                have.add(phone_key(value))
                item.phones.append((value, label))
                what.append(f"phone {value}")
        item.tags.extend(t for t in row["tags"] if t not in item.tags)
        item.connected_on = item.connected_on or row["connected_on"]
        return what

    def _merge_existing(self, contact: Contact, row: dict, existing: Existing, plan: ChunkPlan) -> list[str]:
        pk = contact.pk
        _contact, fields = plan.updated.setdefault(pk, (contact, set()))
        what = []
        if self.job_changes and (new_role := role_change(contact, row)):
            if same_person_named(contact, row):
                self._record_job_change(contact, new_role, row, plan)
                fields.update({"company", "title", "started_on"})
                what.append("company and title (job change)")
            else:
                self.report.to_confirm.append(
                    {
                        "row": row["row"],
                        "contact_id": pk,
                        "name": contact.full_name,
                        "row_name": " ".join(f"{row['first_name']} {row['last_name']}".split()),
                        "new_company": new_role[0],
                        "new_title": new_role[1],
                    }
                )
        changes, filled = fill_empty(lambda name: getattr(contact, name), row)
        for name, value in changes.items():
            setattr(contact, name, value)
        fields.update(changes)
        what.extend(filled)
        for value, label in row["emails"]:
            if self.index.add_email(email_key(value), pk):
                plan.emails.append((pk, value, label))
                what.append(f"email {value}")
        known = existing.phones.setdefault(pk, set())
        for value, label in row["phones"]:
            if phone_key(value) not in known:
                known.add(phone_key(value))
                plan.phones.append((pk, value, label))
                what.append(f"phone {value}")
        have_tags = existing.tags.setdefault(pk, set())
        for tag in row["tags"]:
            if tag.lower() not in have_tags:
                have_tags.add(tag.lower())
                plan.tag_links.append((pk, tag))
                what.append(f"tag {tag}")
        if row["connected_on"] and pk not in self.index.connected:
            self.index.connected.add(pk)
            plan.connections.append((pk, row["connected_on"]))
            what.append("LinkedIn connection date")
        return what

    def _record_job_change(
        self, contact: Contact, new_role: tuple[str, str], row: dict, plan: ChunkPlan
    ) -> None:
        change = JobChange(contact, contact.company, contact.title, contact.started_on)
        contact.company, contact.title = new_role
        contact.started_on = None  # the new role's start is unknown
        plan.job_changes.append(change)
        self.report.job_changes.append(
            {
                "row": row["row"],
                "contact_id": contact.pk,
                "name": contact.full_name,
                "old_company": change.old_company,
                "old_title": change.old_title,
                "new_company": contact.company,
                "new_title": contact.title,
            }
        )


def _row_data(row: dict) -> dict:
    """What a rejected row showed, for the rejected-rows download, when its cells are not known
    (a table from the admin, a JSON backup)."""
    return {
        "first_name": row.get("first_name", ""),
        "last_name": row.get("last_name", ""),
        "emails": ", ".join(v for v, _ in row.get("emails", [])),
        "company": row.get("company", ""),
    }
