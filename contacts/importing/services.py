"""`import_run`: a file of contacts into one owner's account, in one transaction.

Set-based: the owner's existing emails, LinkedIn URLs and name+company keys are read
once into dicts of ids; rows are handled in chunks of CHUNK_SIZE, each ending in a
few multi-row INSERTs (fastinsert) and bulk_update calls, so the query count grows
with the number of chunks, never with the number of rows. The file is parsed lazily
(a generator over the text), so memory holds the text, the indexes and one chunk.
A new contact's id is taken when the row is read (IdPool): the indexes hold final ids.

Matching (DESIGN.md): email (case-insensitive), then LinkedIn URL (normalised), then
exact full name + company. A match fills EMPTY fields only and never overwrites what
the user typed; the one exception is a LinkedIn export saying the contact's company
or title changed: that is a job change (rule 6), recorded and reported.
"""

import gc
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from operator import itemgetter
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from contacts.models import Contact, ContactEmail, ContactPhone, Interaction, InteractionKind, Tag
from reminders import rules as reminder_rules
from reminders import services as reminder_services
from reminders.models import Reminder

from .decoding import decode_bytes, read_limited
from .detect import CSV_FORMATS, FORMATS, detect_format
from .emails import email_valid
from .errors import ImportFormatError, RowError
from .fastinsert import (
    BackgroundInserts,
    DriverValues,
    IdPool,
    adapt_datetime,
    allocate_ids,
    fast_insert,
    import_cache,
)
from .matching import email_key, linkedin_key, name_key, phone_key
from .parsers import backup_json, vcard

CHUNK_SIZE = 2000
CONNECTED_SUMMARY = "Connected on LinkedIn"
FILLABLE = ("last_name", "company", "title", "industry", "location", "linkedin_url", "how_we_met", "notes")
_NEW_FIELDS = ("first_name", *FILLABLE)
_MAX = {f.name: f.max_length for f in Contact._meta.concrete_fields if getattr(f, "max_length", None)}
# The text fields a row carries, with their column limits (PostgreSQL enforces them).
_ROW_LIMITS = [
    (name, _MAX[name])
    for name in ("first_name", "last_name", "company", "title", "industry", "location", "how_we_met")
]
_row_texts = itemgetter(*(name for name, _limit in _ROW_LIMITS))
_SHORTEST_LIMIT = min(limit for _name, limit in _ROW_LIMITS)
_LINKEDIN_OK = re.compile(r"^https://([a-z0-9-]+\.)*linkedin\.com/\S+$")
# A new contact's INSERT: the primary key, the columns a _NewContact holds (taken in
# one itemgetter call), then the two timestamps, given in the database's form.
_STAMPS = ("created_at", "updated_at")
_HELD_COLUMNS = [
    f.attname for f in Contact._meta.concrete_fields if not f.primary_key and f.attname not in _STAMPS
]
CONTACT_COLUMNS = ["id", *_HELD_COLUMNS, *_STAMPS]
_contact_values = itemgetter(*_HELD_COLUMNS)
INTERACTION_COLUMNS = [
    "id",
    "owner_id",
    "occurred_on",
    "kind",
    "summary",
    "topics",
    "exchange",
    "follow_up_on",
    "created_at",
]


class _NewContact(dict):
    """A contact about to be inserted: a dict of column values with attribute access.

    Built by copying one dict of defaults (cheap); model instances cost ~25 µs each.
    """

    __getattr__ = dict.get

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    @property
    def full_name(self) -> str:
        return f"{self['first_name']} {self['last_name']}".strip()


Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    """What an import did (or, with dry_run, would do)."""

    format: str = ""
    dry_run: bool = False
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    merged: list[dict] = field(default_factory=list)
    job_changes: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    interactions_created: int = 0
    reminders_created: int = 0

    @property
    def error_count(self) -> int:
        return len(self.errors)

    def summary_line(self) -> str:
        return (
            f"created={self.created} updated={self.updated} skipped={self.skipped} errors={self.error_count}"
        )

    def as_dict(self) -> dict:
        return {
            "format": self.format,
            "dry_run": self.dry_run,
            "total_rows": self.total_rows,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "errors": [e.as_dict() for e in self.errors],
            "merged": self.merged,
            "job_changes": self.job_changes,
            "warnings": self.warnings,
            "interactions_created": self.interactions_created,
            "reminders_created": self.reminders_created,
        }


