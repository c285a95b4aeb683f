"""What an import WILL do, for the preview page before confirming: `import_plan`, `preview_table`.

`import_plan` runs the import's own steps without its writing step: the parser, the
owner's matching index (`index.owner_index_load`, read once), and `decide.Decider`,
which fills an `ImportReport` exactly as the import does (new, already there, fields
to fill, job changes, matches to check, rejected rows, rows imported with a problem).
It only reads: new contacts get made-up negative ids (`IdPool` would reserve real
ones), and the decisions of every chunk go into one plan, so a later row finds an
earlier row's new contact as the import would find it in the database.

A big file is planned up to PLAN_ROWS rows (the page says so); the import reads it all.
"""

from collections.abc import Iterator
from datetime import date
from itertools import count, islice

from django.contrib.auth.models import User

from .decide import ChunkPlan, Decider
from .errors import RowError
from .fastinsert import DriverValues
from .index import Existing, existing_load, owner_index_load
from .parsers import backup_json
from .report import ImportReport
from .services import CHUNK_SIZE, _gc_paused, _rows, source_columns
from .write import new_contact_defaults

# The preview page of a 10,000-row LinkedIn file takes about 0.5 s on SQLite into an empty
# account, 0.9-1.4 s when every row is already there (a 10,000-contact account), on a shared
# 2-core machine; more rows would keep the page waiting, so a bigger file's first PLAN_ROWS
# rows stand for it. (Reading the owner's matching keys is the same cost the import pays:
# about 1.2-1.6 s CPU for a 100,000-contact account.)
PLAN_ROWS = 10_000
# Each list of the summary shows this many items; the counts cover every planned row.
PLAN_LISTED = 20


def import_plan(*, owner: User, text: str, fmt: str, limit: int | None = None) -> dict:
    """The import of `text` as `fmt` into `owner`'s account, decided and not written.

    Returns {"report": ImportReport (dry_run), "rows": rows planned, "capped": True when
    the file has more rows than `limit` (PLAN_ROWS by default; the counts cover the first `limit`),
    "outcomes": row number → "new" | "update" | "skip" | "error"}.
    """
    limit = PLAN_ROWS if limit is None else limit
    report = ImportReport(format=fmt, dry_run=True)
    if fmt == "json":
        rows: Iterator[dict | RowError] = iter(backup_json.parse(text).contacts)
    else:
        report.columns = source_columns(text, fmt)
        rows = _rows(text, fmt)
    planned = 0
    outcomes: list[tuple[int, str, int | None]] = []
    with _gc_paused():
        index = owner_index_load(owner)
        decider = Decider(
            index=index,
            take_id=count(-1, -1).__next__,  # never a real id: nothing is inserted
            defaults=new_contact_defaults(owner, DriverValues()),
            report=report,
            job_changes=fmt == "linkedin",
            columns=report.columns,
            outcomes=outcomes,
        )
        plan = ChunkPlan()
        existing = Existing({}, {}, {})
        while planned < limit and (chunk := list(islice(rows, min(CHUNK_SIZE, limit - planned)))):
            cleaned = decider.clean(chunk)
            wanted = {pk for pk in decider.matches(cleaned) if pk > 0 and pk not in existing.contacts}
            loaded = existing_load(wanted, with_tags=True)
            existing.contacts.update(loaded.contacts)
            existing.phones.update(loaded.phones)
            existing.tags.update(loaded.tags)
            decider.decide(cleaned, existing, plan)
            planned += len(chunk)
        capped = next(rows, None) is not None
    report.total_rows = planned
    return {
        "report": report,
        "rows": planned,
        "capped": capped,
        "outcomes": {row: kind for row, kind, _pk in outcomes},
    }


def plan_summary(plan: dict, *, listed: int = PLAN_LISTED) -> dict:
    """`import_plan`'s result as the preview page shows it: counts, and the first `listed` of each list."""
    report: ImportReport = plan["report"]
    errors = sorted(report.errors, key=lambda e: e.row)
    warnings = sorted(report.warnings, key=lambda w: w["row"])
    merged = sorted(report.merged, key=lambda m: m["row"])
    return {
        "rows": plan["rows"],
        "rows_shown": f"{plan['rows']:,}",  # 10,000
        "capped": plan["capped"],
        "new": report.created,
        "unchanged": report.skipped,
        "update": report.updated,
        "rejected": report.error_count,
        "problems": len(warnings),
        "errors": [{"row": e.row, "message": e.message} for e in errors[:listed]],
        "warnings": warnings[:listed],
        "merged": merged[:listed],
        "job_changes": report.job_changes[:listed],
        "job_change_count": len(report.job_changes),
        "to_confirm": report.to_confirm[:listed],
        "to_confirm_count": len(report.to_confirm),
        "listed": listed,
        "columns": report.columns,  # the CSV header as the file spells it
    }


