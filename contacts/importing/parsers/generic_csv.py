"""Any CSV with a header row whose columns map onto contact fields (also our own CSV export).

Column names are matched loosely: case, spaces, '_' and '-' do not matter, and common
aliases are known (Given name, Surname, E-mail, Mobile, Organisation, Job title, DOB...).
"""

from collections.abc import Iterator

from contacts.models import CONTACT_TEXT_FIELDS, Network, Relationship, TieStrength
from crm.querystring import plain_int

from ..errors import RowError
from .common import (
    BadValue,
    add_value,
    clean,
    new_row,
    optional_date,
    parse_birthday,
    parse_date,
    split_full_name,
    split_multi,
    un_neutralise,
)
from .csvbase import parse_csv

ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "given name", "first", "forename"),
    "last_name": ("last name", "lastname", "surname", "family name", "last"),
    "full_name": ("name", "full name", "fullname", "display name", "contact name", "contact"),
    "emails": ("emails", "email", "e mail", "email address", "e mail address", "mail", "work email"),
    "home_email": ("home email", "personal email", "private email"),
    "phones": ("phones", "phone", "phone number", "telephone", "tel", "work phone", "business phone"),
    "mobile": ("mobile", "mobile phone", "cell", "cell phone"),
    "company": ("company", "organization", "organisation", "org", "employer", "company name"),
    "title": ("title", "job title", "position", "role", "job"),
    "industry": ("industry", "sector"),
    "location": ("location", "city", "town", "place"),
    "linkedin_url": ("linkedin url", "linkedin", "linkedin profile", "profile url", "url"),
    "how_we_met": ("how we met", "met", "met at", "source"),
    "notes": ("notes", "note", "comments", "comment", "description"),
    "tags": ("tags", "tag", "labels", "groups", "categories"),
    "birthday": ("birthday", "date of birth", "dob", "birth date", "birthdate"),
    "started_on": ("started on", "start date", "role started", "work anniversary", "started"),
    "connected_on": ("connected on",),
    "relationship": ("relationship",),
    "network": ("network",),
    "tie_strength": ("tie strength", "tie"),
    "checkin_cadence_months": (
        "checkin cadence months",
        "check in cadence months",
        "cadence months",
        "cadence",
    ),
    "archived": ("archived",),
}
KEY_TO_FIELD = {alias: field for field, aliases in ALIASES.items() for alias in aliases}
TEXT_FIELDS = CONTACT_TEXT_FIELDS[2:]  # the name columns are read on their own


def is_header(keys: list[str]) -> bool:
    fields = {KEY_TO_FIELD.get(k) for k in keys}
    return bool(fields & {"first_name", "last_name", "full_name", "emails"})


def _choice(value: str, choices: type, what: str) -> str:
    wanted = clean(value).lower().replace(" ", "_").replace("/", "_")
    if not wanted:
        return ""
    for choice_value, label in choices.choices:
        if wanted in {choice_value, label.lower().replace(" ", "_")}:
            return choice_value
    raise BadValue(f"{what} “{value}” is not one of {', '.join(v for v, _ in choices.choices)}")


def _birthday_from_parts(record: dict[str, str]) -> None:
    """birthday_month, _day and _year columns (the admin's export) → one birthday cell."""
    month, day = clean(record.pop("birthday month", "")), clean(record.pop("birthday day", ""))
    year = clean(record.pop("birthday year", ""))
    if record.get("birthday") or not (month or day):
        return
    numbers = [plain_int(month), plain_int(day), plain_int(year) if year else 0]
    if None not in numbers:
        month, day = f"{numbers[0]:02d}", f"{numbers[1]:02d}"
        record["birthday"] = f"{numbers[2]:04d}-{month}-{day}" if year else f"--{month}-{day}"
    else:
        record["birthday"] = f"{year}-{month}-{day}"  # refused by parse_birthday, with these values


def build(row_number: int, record: dict[str, str]) -> dict:
    if "birthday month" in record:
        _birthday_from_parts(record)
    values: dict[str, str] = {}
    for key, raw in record.items():
        field = KEY_TO_FIELD.get(key)
        if field and field not in values:
            values[field] = un_neutralise(raw or "")  # our CSV export's apostrophes
    row = new_row(row_number)
    row["first_name"] = clean(values.get("first_name"))
    row["last_name"] = clean(values.get("last_name"))
    if not row["first_name"] and not row["last_name"]:
        row["first_name"], row["last_name"] = split_full_name(values.get("full_name", ""))
    for field in TEXT_FIELDS:
        row[field] = clean(values.get(field))
    row["notes"] = (values.get("notes") or "").strip()
    for email in split_multi(values.get("emails", "")):
        add_value(row["emails"], email, "work")
    for email in split_multi(values.get("home_email", "")):
        add_value(row["emails"], email, "home")
    for phone in split_multi(values.get("mobile", "")):
        add_value(row["phones"], phone, "mobile")
    for phone in split_multi(values.get("phones", "")):
        add_value(row["phones"], phone, "work")
    row["tags"] = [t for t in (clean(v) for v in values.get("tags", "").replace(",", ";").split(";")) if t]
    row["birthday"] = optional_date(
        row, parse_birthday, values.get("birthday", ""), column="Birthday", without="the birthday"
    )
    row["started_on"] = optional_date(
        row, parse_date, values.get("started_on", ""), column="Start date", without="the role start date"
    )
    row["connected_on"] = optional_date(
        row,
        parse_date,
        values.get("connected_on", ""),
        column="Connected On",
        without="the connection date",
    )
    extras: dict = {}
    for field, choices in (
        ("relationship", Relationship),
        ("network", Network),
        ("tie_strength", TieStrength),
    ):
        if chosen := _choice(values.get(field, ""), choices, field.replace("_", " ")):
            extras[field] = chosen
    cadence = clean(values.get("checkin_cadence_months"))
    if cadence:
        months = plain_int(cadence, maximum=60)  # ASCII digits: "²" passes str.isdigit, not int
        if months is None:
            shown = cadence if len(cadence) <= 20 else cadence[:19] + "…"
            raise BadValue(f"check-in cadence “{shown}” is not a number of months between 0 and 60")
        extras["checkin_cadence_months"] = months
    archived = clean(values.get("archived")).lower()
    if archived:
        extras["archived"] = archived in {"1", "true", "yes", "y", "x"}
    if extras:
        row["extras"] = extras
    return row


def parse(text: str) -> Iterator[dict | RowError]:
    return parse_csv(text, is_header=is_header, build=build)
