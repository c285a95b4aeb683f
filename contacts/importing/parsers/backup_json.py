"""The Keepwarm JSON backup (DESIGN.md): the whole account.

Version 1 holds contacts, interactions and reminders; version 2 adds the profile's
settings, each tag with its cadence, past roles, interaction topics, the follow-up a
reminder comes from, and the pairs marked "not the same person"; version 3 adds where an
interaction came from (`origin`), the offers noted for contacts ("give before you ask"),
goals and message templates. Ids in the file are
file-local references. Row numbers are positions in each list (1-based), prefixed by
the list's name in messages. Settings are checked where they are restored (by the
settings page's own form), not here.
"""

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from contacts.models import (
    CONTACT_TEXT_FIELDS,
    Exchange,
    InteractionKind,
    InteractionOrigin,
    Network,
    Relationship,
    TieStrength,
)
from crm.querystring import MAX_INT, NUL
from goals.models import Measure, Period
from messaging.models import TemplateOrigin
from reminders.models import ReminderKind, ReminderStatus

from ..errors import ImportFormatError, RowError
from .common import LABELS, BadValue, add_value, clean, new_row, optional_date, parse_birthday, parse_date

VERSIONS = (1, 2, 3)
VERSION = 3  # what exports write


@dataclass
class Backup:
    version: int = VERSION
    settings: dict | None = None  # as in the file: the settings form checks it on restore
    tags: list[dict | RowError] = field(default_factory=list)
    contacts: list[dict | RowError] = field(default_factory=list)
    interactions: list[dict | RowError] = field(default_factory=list)
    reminders: list[dict | RowError] = field(default_factory=list)
    not_duplicates: list[dict | RowError] = field(default_factory=list)
    offers: list[dict | RowError] = field(default_factory=list)
    goals: list[dict | RowError] = field(default_factory=list)
    message_templates: list[dict | RowError] = field(default_factory=list)


def is_backup(text: str) -> bool:
    return text.lstrip()[:1] == "{" and "keepwarm-backup" in text[:2000]


def _scalar(value: object, what: str) -> str:
    """A JSON string or number as text; BadValue for anything else.

    A NUL character ("\\u0000" in JSON) is refused: PostgreSQL cannot store it, and no
    export writes one. Numbers are read as text ("phone": 442079460000 is a phone).
    """
    if isinstance(value, str):
        if NUL in value:
            raise BadValue(f"{what} contains a NUL character (\\u0000)")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadValue(f"{what} must be text")
    if isinstance(value, int) and not -MAX_INT <= value <= MAX_INT:
        raise BadValue(f"{what} is a number too big to be text here")
    return str(value)


def _text(item: dict, key: str) -> str:
    value = item.get(key)
    if value is None:
        return ""
    return _scalar(value, f"“{key}”")


def _ref(item: dict, key: str) -> int | str | None:
    """A file-local id (`id`, `introduced_by`, `contact_id`): a whole number, text, or null."""
    value = item.get(key)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, str) and NUL not in value:
        return value
    raise BadValue(f"“{key}” must be a whole number (a contact's id in the file) or null")


def _choice(item: dict, key: str, choices: type, default: str | None) -> str | None:
    value = item.get(key)
    if value is None or value == "":
        return default
    if not isinstance(value, str) or value not in choices.values:
        shown = (
            json.dumps(value, ensure_ascii=False, default=str)[:40]
            if not isinstance(value, str)
            else value[:40]
        )
        raise BadValue(f"{key} “{shown}” is not one of {', '.join(choices.values)}")
    return value


def _cadence(item: dict, key: str = "checkin_cadence_months") -> int | None:
    value = item.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 60):
        raise BadValue(f"{key} must be null or a whole number from 0 to 60")
    return value


def _moment(item: dict, key: str) -> datetime | None:
    """An ISO date-time with its time zone (`created_at`, `completed_at`), or None."""
    if not item.get(key):
        return None
    raw = _text(item, key)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise BadValue(f"{key} “{raw[:40]}” is not an ISO date-time") from None
    if moment.tzinfo is None or not 1900 <= moment.year <= 2100:
        raise BadValue(f"{key} “{raw[:40]}” needs a time zone and a sensible year")
    return moment


def _date(item: dict, key: str) -> date | None:
    return parse_date(_text(item, key), what=key)


def _list(item: dict, key: str) -> list:
    value = item.get(key) or []
    if not isinstance(value, list):
        raise BadValue(f"“{key}” must be a list")
    return value


