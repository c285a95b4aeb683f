"""Import contacts into one owner's account, in one transaction: `import_run` and `import_rows`.

`import_run` takes a file (bytes, an open file, or text already decoded): it decodes
the bytes once (`decoding`), picks the parser (`detect`) and reads the rows lazily
(`parsers`), so memory holds the text, the matching indexes and one chunk.
`import_rows` takes rows already parsed (the admin's django-import-export table does).
Both go through the same steps, each in its own module:
1. `index`: the owner's existing matching keys, read once (email, LinkedIn URL, name + company);
2. `decide`: each row, CHUNK_SIZE at a time, becomes a new contact, a merge into an
   existing or an earlier new contact (empty fields filled; on a LinkedIn export, a
   changed company or title is a job change), a skip, or a row error;
3. `write`: the chunk's INSERTs and UPDATEs, a few multi-row statements per chunk,
   so the query count grows with the number of chunks, never of rows. New contacts
   get their first check-in at insert (`schedule`, the reminder engine's own rules).
At the end, the existing contacts the import changed get the reminder engine's
`contacts_schedule_refresh` (a JSON backup brings interactions and reminders: after
one, every contact it touched is refreshed).
"""

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from itertools import islice
from typing import IO

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from contacts.models import Contact
from reminders import services as reminder_services

from . import backup
from .decide import Decider
from .decoding import decode_bytes, read_limited, text_checked
from .detect import CSV_FORMATS, FORMATS, detect_format
from .errors import ImportFormatError, RowError
from .fastinsert import DriverValues, IdPool, import_cache
from .index import existing_load, owner_index_load
from .parsers import backup_json, vcard
from .parsers.csvbase import find_header, header_cells
from .report import ImportReport
from .schedule import FirstSchedule
from .write import ChunkWriter, new_contact_defaults

CHUNK_SIZE = 2000

Progress = Callable[[int, int], None]
# (row number, "new" | "update" | "skip" | "error", contact id or None), one per row.
Outcomes = list[tuple[int, str, int | None]]


# --- reading a file ---------------------------------------------------------------


def import_read_text(*, data: bytes | None = None, file: IO[bytes] | None = None) -> str:
    """Bytes (or an open file, read up to IMPORT_MAX_BYTES) → text; ImportFormatError if unreadable."""
    if data is None:
        if file is None:
            raise ImportFormatError("No file was given.")
        data = read_limited(file)
    return decode_bytes(data)


def import_resolve_format(*, text: str, fmt: str = "auto", filename: str = "") -> str:
    """The format to read `text` as: `fmt`, checked against the text, or detected for "auto"."""
    if fmt in ("", "auto", None):
        return detect_format(text, filename=filename)
    if fmt not in FORMATS:
        raise ImportFormatError(f"Unknown format “{fmt}” (choose one of auto, {', '.join(FORMATS)}).")
    if fmt in CSV_FORMATS:
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
        parsed = backup_json.parse(text)
        rows = parsed.contacts[:limit]
        columns: list[str] = ["(Keepwarm backup)"]
        extra = {"interactions": len(parsed.interactions), "reminders": len(parsed.reminders)}
    else:
        rows = list(islice(_rows(text, fmt), limit))
        columns = _columns(text, fmt)
        extra = {}
    return {"rows": rows, "columns": columns, "extra": extra, "estimated_rows": estimate_rows(text, fmt)}


def source_columns(text: str, fmt: str) -> list[str] | None:
    """A CSV's header as the file spells it (None for other formats): rejected rows keep its cells."""
    return header_cells(text, CSV_FORMATS[fmt].is_header) if fmt in CSV_FORMATS else None


def _columns(text: str, fmt: str) -> list[str]:
    if fmt in CSV_FORMATS:
        _index, keys, _line = find_header(text, CSV_FORMATS[fmt].is_header)
        return keys
    return ["(vCard properties)"]


def estimate_rows(text: str, fmt: str) -> int:
    """About how many rows the file holds (for the progress bar; never trusted beyond that)."""
    if fmt == "vcard":
        return text.upper().count("BEGIN:VCARD")
    if fmt in CSV_FORMATS:
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


# --- importing --------------------------------------------------------------------