class _Pending:
    """A contact to create in the current chunk (its id taken already), with what hangs off it.

    A plain class with slots: one is built per new row, a dataclass with default
    factories costs three times as much.
    """

    __slots__ = ("contact", "row", "emails", "phones", "tags", "connected_on")

    def __init__(
        self,
        contact: _NewContact,
        row: int,
        tags: list[str],
        phones: list[tuple[str, str]],
        connected_on: date | None = None,
    ) -> None:
        self.contact = contact
        self.row = row
        self.emails: list[tuple[str, str]] = []
        self.phones = phones
        self.tags = tags
        self.connected_on = connected_on


def import_read_text(*, data: bytes | None = None, file: IO[bytes] | None = None) -> str:
    """Bytes (or an open file, read up to IMPORT_MAX_BYTES) → text; ImportFormatError if unreadable."""
    if data is None:
        if file is None:
            raise ImportFormatError("No file was given.")
        data = read_limited(file)
    return decode_bytes(data)


def import_resolve_format(*, text: str, fmt: str = "auto", filename: str = "") -> str:
    if fmt in ("", "auto", None):
        return detect_format(text, filename=filename)
    if fmt not in FORMATS:
        raise ImportFormatError(f"Unknown format “{fmt}” (choose one of auto, {', '.join(FORMATS)}).")
    if fmt in CSV_FORMATS:
        from .parsers.csvbase import find_header

        try:
            find_header(text, CSV_FORMATS[fmt].is_header)
        except ImportFormatError:
            raise ImportFormatError(
                f"This file does not look like a {FORMATS[fmt]}: no known column in its header."
            ) from None
    return fmt


def import_preview(*, text: str, fmt: str, limit: int = 10) -> dict:
    """The first rows as the parser reads them, for the confirm page. Writes nothing."""
    if fmt == "json":
        backup = backup_json.parse(text)
        rows = backup.contacts[:limit]
        columns: list[str] = ["(Keepwarm backup)"]
        extra = {"interactions": len(backup.interactions), "reminders": len(backup.reminders)}
    else:
        rows = list(islice(_rows(text, fmt), limit))
        columns = _columns(text, fmt)
        extra = {}
    return {"rows": rows, "columns": columns, "extra": extra, "estimated_rows": estimate_rows(text, fmt)}


def _columns(text: str, fmt: str) -> list[str]:
    if fmt in CSV_FORMATS:
        from .parsers.csvbase import find_header

        _index, keys, _line = find_header(text, CSV_FORMATS[fmt].is_header)
        return keys
    return ["(vCard properties)"]


def estimate_rows(text: str, fmt: str) -> int:
    if fmt == "vcard":
        return text.upper().count("BEGIN:VCARD")
    if fmt == "json":
        return 0
    if fmt in CSV_FORMATS:
        from .parsers.csvbase import find_header

        try:
            header_index = find_header(text, CSV_FORMATS[fmt].is_header)[0]
        except ImportFormatError:
            header_index = 0
        lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        return max(0, lines - header_index - 1)
    return 0


def _rows(text: str, fmt: str) -> Iterator[dict | RowError]:
    if fmt == "vcard":
        return vcard.parse(text)
    if fmt in CSV_FORMATS:
        return CSV_FORMATS[fmt].parse(text)
    raise ImportFormatError(f"Unknown format “{fmt}”.")


