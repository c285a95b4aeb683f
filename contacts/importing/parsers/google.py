"""Google Contacts CSV, both the current export (First Name, E-mail 1 - Label...) and the
older "Google CSV" (Given Name, E-mail 1 - Type, Organization 1 - Name...).

Several values in one cell are joined with " ::: ".
"""

from collections.abc import Iterator

from ..errors import RowError
from .common import (
    add_value,
    clean,
    label_for,
    new_row,
    optional_date,
    parse_birthday,
    split_full_name,
    split_multi,
)
from .csvbase import first, parse_csv

SYSTEM_LABELS = {"* mycontacts", "* starred", "mycontacts", "* other contacts"}


def is_header(keys: list[str]) -> bool:
    return "e mail 1 value" in keys or ("given name" in keys and "family name" in keys)


def _numbered(record: dict[str, str], prefix: str, suffix: str, limit: int = 10) -> Iterator[tuple[str, str]]:
    for n in range(1, limit + 1):
        value = record.get(f"{prefix} {n} value")
        if value is None:
            return
        label = record.get(f"{prefix} {n} {suffix}", "") or record.get(f"{prefix} {n} type", "")
        for part in split_multi(value):
            yield part, label


def build(row_number: int, record: dict[str, str]) -> dict:
    row = new_row(row_number)
    row["first_name"] = clean(first(record, "first name", "given name"))
    row["last_name"] = clean(first(record, "last name", "family name"))
    if not row["first_name"] and not row["last_name"]:
        row["first_name"], row["last_name"] = split_full_name(first(record, "name", "file as", "nickname"))
    row["company"] = clean(first(record, "organization name", "organization 1 name"))
    row["title"] = clean(first(record, "organization title", "organization 1 title"))
    row["notes"] = (record.get("notes") or "").strip()
    row["location"] = clean(first(record, "address 1 city", "address 1 formatted", "location"))
    for value, label in _numbered(record, "e mail", "label"):
        add_value(row["emails"], value, label_for(label, default="other"))
    for value, label in _numbered(record, "phone", "label"):
        add_value(row["phones"], value, label_for(label, default="mobile"))
    for value, _label in _numbered(record, "website", "label"):
        if "linkedin.com/" in value.lower():
            row["linkedin_url"] = value
    row["birthday"] = optional_date(
        row, parse_birthday, record.get("birthday", ""), column="Birthday", without="the birthday"
    )
    labels = first(record, "labels", "group membership")
    row["tags"] = [
        t for t in split_multi(labels) if t.lower() not in SYSTEM_LABELS and not t.startswith("* ")
    ]
    return row


def parse(text: str) -> Iterator[dict | RowError]:
    return parse_csv(text, is_header=is_header, build=build)
