"""The Keepwarm JSON backup (DESIGN.md): contacts, interactions and reminders.

Ids in the file are file-local references. Row numbers are positions in each list
(1-based), prefixed by the list's name in messages.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime

from contacts.models import CONTACT_TEXT_FIELDS, Exchange, InteractionKind, Network, Relationship, TieStrength
from reminders.models import ReminderKind, ReminderStatus

from ..errors import ImportFormatError, RowError
from .common import LABELS, BadValue, add_value, clean, new_row, optional_date, parse_birthday, parse_date


@dataclass
class Backup:
    contacts: list[dict | RowError] = field(default_factory=list)
    interactions: list[dict | RowError] = field(default_factory=list)
    reminders: list[dict | RowError] = field(default_factory=list)


def is_backup(text: str) -> bool:
    return text.lstrip()[:1] == "{" and "keepwarm-backup" in text[:2000]


def _text(item: dict, key: str) -> str:
    value = item.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise BadValue(f"“{key}” must be text")
    return str(value)


def _choice(item: dict, key: str, choices: type, default: str | None) -> str | None:
    value = item.get(key)
    if value in (None, ""):
        return default
    if value not in choices.values:
        raise BadValue(f"{key} “{value}” is not one of {', '.join(choices.values)}")
    return value


def _contact(index: int, item: object) -> dict:
    if not isinstance(item, dict):
        raise BadValue("a contact must be an object")
    row = new_row(index)
    row["ref"] = item.get("id")
    for key in CONTACT_TEXT_FIELDS:
        row[key] = clean(_text(item, key))
    row["notes"] = _text(item, "notes")
    for kind in ("emails", "phones"):
        values = item.get(kind) or []
        if not isinstance(values, list):
            raise BadValue(f"“{kind}” must be a list")
        for entry in values:
            if not isinstance(entry, dict):
                raise BadValue(f"each of “{kind}” must be an object with value and label")
            label = (
                entry.get("label")
                if entry.get("label") in LABELS
                else ("work" if kind == "emails" else "mobile")
            )
            add_value(row[kind], _text(entry, "value"), label)
    # Optional dates: one that is not a date leaves the contact without it, with a warning.
    row["birthday"] = optional_date(
        row, parse_birthday, _text(item, "birthday"), column="birthday", without="the birthday"
    )
    row["started_on"] = optional_date(
        row, parse_date, _text(item, "started_on"), column="started_on", without="the role start date"
    )
    tags = item.get("tags") or []
    if not isinstance(tags, list):
        raise BadValue("“tags” must be a list of names")
    row["tags"] = [clean(str(t)) for t in tags if clean(str(t))]
    cadence = item.get("checkin_cadence_months")
    if cadence is not None and (
        not isinstance(cadence, int) or isinstance(cadence, bool) or not 0 <= cadence <= 60
    ):
        raise BadValue("checkin_cadence_months must be null or a whole number from 0 to 60")
    created_at = None
    if item.get("created_at"):
        try:
            created_at = datetime.fromisoformat(_text(item, "created_at"))
        except ValueError:
            raise BadValue(f"created_at “{item.get('created_at')}” is not an ISO date-time") from None
        if created_at.tzinfo is None or not 1900 <= created_at.year <= 2100:
            raise BadValue(f"created_at “{item.get('created_at')}” needs a time zone and a sensible year")
    row["extras"] = {
        "relationship": _choice(item, "relationship", Relationship, Relationship.OTHER),
        "network": _choice(item, "network", Network, Network.OPERATIONAL),
        "tie_strength": _choice(item, "tie_strength", TieStrength, TieStrength.WEAK),
        "checkin_cadence_months": cadence,
        "archived": bool(item.get("archived", False)),
    }
    if created_at is not None:
        row["extras"]["created_at"] = created_at
    row["introduced_by_ref"] = item.get("introduced_by")
    return row


def _interaction(index: int, item: object) -> dict:
    if not isinstance(item, dict):
        raise BadValue("an interaction must be an object")
    refs = item.get("contact_ids")
    if not isinstance(refs, list) or not refs:
        raise BadValue("contact_ids must be a non-empty list")
    occurred_on = parse_date(_text(item, "occurred_on"), what="occurred_on")
    if occurred_on is None:
        raise BadValue("occurred_on is required")
    return {
        "row": index,
        "contact_refs": refs,
        "occurred_on": occurred_on,
        "kind": _choice(item, "kind", InteractionKind, InteractionKind.OTHER),
        "summary": _text(item, "summary"),
        "exchange": _choice(item, "exchange", Exchange, None),
        "follow_up_on": parse_date(_text(item, "follow_up_on"), what="follow_up_on"),
    }


def _reminder(index: int, item: object) -> dict:
    if not isinstance(item, dict):
        raise BadValue("a reminder must be an object")
    due_on = parse_date(_text(item, "due_on"), what="due_on")
    if due_on is None:
        raise BadValue("due_on is required")
    kind = _choice(item, "kind", ReminderKind, None)
    if kind is None:
        raise BadValue("kind is required")
    return {
        "row": index,
        "contact_ref": item.get("contact_id"),
        "kind": kind,
        "due_on": due_on,
        "status": _choice(item, "status", ReminderStatus, ReminderStatus.OPEN),
        "snoozed_until": parse_date(_text(item, "snoozed_until"), what="snoozed_until"),
    }


def parse(text: str) -> Backup:
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ImportFormatError(
            f"The file is not valid JSON ({getattr(exc, 'msg', 'too deeply nested')})."
        ) from None
    if not isinstance(document, dict) or document.get("format") != "keepwarm-backup":
        raise ImportFormatError('This JSON file is not a Keepwarm backup (no "format": "keepwarm-backup").')
    if document.get("version") != 1:
        raise ImportFormatError(
            f"Unsupported backup version {document.get('version')!r} (this version reads 1)."
        )
    backup = Backup()
    for key, build in (("contacts", _contact), ("interactions", _interaction), ("reminders", _reminder)):
        items = document.get(key) or []
        if not isinstance(items, list):
            raise ImportFormatError(f'"{key}" in the backup must be a list.')
        target = getattr(backup, key)
        for index, item in enumerate(items, start=1):
            try:
                target.append(build(index, item))
            except BadValue as exc:
                target.append(RowError(index, f"{key[:-1]} {index}: {exc}"))
    return backup