def import_run(
    *,
    owner: User,
    data: bytes | None = None,
    file: IO[bytes] | None = None,
    fmt: str = "auto",
    dry_run: bool = False,
    filename: str = "",
    today: date | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a contacts file for `owner`; return the report.

    Raises ImportFormatError when the file cannot be read at all (then nothing is
    written). Unreadable rows are reported with their row number and skipped.
    With dry_run everything runs and is rolled back: the counts are exact.
    """
    text = import_read_text(data=data, file=file)
    fmt = import_resolve_format(text=text, fmt=fmt, filename=filename)
    today = today or timezone.localdate()
    report = ImportReport(format=fmt, dry_run=dry_run)
    with _gc_paused(), import_cache(), transaction.atomic():
        writer = BackgroundInserts()
        try:
            importer = _Importer(
                owner=owner, fmt=fmt, today=today, report=report, progress=progress, writer=writer
            )
            if fmt == "json":
                importer.run_backup(backup_json.parse(text))
            else:
                importer.total = estimate_rows(text, fmt)
                importer.run(_rows(text, fmt))
            importer.finish()
        except BaseException:
            writer.close(quietly=True)  # stopped before the rollback; the first error is the one raised
            raise
        writer.close()
        if dry_run:
            transaction.set_rollback(True)
    return report


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while the import runs.

    An import allocates a few containers per row (row dicts, keys, index entries) and
    keeps most of them until its end: every collection of the oldest generation walks
    all of them again, over half the CPU time of a 100,000-row file. What an import
    builds has no reference cycles, so nothing waits for the collector; it resumes
    (as it was) when the import ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Importer:
    def __init__(
        self,
        *,
        owner: User,
        fmt: str,
        today: date,
        report: ImportReport,
        progress: Progress | None,
        writer: BackgroundInserts,
    ):
        self.owner = owner
        # Writes the "Connected on LinkedIn" interactions on a second thread. Rule: it only
        # runs while this importer reads; every write here starts with writer.drain().
        self.writer = writer
        self.fmt = fmt
        self.today = today
        self.report = report
        self.progress = progress
        self.total = 0
        self.processed = 0
        self.touched: set[int] = set()
        self.created_ids: list[int] = []
        # (created_at, connected on, cadence) → (last interaction, next check-in) as written.
        self.due_cache: dict[tuple, tuple] = {}
        self.plain_cadence: dict[tuple, int] = {}
        self.now = timezone.now()
        self.now_db = adapt_datetime(self.now)
        self.db = DriverValues()
        self.defaults = {
            f.attname: self.db.plain(f.get_default())
            for f in Contact._meta.concrete_fields
            if not f.primary_key
        }
        self.defaults.update(owner_id=owner.pk, created_at=self.now, updated_at=self.now, pk=None)
        self.contact_ids = IdPool(Contact, block=CHUNK_SIZE)
        self.ref_map: dict[Any, int] = {}
        self.introductions: list[tuple[int, Any]] = []
        # The owner's existing contacts, as matching keys → contact id (one query each).
        self.by_email: dict[str, Any] = {
            email_key(v): cid
            for v, cid in ContactEmail.objects.filter(contact__owner=owner).values_list("value", "contact_id")
        }
        self.by_linkedin: dict[str, Any] = {}
        self.by_name: dict[tuple[str, str], Any] = {}
        for cid, first, last, company, url in Contact.objects.filter(owner=owner).values_list(
            "id", "first_name", "last_name", "company", "linkedin_url"
        ):
            if url and (key := linkedin_key(url)):
                self.by_linkedin.setdefault(key, cid)
            if key := name_key(first, last, company):
                self.by_name.setdefault(key, cid)
        self.connected: set[int] = set(
            Interaction.contacts.through.objects.filter(
                interaction__owner=owner,
                interaction__kind=InteractionKind.OTHER,
                interaction__summary=CONNECTED_SUMMARY,
            ).values_list("contact_id", flat=True)
        )
        self.tag_ids: dict[str, int] = {}
        self.tag_cadence: dict[str, int | None] = {}
        for name, pk, cadence in Tag.objects.filter(owner=owner).values_list(
            "name", "id", "checkin_cadence_months"
        ):
            self.tag_ids[name.lower()] = pk
            self.tag_cadence[name.lower()] = cadence
        profile = owner.profile
        try:
            self.tz = ZoneInfo(profile.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.tz = ZoneInfo("UTC")
        self.strong_cadence, self.weak_cadence = profile.strong_cadence_months, profile.weak_cadence_months

    # --- driving ---------------------------------------------------------------

    def run(self, rows: Iterable[dict | RowError]) -> None:
        iterator = iter(rows)
        while chunk := list(islice(iterator, CHUNK_SIZE)):
            self._chunk(chunk)

    def run_backup(self, backup: backup_json.Backup) -> None:
        self.total = len(backup.contacts)
        self.run(backup.contacts)
        self.writer.drain()
        self._introductions()
        self._backup_interactions(backup.interactions)
        self._backup_reminders(backup.reminders)

    def finish(self) -> None:
        """Refresh the schedule of every contact whose facts the import changed.

        New contacts from CSV/vCard files got their schedule at insert (_schedule,
        with the reminder engine's own rules and every fact they have), so only
        updated contacts need the engine's refresh; a backup brings interactions and
        reminders, so after one every contact is refreshed.
        """
        self.writer.drain()
        self.report.total_rows = self.processed
        ids = set(self.touched)
        if self.fmt == "json":
            ids.update(self.created_ids)
        if ids:
            reminder_services.contacts_schedule_refresh(contact_ids=sorted(ids))

    # --- one chunk -------------------------------------------------------------

    def _chunk(self, chunk: list[dict | RowError]) -> None:
        rows: list[dict] = []
        for item in chunk:
            if isinstance(item, RowError):
                self.report.errors.append(item)
                continue
            problem = self._clean(item)
            if problem:
                self.report.errors.append(RowError(item["row"], problem, _row_data(item)))
            else:
                rows.append(item)
        # Existing contacts this chunk will touch, loaded in one query.
        wanted = {m for row in rows if isinstance(m := self._match(row), int)}
        loaded = Contact.objects.in_bulk(wanted) if wanted else {}
        phones: dict[int, set[str]] = {}
        for cid, value in ContactPhone.objects.filter(contact_id__in=wanted).values_list(
            "contact_id", "value"
        ):
            phones.setdefault(cid, set()).add(phone_key(value))
        tags_of: dict[int, set[str]] = {}
        if wanted and any(row["tags"] for row in rows):
            for cid, name in Contact.tags.through.objects.filter(contact_id__in=wanted).values_list(
                "contact_id", "tag__name"
            ):
                tags_of.setdefault(cid, set()).add(name.lower())
        pending: dict[int, _Pending] = {}  # by id: matches to this chunk's new contacts are ids too
        new_emails: list[tuple[int, str, str]] = []
        new_phones: list[tuple[int, str, str]] = []
        tag_links: list[tuple[Any, str]] = []
        connections: list[tuple[Any, date]] = []
        changed: dict[int, set[str]] = {}
        job_changes: list[tuple[Contact, str, str, date | None, dict]] = []
        for row in rows:
            match = self._match(row)
            if match is None:
                item = self._new(row)
                pk = item.contact["pk"]
                pending[pk] = item
                self.report.created += 1
                if row.get("ref") is not None:
                    self.ref_map[row["ref"]] = pk
                if row.get("introduced_by_ref") is not None:
                    self.introductions.append((pk, row["introduced_by_ref"]))
                continue
            if (same := pending.get(match)) is not None:  # the same person earlier in this chunk
                what = self._merge_pending(same, row)
                target = same.contact
            else:
                contact = loaded[match]
                if row.get("ref") is not None:
                    self.ref_map[row["ref"]] = contact.pk
                if row.get("introduced_by_ref") is not None:
                    self.introductions.append((contact.pk, row["introduced_by_ref"]))
                what = self._merge_existing(contact, row, changed, job_changes)
                for value, label in row["emails"]:
                    if email_key(value) not in self.by_email:
                        self.by_email[email_key(value)] = contact.pk
                        new_emails.append((contact.pk, value, label))
                        what.append(f"email {value}")
                known = phones.setdefault(contact.pk, set())
                for value, label in row["phones"]:
                    if phone_key(value) not in known:
                        known.add(phone_key(value))
                        new_phones.append((contact.pk, value, label))
                        what.append(f"phone {value}")
                have_tags = tags_of.setdefault(contact.pk, set())
                for tag in row["tags"]:
                    if tag.lower() not in have_tags:
                        have_tags.add(tag.lower())
                        tag_links.append((contact.pk, tag))
                        what.append(f"tag {tag}")
                if row.get("connected_on") and contact.pk not in self.connected:
                    self.connected.add(contact.pk)
                    connections.append((contact.pk, row["connected_on"]))
                    what.append("LinkedIn connection date")
                if what:
                    self.touched.add(contact.pk)
                target = contact
            if what:
                self.report.updated += 1
                self.report.merged.append(
                    {"row": row["row"], "contact_id": target.pk, "name": target.full_name, "fields": what}
                )
            else:
                self.report.skipped += 1
        self._flush(
            list(pending.values()),
            new_emails,
            new_phones,
            tag_links,
            connections,
            loaded,
            changed,
            job_changes,
        )
        self.processed += len(chunk)
        if self.progress:
            self.progress(self.processed, max(self.total, self.processed))

    # --- rows ------------------------------------------------------------------

    def _clean(self, row: dict) -> str:
        """Validate and trim one row in place; return a problem (the row is then skipped)."""
        if not row["first_name"] and row["last_name"]:
            row["first_name"], row["last_name"] = row["last_name"], ""
        if not row["first_name"]:
            return "the row has no name (first or last name is required)"
        if max(map(len, _row_texts(row))) > _SHORTEST_LIMIT:  # one C call for the usual short row
            for key, limit in _ROW_LIMITS:
                if len(row[key]) > limit:
                    row[key] = row[key][:limit]
        emails = []
        for value, label in row["emails"]:
            if not email_valid(value):
                self.report.warnings.append(
                    {"row": row["row"], "message": f"ignored the invalid email “{value}”"}
                )
                continue
            emails.append((value[:254], label))
        row["emails"] = emails
        row["_email_keys"] = [email_key(value) for value, _label in emails] if emails else ()
        if row["phones"]:
            row["phones"] = [
                (value[:64], label) for value, label in row["phones"] if phone_key(value).strip("+")
            ]
        if row["linkedin_url"]:
            url = linkedin_key(row["linkedin_url"])
            if not _LINKEDIN_OK.match(url):
                url = ""
                self.report.warnings.append(
                    {
                        "row": row["row"],
                        "message": f"ignored “{row['linkedin_url']}”: not a LinkedIn profile URL",
                    }
                )
            row["linkedin_url"] = url[:300]
        if row["tags"]:
            row["tags"] = list(dict.fromkeys(t[:64] for t in row["tags"] if t))
        return ""

    def _match(self, row: dict) -> Any:
        for key in row["_email_keys"]:  # email_key of each of row["emails"], from _clean
            if (found := self.by_email.get(key)) is not None:
                return found
        # row["linkedin_url"] is normalised by _clean already: it is its own key.
        if row["linkedin_url"] and (found := self.by_linkedin.get(row["linkedin_url"])) is not None:
            return found
        key = row.get("_name_key", False)
        if key is False:  # computed once per row: _match runs twice, _new once more
            key = row["_name_key"] = name_key(row["first_name"], row["last_name"], row["company"])
        return self.by_name.get(key) if key else None

    def _new(self, row: dict) -> _Pending:
        contact = _NewContact(self.defaults)
        for name in _NEW_FIELDS:
            contact[name] = row[name]
        if row["birthday"]:
            contact["birthday_month"], contact["birthday_day"], contact["birthday_year"] = row["birthday"]
        contact["started_on"] = row["started_on"]
        if extras := row.get("extras"):
            plain = self.db.plain
            contact.update({name: plain(value) for name, value in extras.items()})
        contact["pk"] = pk = self.contact_ids.take()
        # The row's lists are its own (the parser made them, _clean rebuilt them): no copies.
        item = _Pending(contact, row["row"], row["tags"], row["phones"], row["connected_on"])
        if row["emails"]:
            by_email = self.by_email
            for (value, label), key in zip(row["emails"], row["_email_keys"], strict=True):
                if key not in by_email:
                    by_email[key] = pk
                    item.emails.append((value, label))
        if key := row["linkedin_url"]:  # normalised by _clean: its own matching key
            self.by_linkedin.setdefault(key, pk)
        if key := row["_name_key"]:  # set by _match, which always runs first
            self.by_name.setdefault(key, pk)
        return item

    def _merge_pending(self, item: _Pending, row: dict) -> list[str]:
        """The same person twice in one file: fill the first row's gaps from the second."""
        what = _fill(item.contact, row, set())
        for value, label in row["emails"]:
            if email_key(value) not in self.by_email:
                self.by_email[email_key(value)] = item.contact["pk"]
                item.emails.append((value, label))
                what.append(f"email {value}")
        have = {phone_key(v) for v, _ in item.phones}
        for value, label in row["phones"]:
            if phone_key(value) not in have:
                item.phones.append((value, label))
                what.append(f"phone {value}")
        item.tags.extend(t for t in row["tags"] if t not in item.tags)
        item.connected_on = item.connected_on or row.get("connected_on")
        return what

    def _merge_existing(
        self,
        contact: Contact,
        row: dict,
        changed: dict[int, set[str]],
        job_changes: list[tuple[Contact, str, str, date | None, dict]],
    ) -> list[str]:
        fields = changed.setdefault(contact.pk, set())
        if self.fmt == "linkedin" and (row["company"] or row["title"]):
            old_company, old_title = contact.company, contact.title
            differs = (row["company"] and row["company"].lower() != old_company.lower()) or (
                row["title"] and row["title"].lower() != old_title.lower()
            )
            if differs and (old_company or old_title):
                contact.company = row["company"] or old_company
                contact.title = row["title"] or old_title
                old_started_on, contact.started_on = contact.started_on, None
                fields.update({"company", "title", "started_on"})
                change = {
                    "row": row["row"],
                    "contact_id": contact.pk,
                    "name": contact.full_name,
                    "old_company": old_company,
                    "old_title": old_title,
                    "new_company": contact.company,
                    "new_title": contact.title,
                }
                job_changes.append((contact, old_company, old_title, old_started_on, change))
                self.report.job_changes.append(change)
                return ["company and title (job change)", *_fill(contact, row, fields)]
        return _fill(contact, row, fields)

    # --- writing ---------------------------------------------------------------

    def _flush(
        self,
        pending: list[_Pending],
        new_emails: list[tuple[int, str, str]],
        new_phones: list[tuple[int, str, str]],
        tag_links: list[tuple[Any, str]],
        connections: list[tuple[Any, date]],
        loaded: dict[int, Contact],
        changed: dict[int, set[str]],
        job_changes: list,
    ) -> None:
        self.writer.drain()  # the previous chunk's interactions: nothing else writes while it does
        now, now_db = self.now, self.now_db
        schedule, connected = self._schedule, self.connected
        rows = []
        for item in pending:
            contact = item.contact
            pk = contact["pk"]
            schedule(item)
            if contact["started_on"] is not None:
                contact["started_on"] = self.db.date(contact["started_on"])
            moment = contact["created_at"]  # the import's `now`, or a backup's own creation time
            rows.append(
                (pk, *_contact_values(contact), now_db if moment is now else adapt_datetime(moment), now_db)
            )
            if item.emails:
                new_emails.extend((pk, v, lbl) for v, lbl in item.emails)
            if item.phones:
                new_phones.extend((pk, v, lbl) for v, lbl in item.phones)
            if item.tags:
                tag_links.extend((pk, t) for t in item.tags)
            if item.connected_on:
                connected.add(pk)
                connections.append((pk, item.connected_on))
            self.created_ids.append(pk)
        fast_insert(Contact, CONTACT_COLUMNS, rows)
        fast_insert(
            ContactEmail,
            ["contact_id", "value", "label"],
            new_emails,
        )
        fast_insert(
            ContactPhone,
            ["contact_id", "value", "label"],
            new_phones,
        )
        self._link_tags(tag_links)
        by_fields: dict[frozenset[str], list[Contact]] = {}
        for pk, fields in changed.items():
            if fields:
                by_fields.setdefault(frozenset(fields), []).append(loaded[pk])
        for fields, contacts in by_fields.items():
            Contact.objects.bulk_update(contacts, sorted(fields | {"updated_at"}), batch_size=500)
        for contact, old_company, old_title, old_started_on, _change in job_changes:
            reminder_services.contact_role_changed(
                contact=contact,
                old_company=old_company,
                old_title=old_title,
                old_started_on=old_started_on,
                today=self.today,
            )
        if connections:  # last: the writer runs while the next chunk is read
            self._connect(connections)

    def _connect(self, connections: list[tuple[int, date]]) -> None:
        """One "Connected on LinkedIn" interaction per (contact, date), on the writer thread."""
        ids = allocate_ids(Interaction, len(connections))
        owner_id, kind, now_db = self.owner.pk, self.db.plain(InteractionKind.OTHER), self.now_db
        db_date = self.db.date
        self.writer.submit(
            Interaction,
            INTERACTION_COLUMNS,
            [
                (iid, owner_id, db_date(on), kind, CONNECTED_SUMMARY, "", None, None, now_db)
                for iid, (_pk, on) in zip(ids, connections, strict=True)
            ],
        )
        self.writer.submit(
            Interaction.contacts.through,
            ["interaction_id", "contact_id"],
            [(iid, pk) for iid, (pk, _on) in zip(ids, connections, strict=True)],
        )
        self.report.interactions_created += len(ids)

    def _schedule(self, item: _Pending) -> None:
        """Set a new contact's last interaction and next check-in as the reminder engine would.

        Only a head start: contacts_schedule_refresh runs after the import and corrects
        (and writes) any row where it disagrees, so this never decides anything alone.
        Computing it here saves rewriting every new row a second time.
        """
        contact = item.contact
        connected_on = item.connected_on
        if contact["archived"]:
            contact["last_interaction_on"], contact["next_check_in"] = self.db.date(connected_on), None
            return
        if item.tags:
            cadence = self._cadence(contact, item.tags)
        else:  # most rows: one answer per (own cadence, tie strength)
            plain = (contact["checkin_cadence_months"], contact["tie_strength"])
            cadence = self.plain_cadence.get(plain)
            if cadence is None:
                cadence = self.plain_cadence[plain] = self._cadence(contact, [])
        key = (contact["created_at"], connected_on, cadence)
        dates = self.due_cache.get(key)
        if dates is None:  # a few thousand distinct dates for 100,000 rows
            due = reminder_rules.check_in_due(
                created_on=timezone.localtime(contact["created_at"], self.tz).date(),
                last_interaction_on=connected_on,
                last_closed_on=None,
                cadence=cadence,
            )
            # Both dates in the driver's form, ready for the INSERT.
            dates = self.due_cache[key] = (self.db.date(connected_on), self.db.date(due))
        contact["last_interaction_on"], contact["next_check_in"] = dates

    def _cadence(self, contact: _NewContact, tags: list[str]) -> int:
        return reminder_rules.cadence_months(
            contact_cadence=contact.checkin_cadence_months,
            tag_cadences=[self.tag_cadence.get(t.lower()) for t in tags],
            default=reminder_rules.default_cadence(
                contact.tie_strength, strong=self.strong_cadence, weak=self.weak_cadence
            ),
        )

    def _link_tags(self, links: list[tuple[int, str]]) -> None:
        if not links:
            return
        missing = {name.lower(): name for _pk, name in links if name.lower() not in self.tag_ids}
        if missing:
            Tag.objects.bulk_create(
                [Tag(owner=self.owner, name=name) for name in missing.values()], ignore_conflicts=True
            )
            names = list(missing.values())
            for name, pk in Tag.objects.filter(owner=self.owner, name__in=names).values_list("name", "id"):
                self.tag_ids[name.lower()] = pk
        through = Contact.tags.through
        rows = {(pk, self.tag_ids[name.lower()]) for pk, name in links if name.lower() in self.tag_ids}
        through.objects.bulk_create(
            [through(contact_id=pk, tag_id=tag_id) for pk, tag_id in sorted(rows)], ignore_conflicts=True
        )

    # --- backup extras ---------------------------------------------------------

    def _introductions(self) -> None:
        updates = []
        ids = [pk for pk, _ref in self.introductions]
        current = dict(Contact.objects.filter(pk__in=ids).values_list("pk", "introduced_by_id"))
        for pk, ref in self.introductions:
            target = self.ref_map.get(ref)
            if target is not None and target != pk and current.get(pk) is None:
                updates.append(Contact(pk=pk, introduced_by_id=target))
        Contact.objects.bulk_update(updates, ["introduced_by"], batch_size=500)

    def _backup_interactions(self, items: list[dict | RowError]) -> None:
        contact_ids = set(self.ref_map.values())
        existing: set[tuple] = set()
        members: dict[int, set[int]] = {}
        for iid, cid in Interaction.contacts.through.objects.filter(
            interaction__owner=self.owner, contact_id__in=contact_ids
        ).values_list("interaction_id", "contact_id"):
            members.setdefault(iid, set()).add(cid)
        for iid, on, kind, summary in Interaction.objects.filter(pk__in=members).values_list(
            "id", "occurred_on", "kind", "summary"
        ):
            existing.add((on, kind, summary, frozenset(members[iid])))
        new: list[tuple[Interaction, list[int]]] = []
        for item in items:
            if isinstance(item, RowError):
                self.report.errors.append(item)
                continue
            ids = [self.ref_map.get(ref) for ref in item["contact_refs"]]
            if any(pk is None for pk in ids):
                self.report.errors.append(
                    RowError(
                        item["row"], f"interaction {item['row']}: refers to a contact that is not in the file"
                    )
                )
                continue
            key = (item["occurred_on"], item["kind"], item["summary"], frozenset(ids))
            if key in existing:
                continue
            existing.add(key)
            fields = {k: item[k] for k in ("occurred_on", "kind", "summary", "exchange", "follow_up_on")}
            new.append((Interaction(owner=self.owner, **fields), list(dict.fromkeys(ids))))
        Interaction.objects.bulk_create([i for i, _ in new], batch_size=1000)
        Interaction.contacts.through.objects.bulk_create(
            [
                Interaction.contacts.through(interaction_id=i.pk, contact_id=pk)
                for i, ids in new
                for pk in ids
            ],
            batch_size=1000,
        )
        self.report.interactions_created += len(new)

    def _backup_reminders(self, items: list[dict | RowError]) -> None:
        new = []
        for item in items:
            if isinstance(item, RowError):
                self.report.errors.append(item)
                continue
            pk = self.ref_map.get(item["contact_ref"])
            if pk is None:
                self.report.errors.append(
                    RowError(
                        item["row"], f"reminder {item['row']}: refers to a contact that is not in the file"
                    )
                )
                continue
            new.append(
                Reminder(
                    owner=self.owner,
                    contact_id=pk,
                    kind=item["kind"],
                    due_on=item["due_on"],
                    status=item["status"],
                    snoozed_until=item["snoozed_until"],
                )
            )
        before = Reminder.objects.filter(owner=self.owner).count()
        Reminder.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
        self.report.reminders_created += Reminder.objects.filter(owner=self.owner).count() - before


def _fill(contact: Contact, row: dict, fields: set[str]) -> list[str]:
    """Copy the row's values into the contact's EMPTY fields; return what was filled."""
    what = []
    for name in FILLABLE:
        if row[name] and not getattr(contact, name):
            setattr(contact, name, row[name])
            fields.add(name)
            what.append(name.replace("_", " "))
    if row["birthday"]:
        month, day, year = row["birthday"]
        if contact.birthday_month is None:
            contact.birthday_month, contact.birthday_day, contact.birthday_year = month, day, year
            fields.update({"birthday_month", "birthday_day", "birthday_year"})
            what.append("birthday")
        elif (
            (contact.birthday_month, contact.birthday_day) == (month, day)
            and year
            and not contact.birthday_year
        ):
            contact.birthday_year = year
            fields.add("birthday_year")
            what.append("birthday year")
    if row["started_on"] and contact.started_on is None:
        contact.started_on = row["started_on"]
        fields.add("started_on")
        what.append("role start date")
    return what


def _row_data(row: dict) -> dict:
    return {
        "first_name": row.get("first_name", ""),
        "last_name": row.get("last_name", ""),
        "emails": ", ".join(v for v, _ in row.get("emails", [])),
        "company": row.get("company", ""),
    }
