"""LinkedIn's Connections.csv (Settings → Data privacy → Get a copy of your data).

A few "Notes:" preamble lines come before the header:
First Name,Last Name,URL,Email Address,Company,Position,Connected On
"""

from collections.abc import Iterator

from ..errors import RowError
from .common import BadValue, clean, date_warning, new_row, parse_date
from .csvbase import parse_csv


def is_header(keys: list[str]) -> bool:
    return "first name" in keys and ("connected on" in keys or ("url" in keys and "position" in keys))


def build(row_number: int, record: dict[str, str]) -> dict:
    row = new_row(row_number)
    row["first_name"] = clean(record.get("first name"))
    row["last_name"] = clean(record.get("last name"))
    row["linkedin_url"] = clean(record.get("url"))
    if email := clean(record.get("email address")):
        row["emails"].append((email, "work"))
    row["company"] = clean(record.get("company"))
    row["title"] = clean(record.get("position"))
    try:
        row["connected_on"] = parse_date(record.get("connected on", ""), "Connected On date")
    except BadValue as exc:  # the person still imports, without the connection date
        date_warning(row, record["connected on"], exc, column="Connected On", without="the connection date")
    return row


def parse(text: str) -> Iterator[dict | RowError]:
    return parse_csv(text, is_header=is_header, build=build)