def _past_role(entry: object) -> dict:
    if not isinstance(entry, dict):
        raise BadValue("each of “past_roles” must be an object")
    ended_on = _date(entry, "ended_on")
    if ended_on is None:
        raise BadValue("a past role needs its ended_on date")
    return {
        "company": clean(_text(entry, "company"))[:200],
        "title": clean(_text(entry, "title"))[:200],
        "started_on": _date(entry, "started_on"),
        "ended_on": ended_on,
    }


def _tag(index: int, item: object) -> dict:
    if not isinstance(item, dict):
        raise BadValue("a tag must be an object with name and checkin_cadence_months")
    name = clean(_text(item, "name"))
    if not name:
        raise BadValue("a tag needs a name")
    return {"row": index, "name": name[:64], "checkin_cadence_months": _cadence(item)}


def _not_duplicate(index: int, item: object) -> dict:
    if not isinstance(item, list) or len(item) != 2:
        raise BadValue("a pair must be a list of two contact ids")
    first, second = (_ref({"id": ref}, "id") for ref in item)
    if first is None or second is None or first == second:
        raise BadValue("a pair must name two different contacts")
    return {"row": index, "refs": (first, second)}


def _contact(index: int, item: object) -> dict:
    if not isinstance(item, dict):
        raise BadValue("a contact must be an object")
    row = new_row(index)
    row["ref"] = _ref(item, "id")
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
            label = entry.get("label")
            if not isinstance(label, str) or label not in LABELS:  # a label is a hint: the default
                label = "work" if kind == "emails" else "mobile"
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
    names = [clean(_scalar(t, "each of “tags”")) for t in tags if t is not None]
    row["tags"] = [name for name in names if name]
    cadence = _cadence(item)
    created_at = _moment(item, "created_at")
    row["past_roles"] = []
    for number, entry in enumerate(_list(item, "past_roles"), start=1):
        try:
            row["past_roles"].append(_past_role(entry))
        except BadValue as exc:  # the contact imports; that one role does not
            row.setdefault("warnings", []).append(f"past role {number}: {exc}; imported without it")
    # The contact's own schedule facts (version 2): a staggered first check-in, a
    # "not now" on the reconnect list. Set on the contacts this file creates only.
    row["schedule"] = {
        "first_check_in_on": _date(item, "first_check_in_on"),
        "reconnect_hidden_until": _date(item, "reconnect_hidden_until"),
    }
    row["extras"] = {
        "relationship": _choice(item, "relationship", Relationship, Relationship.OTHER),
        "network": _choice(item, "network", Network, Network.OPERATIONAL),
        "tie_strength": _choice(item, "tie_strength", TieStrength, TieStrength.WEAK),
        "checkin_cadence_months": cadence,
        "archived": bool(item.get("archived", False)),
    }
    if created_at is not None:
        row["extras"]["created_at"] = created_at
    row["introduced_by_ref"] = _ref(item, "introduced_by")
    return row


def _interaction(index: int, item: object) -> dict:
    if not isinstance(item, dict):
        raise BadValue("an interaction must be an object")
    refs = item.get("contact_ids")
    if not isinstance(refs, list) or not refs:
        raise BadValue("contact_ids must be a non-empty list")
    refs = [_ref({"contact_ids": ref}, "contact_ids") for ref in refs]
    occurred_on = parse_date(_text(item, "occurred_on"), what="occurred_on")
    if occurred_on is None:
        raise BadValue("occurred_on is required")
    return {
        "row": index,
        "contact_refs": refs,
        "occurred_on": occurred_on,
        "kind": _choice(item, "kind", InteractionKind, InteractionKind.OTHER),
        "ref": _ref(item, "id"),
        "summary": _text(item, "summary"),
        "topics": clean(_text(item, "topics"))[:300],
        "exchange": _choice(item, "exchange", Exchange, None),
        "follow_up_on": _date(item, "follow_up_on"),
        "origin": _choice(item, "origin", InteractionOrigin, ""),
    }


def _flag(item: dict, key: str) -> bool:
    value = item.get(key, False)
    if not isinstance(value, bool):
        raise BadValue(f"{key} must be true or false")
    return value


def _whole(item: dict, key: str, low: int, high: int, default: int | None = None) -> int:
    value = item.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise BadValue(f"{key} must be a whole number from {low} to {high}")
    return value