def import_run(
    *,
    owner: User,
    text: str | None = None,
    data: bytes | None = None,
    file: IO[bytes] | None = None,
    fmt: str = "auto",
    dry_run: bool = False,
    filename: str = "",
    today: date | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a contacts file for `owner`; return the report.

    The file is `text` (decoded already), else `data` or `file` (bytes, decoded here).
    Raises ImportFormatError when the file cannot be read at all (then nothing is
    written). Unreadable rows are reported with their row number and skipped.
    With dry_run everything runs and is rolled back: the counts are exact.
    """
    # Text handed over is checked as decoded text is (a NUL would reach PostgreSQL's COPY).
    text = import_read_text(data=data, file=file) if text is None else text_checked(text)
    fmt = import_resolve_format(text=text, fmt=fmt, filename=filename)
    report = ImportReport(format=fmt, dry_run=dry_run)
    today = today or timezone.localdate()
    with _import_transaction(dry_run=dry_run):
        if fmt == "json":
            _import_backup(owner=owner, parsed=backup_json.parse(text), today=today, report=report)
        else:
            report.columns = source_columns(text, fmt)
            rows, total = _rows(text, fmt), estimate_rows(text, fmt)
            del text  # the parser holds it until its last row: freed before the end's peak of memory
            touched = _import(
                owner=owner,
                rows=rows,
                fmt=fmt,
                today=today,
                report=report,
                total=total,
                progress=progress,
            )
            if touched:
                reminder_services.contacts_schedule_refresh(contact_ids=sorted(touched))
    return report


def import_rows(
    *,
    owner: User,
    rows: Iterable[dict | RowError],
    fmt: str,
    dry_run: bool = False,
    today: date | None = None,
    outcomes: Outcomes | None = None,
) -> ImportReport:
    """Import rows already parsed (`parsers.common.new_row` dicts) as a file of format `fmt` would.

    The same matching and merge rules as `import_run`; `outcomes`, when given, receives
    what became of each row, in order.
    """
    report = ImportReport(format=fmt, dry_run=dry_run)
    with _import_transaction(dry_run=dry_run):
        touched = _import(
            owner=owner,
            rows=rows,
            fmt=fmt,
            today=today or timezone.localdate(),
            report=report,
            outcomes=outcomes,
        )
        if touched:
            reminder_services.contacts_schedule_refresh(contact_ids=sorted(touched))
    return report


@contextmanager
def _import_transaction(*, dry_run: bool) -> Iterator[None]:
    """One transaction (rolled back on dry_run), SQLite's bigger page cache, no cyclic GC."""
    with _gc_paused(), import_cache(), transaction.atomic():
        yield
        if dry_run:
            transaction.set_rollback(True)


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


def _import(
    *,
    owner: User,
    rows: Iterable[dict | RowError],
    fmt: str,
    today: date,
    report: ImportReport,
    total: int = 0,
    progress: Progress | None = None,
    outcomes: Outcomes | None = None,
) -> set[int]:
    """Decide and write the rows, chunk by chunk; return the existing contacts that changed."""
    now = timezone.now()
    db = DriverValues()
    index = owner_index_load(owner)
    decider = Decider(
        index=index,
        take_id=IdPool(Contact, block=CHUNK_SIZE).take,
        defaults=new_contact_defaults(owner, db),
        report=report,
        job_changes=fmt == "linkedin",
        outcomes=outcomes,
        columns=report.columns,
    )
    clock = reminder_services.owner_clock(owner.pk, today=today, now=now)
    writer = ChunkWriter(
        owner=owner,
        now=now,
        today=today,
        index=index,
        schedule=FirstSchedule(clock=clock, index=index),
        db=db,
    )
    touched: set[int] = set()
    processed = 0
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK_SIZE)):
        cleaned = decider.clean(chunk)
        found = decider.matches(cleaned)
        writer.stage.readable(found)  # a contact an earlier chunk created, to merge into
        existing = existing_load(found, with_tags=any(row["tags"] for row, _keys in cleaned))
        plan = decider.decide(cleaned, existing)
        writer.write(plan)
        touched |= plan.touched
        processed += len(chunk)
        if progress:
            progress(processed, max(total, processed))
    if fmt != "json":
        writer.schedule.stagger(created_on=clock.local_date(now), stage=writer.stage)
    writer.stage.finish()
    writer.schedule.pending_write()
    touched.update(writer.schedule.silent_firsts)
    report.total_rows = processed
    report.interactions_created += writer.interactions_created
    return touched


def _import_backup(*, owner: User, parsed: backup_json.Backup, today: date, report: ImportReport) -> None:
    """A JSON backup: settings and tags, its contacts as rows, then what refers to them.

    Into an empty account it is a restore (settings too); otherwise a merge (backup.py).
    """
    restore = not Contact.objects.filter(owner=owner).exists()
    if restore:
        report.settings_restored = backup.backup_settings_restore(
            owner=owner, settings=parsed.settings, errors=report.errors
        )
    backup.backup_tags_add(owner=owner, items=parsed.tags, errors=report.errors)
    outcomes: Outcomes = []
    _import(owner=owner, rows=parsed.contacts, fmt="json", today=today, report=report, outcomes=outcomes)
    decided = {row: pk for row, _kind, pk in outcomes if pk is not None}
    created = {row: pk for row, kind, pk in outcomes if kind == "new"}
    refs = backup.backup_refs(parsed.contacts, decided)
    backup.backup_introductions_link(parsed.contacts, decided, refs)
    backup.backup_schedule_set(parsed.contacts, created)
    backup.backup_past_roles_add(parsed.contacts, decided)
    added, interactions = backup.backup_interactions_add(
        owner=owner, items=parsed.interactions, refs=refs, errors=report.errors
    )
    report.interactions_created += added
    report.reminders_created += backup.backup_reminders_add(
        owner=owner, items=parsed.reminders, refs=refs, interactions=interactions, errors=report.errors
    )
    backup.backup_not_duplicates_add(
        owner=owner, items=parsed.not_duplicates, refs=refs, errors=report.errors
    )
    backup.backup_offers_add(
        owner=owner, items=parsed.offers, refs=refs, interactions=interactions, errors=report.errors
    )
    backup.backup_goals_add(owner=owner, items=parsed.goals, errors=report.errors)
    backup.backup_message_templates_add(
        owner=owner, items=parsed.message_templates, errors=report.errors, restore=restore
    )
    if decided:
        reminder_services.contacts_schedule_refresh(contact_ids=sorted(set(decided.values())))