# The preview table's columns, in order: (key, heading). A column every previewed row
# leaves empty is not shown (a LinkedIn export has no phones, birthdays or tags).
TABLE_COLUMNS = [
    ("name", "Name"),
    ("emails", "Emails"),
    ("phones", "Phones"),
    ("company", "Company"),
    ("title", "Title"),
    ("location", "Location"),
    ("birthday", "Birthday"),
    ("started_on", "In role since"),
    ("linkedin_url", "LinkedIn"),
    ("connected_on", "Connected on"),
    ("tags", "Tags"),
    ("notes", "Notes"),
]
# What the import will do with a row (`import_plan`'s outcomes): (label, badge class).
OUTCOMES = {
    "new": ("new", "text-bg-success"),
    "skip": ("already there", "text-bg-light border"),
    "update": ("update", "text-bg-info"),
    "job_change": ("job change", "text-bg-primary"),
    "confirm": ("check match", "text-bg-warning"),
    "error": ("rejected", "text-bg-warning"),
}
_NOTES_SHOWN = 40
_WRAPPED = {"name", "company", "title", "location", "tags", "notes"}


def _day(value: date | None) -> str:
    return f"{value.day} {value:%b %Y}" if value else ""


def _birthday(value: tuple[int, int, int | None] | None) -> str:
    if not value:
        return ""
    month, day, year = value
    shown = f"{day} {date(2000, month, day):%b}"
    return f"{shown} {year}" if year else shown


def _profile(url: str) -> str:
    """A LinkedIn URL as the table shows it: the part after the host ("in/ada-lovelace")."""
    _scheme, found, path = url.partition("linkedin.com/")
    return path.strip("/") if found and path.strip("/") else url


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cells(row: dict) -> dict[str, list[tuple[str, str]]]:
    """A parsed row's cells: key → [(text, small note)], an empty list for an empty cell."""
    name = f"{row['first_name']} {row['last_name']}".strip()

    def one(text: str) -> list[tuple[str, str]]:
        return [(text, "")] if text else []

    return {
        "name": one(name),
        "emails": list(row["emails"]),
        "phones": list(row["phones"]),
        "company": one(row["company"]),
        "title": one(row["title"]),
        "location": one(row["location"]),
        "birthday": one(_birthday(row["birthday"])),
        "started_on": one(_day(row["started_on"])),
        "linkedin_url": one(_profile(row["linkedin_url"])),
        "connected_on": one(_day(row["connected_on"])),
        "tags": one(", ".join(row["tags"])),
        "notes": one(_short(row["notes"], _NOTES_SHOWN)),
    }


def preview_table(rows: list[dict | RowError], plan: dict | None = None) -> dict:
    """The preview's first rows as a table: the columns some row fills, and each row's cells.

    `plan` (from `import_plan`) gives each row what the import will do with it and the
    problems it will report, by row number, so the table says what the summary says.
    """
    outcomes: dict[int, str] = {}
    rejected: dict[int, str] = {}
    problems: dict[int, list[str]] = {}
    if plan is not None:
        report: ImportReport = plan["report"]
        outcomes = dict(plan["outcomes"])
        outcomes.update((change["row"], "job_change") for change in report.job_changes)
        outcomes.update((item["row"], "confirm") for item in report.to_confirm)
        rejected = {e.row: e.message for e in report.errors}
        for warning in report.warnings:
            problems.setdefault(warning["row"], []).append(warning["message"])
    items = []
    for row in rows:
        number = row.row if isinstance(row, RowError) else row["row"]
        outcome = OUTCOMES.get(outcomes.get(number, "error" if isinstance(row, RowError) else ""))
        item = {"row": number, "outcome": outcome, "problems": problems.get(number, [])}
        if isinstance(row, RowError):
            item["error"] = row.message
        else:
            item["cells"] = _cells(row)
            if number in rejected:
                item["error"] = rejected[number]
        # A line under the row says why it is rejected (when its cells are shown) or what it lacks.
        item["sub"] = bool(item["problems"] or ("cells" in item and "error" in item))
        items.append(item)
    shown = [
        (key, heading)
        for key, heading in TABLE_COLUMNS
        if key == "name" or any(item.get("cells", {}).get(key) for item in items)
    ]
    for item in items:
        if "cells" in item:  # [(parts, kept on one line)]: words wrap, addresses and dates do not
            item["cells"] = [(item["cells"][key], key not in _WRAPPED) for key, _heading in shown]
    # The cells after "Row": an "Import" column when the plan is known, then the columns shown.
    span = len(shown) + (plan is not None)
    return {"columns": shown, "rows": items, "outcomes": plan is not None, "span": span}