def _offer(index: int, item: object) -> dict:
    if not isinstance(item, dict):
        raise BadValue("an offer must be an object")
    text = clean(_text(item, "text"))
    if not text:
        raise BadValue("an offer needs its text")
    created_on = _date(item, "created_on")
    if created_on is None:
        raise BadValue("created_on is required")
    return {
        "row": index,
        "contact_ref": _ref(item, "contact_id"),
        "interaction_ref": _ref(item, "interaction_id"),
        "text": text[:200],
        "created_on": created_on,
        "given_on": _date(item, "given_on"),
    }


def _goal(index: int, item: object) -> dict:
    if not isinstance(item, dict):
        raise BadValue("a goal must be an object")
    measure = _choice(item, "measure", Measure, None)
    if measure is None:
        raise BadValue("measure is required")
    kind = _choice(item, "kind", InteractionKind, "")
    if (measure == Measure.INTERACTIONS) != bool(kind):
        raise BadValue("kind is required for an interactions goal, and only for one")
    per_event = _flag(item, "per_event")
    if per_event and measure != Measure.EVENT_NEWCOMERS:
        raise BadValue("per_event is only for an event_newcomers goal")
    created_on = _date(item, "created_on")
    if created_on is None:
        raise BadValue("created_on is required")
    return {
        "row": index,
        "measure": measure,
        "kind": kind,
        "target": _whole(item, "target", 1, 999),
        "period": _choice(item, "period", Period, Period.MONTH),
        "per_event": per_event,
        "created_on": created_on,
        "archived": _flag(item, "archived"),
    }


def _message_template(index: int, item: object) -> dict:
    if not isinstance(item, dict):
        raise BadValue("a message template must be an object")
    slug = _text(item, "slug")
    if not slug or len(slug) > 60 or not all(c.isascii() and (c.isalnum() or c in "-_") for c in slug):
        raise BadValue("slug must be 1 to 60 letters, digits, - or _")
    name = clean(_text(item, "name"))
    if not name:
        raise BadValue("a message template needs a name")
    return {
        "row": index,
        "slug": slug,
        "name": name[:100],
        "subject": clean(_text(item, "subject"))[:200],
        "greeting": _text(item, "greeting")[:200],
        **{key: _text(item, key) for key in ("context", "intent", "closing")},
        "origin": _choice(item, "origin", TemplateOrigin, TemplateOrigin.CUSTOM),
        "hidden": _flag(item, "hidden"),
        "position": _whole(item, "position", 0, 32767, default=100),
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
        "contact_ref": _ref(item, "contact_id"),
        "kind": kind,
        "due_on": due_on,
        "status": _choice(item, "status", ReminderStatus, ReminderStatus.OPEN),
        "snoozed_until": _date(item, "snoozed_until"),
        "interaction_ref": _ref(item, "interaction_id"),
        "detail": _text(item, "detail")[:255],
        "completed_at": _moment(item, "completed_at"),
    }


def parse(text: str) -> Backup:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:  # ValueError: also a number of over 4,300 digits
        reason = (
            exc.msg
            if isinstance(exc, json.JSONDecodeError)
            else "too deeply nested"
            if isinstance(exc, RecursionError)
            else "a number with too many digits"
        )
        raise ImportFormatError(f"The file is not valid JSON ({reason}).") from None
    if not isinstance(document, dict) or document.get("format") != "keepwarm-backup":
        raise ImportFormatError('This JSON file is not a Keepwarm backup (no "format": "keepwarm-backup").')
    version = document.get("version")
    if isinstance(version, bool) or version not in VERSIONS:
        shown = json.dumps(version, ensure_ascii=False, default=str)[:40]
        raise ImportFormatError(f"Unsupported backup version {shown} (this version reads 1, 2 and 3).")
    settings = document.get("settings")
    if settings is not None and not isinstance(settings, dict):
        raise ImportFormatError('"settings" in the backup must be an object.')
    backup = Backup(version=version, settings=settings)
    for key, build, what in (
        ("tags", _tag, "tag"),
        ("contacts", _contact, "contact"),
        ("interactions", _interaction, "interaction"),
        ("reminders", _reminder, "reminder"),
        ("not_duplicates", _not_duplicate, "not-duplicate pair"),
        ("offers", _offer, "offer"),
        ("goals", _goal, "goal"),
        ("message_templates", _message_template, "message template"),
    ):
        items = document.get(key) or []
        if not isinstance(items, list):
            raise ImportFormatError(f'"{key}" in the backup must be a list.')
        target = getattr(backup, key)
        for index, item in enumerate(items, start=1):
            try:
                target.append(build(index, item))
            except BadValue as exc:
                target.append(RowError(index, f"{what} {index}: {exc}"))
    return backup
