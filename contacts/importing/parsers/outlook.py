"""Outlook's CSV export (often UTF-16): First Name, Last Name, Company, Job Title,
E-mail Address, E-mail 2 Address, Business Phone, Mobile Phone, Birthday, Categories...

Outlook's "Title" is an honorific (Mr., Dr.); the role is "Job Title".
"""

from collections.abc import Iterator

from ..errors import RowError
from .common import add_value, clean, new_row, optional_date, parse_birthday, split_multi
from .csvbase import first, parse_csv

PHONES = [
    ("mobile phone", "mobile"),
    ("business phone", "work"),
    ("business phone 2", "work"),
    ("company main phone", "work"),
    ("home phone", "home"),
    ("home phone 2", "home"),
    ("other phone", "other"),
    ("primary phone", "other"),
]


def is_header(keys: list[str]) -> bool:
    return "e mail address" in keys and (
        "job title" in keys or "mobile phone" in keys or "business phone" in keys
    )


def build(row_number: int, record: dict[str, str]) -> dict:
    row = new_row(row_number)
    row["first_name"] = clean(record.get("first name"))
    middle = clean(record.get("middle name"))
    if middle:
        row["first_name"] = f"{row['first_name']} {middle}".strip()
    row["last_name"] = clean(record.get("last name"))
    row["company"] = clean(record.get("company"))
    row["title"] = clean(record.get("job title"))
    row["location"] = clean(first(record, "business city", "home city", "other city", "location"))
    row["notes"] = (record.get("notes") or "").strip()
    for key, label in (
        ("e mail address", "work"),
        ("e mail 2 address", "home"),
        ("e mail 3 address", "other"),
    ):
        value = clean(record.get(key))
        if "@" in value:  # Exchange sometimes puts an X.500 path here
            add_value(row["emails"], value, label)
    for key, label in PHONES:
        add_value(row["phones"], record.get(key, ""), label)
    web = clean(record.get("web page"))
    if "linkedin.com/" in web.lower():
        row["linkedin_url"] = web
    row["birthday"] = optional_date(
        row, parse_birthday, record.get("birthday", ""), column="Birthday", without="the birthday"
    )
    row["tags"] = split_multi(record.get("categories", ""))
    return row


def parse(text: str) -> Iterator[dict | RowError]:
    return parse_csv(text, is_header=is_header, build=build)
