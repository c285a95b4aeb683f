"""Shared pieces of the parsers: the normalised row, names, dates, CSV reading."""

import calendar
import csv
import functools
import re
from collections.abc import Iterator
from datetime import date

from contacts.models import CONTACT_TEXT_FIELDS, ContactLabel

from ..errors import ImportFormatError, RowError

MIN_YEAR = 1900
MAX_YEAR = 2100
# Apple Contacts writes 1604 as the year of a birthday without a year.
NO_YEAR_MARKERS = {1604, 1900 - 1}

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_name) if name})
_MONTHS["sept"] = 9

LABELS = set(ContactLabel.values)


class BadValue(ValueError):
    """A field value that makes the row unreadable (an absurd date...).

    `hint` says in a few words what is wrong with a date ("no such day"), for the
    warning of a row imported without it (`date_warning`).
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


# Our CSV downloads (export, rejected rows) prefix cells that start with these with an
# apostrophe (formula injection); a file read back takes it off again.
NEUTRALISED = ("'=", "'+", "'-", "'@", "'\t", "'\r")


def un_neutralise(value: str) -> str:
    return value[1:] if value.startswith(NEUTRALISED) else value


def date_warning(row: dict, raw: str, exc: BadValue, *, column: str, without: str) -> None:
    """Note on `row` that its optional date `raw` was not read: the row imports without it.

    "Connected On “Connectd 31/13/2020” is not a date; imported without the connection date".
    """
    shown = clean(raw)
    if len(shown) > 60:
        shown = shown[:57] + "…"
    hint = f" ({exc.hint})" if exc.hint else ""
    row.setdefault("warnings", []).append(
        f"{column} “{shown}” is not a date{hint}; imported without {without}"
    )
    row.setdefault("bad_values", []).append(str(exc))  # the strict reading's reason (`tabular`)


def optional_date(row: dict, parse, raw: str, *, column: str, without: str, **kwargs):
    """`parse(raw)`, or None with a warning on the row when `raw` is not a date (`date_warning`)."""
    try:
        return parse(raw, **kwargs)
    except BadValue as exc:
        date_warning(row, raw, exc, column=column, without=without)
        return None


def new_row(row: int) -> dict:
    """The normalised row every parser yields (missing values are empty).

    `row` is where the row is in its file (line number, card or list position).
    Parsers may add "extras" (other columns of Contact, validated) and, for a backup,
    "ref" and "introduced_by_ref" (file-local ids).
    """
    return {
        "row": row,
        **dict.fromkeys(CONTACT_TEXT_FIELDS, ""),
        "notes": "",
        "emails": [],  # [(value, label)]
        "phones": [],
        "birthday": None,  # (month, day, year or None)
        "started_on": None,
        "connected_on": None,
        "tags": [],
    }


def clean(value: object) -> str:
    """Collapse whitespace (decoding already refused NUL bytes)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    return " ".join(value.split())


def split_full_name(full: str) -> tuple[str, str]:
    """'Ada King Lovelace' → ('Ada King', 'Lovelace'); 'Lovelace, Ada' → ('Ada', 'Lovelace')."""
    full = clean(full)
    if not full:
        return "", ""
    if "," in full:
        last, _, first = full.partition(",")
        return clean(first), clean(last)
    parts = full.rsplit(" ", 1)
    if len(parts) == 1:
        return parts[0], ""
    return parts[0], parts[1]


def label_for(raw: str, *, default: str) -> str:
    """Map a free-form type ('Work', 'CELL', 'pref,home', '* Mobile') onto our labels."""
    text = raw.lower()
    if any(word in text for word in ("cell", "mobile", "iphone")):
        return "mobile"
    if "work" in text or "business" in text or "company" in text:
        return "work"
    if "home" in text or "personal" in text or "private" in text:
        return "home"
    if "other" in text:
        return "other"
    return default


def add_value(values: list[tuple[str, str]], value: str, label: str) -> None:
    """Append (value, label) unless empty or already there (compared case-insensitively)."""
    value = clean(value)
    if not value:
        return
    if any(existing.lower() == value.lower() for existing, _ in values):
        return
    values.append((value, label))


def split_multi(value: str) -> list[str]:
    """Google joins several values in one cell with ' ::: '."""
    return [clean(v) for v in re.split(r"\s*:::\s*|\s*;\s*", value or "") if clean(v)]


def _check_year(year: int, what: str, raw: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise BadValue(f"{what} “{raw}” has an impossible year ({year})", f"the year {year} is out of range")


def _make_date(year: int, month: int, day: int, what: str, raw: str) -> date:
    _check_year(year, what, raw)
    try:
        return date(year, month, day)
    except ValueError:
        raise BadValue(f"{what} “{raw}” is not a real date", "no such day") from None


# Exports repeat dates a lot and the function is pure. Big enough for every day of
# the ~20 years a LinkedIn network spans (a smaller LRU thrashes on 100,000 rows).
@functools.lru_cache(maxsize=32768)
def parse_date(raw: str, what: str = "date") -> date | None:
    """Parse the date formats contact exports use; None for empty, BadValue for nonsense.

    ISO (2024-03-05, 20240305, with a time after T), '05 Mar 2024', 'March 5, 2024',
    US-style 3/5/2024 (D/M/Y when the first number is over 12). Outlook's '0/0/00'
    means empty.
    """
    value = clean(raw)
    if not value or value in {"0/0/00", "0/0/0000", "00/00/0000"}:
        return None
    value = value.split("T", 1)[0] if re.match(r"^\d{4}-?\d{2}-?\d{2}T", value) else value
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), what, raw)
    if m := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", value):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), what, raw)
    if m := re.fullmatch(r"(\d{1,2})[ -]([A-Za-z]{3,9})\.?,?[ -](\d{4})", value):
        month = _MONTHS.get(m[2].lower())
        if month:
            return _make_date(int(m[3]), month, int(m[1]), what, raw)
    if m := re.fullmatch(r"([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})", value):
        month = _MONTHS.get(m[1].lower())
        if month:
            return _make_date(int(m[3]), month, int(m[2]), what, raw)
    if m := re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})", value):
        a, b, year = int(m[1]), int(m[2]), int(m[3])
        if len(m[3]) == 2:
            year += 2000 if year < 50 else 1900
        month, day = (b, a) if a > 12 else (a, b)
        return _make_date(year, month, day, what, raw)
    raise BadValue(f"{what} “{raw}” is not a date this importer understands")


def parse_birthday(raw: str) -> tuple[int, int, int | None] | None:
    """A birthday with or without a year: '1985-04-15', '--04-15', '--0415', '04-15', 'Apr 15'.

    Returns (month, day, year or None). Feb 29 without a year is allowed.
    """
    value = clean(raw)
    if not value:
        return None
    m = re.fullmatch(r"--(\d{2})-?(\d{2})", value) or re.fullmatch(r"(\d{1,2})-(\d{1,2})", value)
    if m is None:
        m2 = re.fullmatch(r"([A-Za-z]{3,9})\.? (\d{1,2})", value) or re.fullmatch(
            r"(\d{1,2}) ([A-Za-z]{3,9})", value
        )
        if m2:
            words = [g for g in m2.groups() if not g.isdigit()]
            digits = [g for g in m2.groups() if g.isdigit()]
            month = _MONTHS.get(words[0].lower())
            if month:
                return _month_day(month, int(digits[0]), raw)
    if m:
        return _month_day(int(m[1]), int(m[2]), raw)
    yearless = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
    if yearless and int(yearless[1]) in NO_YEAR_MARKERS:
        return _month_day(int(yearless[2]), int(yearless[3]), raw)
    parsed = parse_date(value, what="birthday")
    if parsed is None:
        return None
    return parsed.month, parsed.day, parsed.year


def _month_day(month: int, day: int, raw: str) -> tuple[int, int, None]:
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2000, month)[1]:
        raise BadValue(f"birthday “{raw}” is not a real date", "no such day")
    return month, day, None


def normalise_linkedin(url: str) -> str:
    """Lowercase, https, www. host, no query/fragment, no trailing slash: the matching key."""
    if (
        url.startswith("https://www.linkedin.com/")
        and url.islower()
        and url.isprintable()  # no control or separator characters...
        and " " not in url  # ...and no space: no whitespace at all
        and "?" not in url
        and "#" not in url
        and not url.endswith("/")
    ):
        return url  # already its own key (LinkedIn's exports write it so): skip the copies below
    return _normalise_linkedin(url)


def _normalise_linkedin(url: str) -> str:
    value = clean(url).lower()
    if not value:
        return ""
    value = value.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    if value.startswith("http://"):
        value = "https://" + value[len("http://") :]
    elif not value.startswith("https://"):
        value = "https://" + value.lstrip("/")
    if "linkedin.com/" not in value:
        return ""
    if value.startswith("https://www.linkedin.com/"):
        return value  # already the key (the substitution below would change nothing)
    # linkedin.com, www. and country hosts (uk.linkedin.com) are one profile.
    return re.sub(r"^https://([a-z0-9-]+\.)*linkedin\.com/", "https://www.linkedin.com/", value)


# Some exports have enormous note cells; Python's default 128 KB limit raises mid-file.
csv.field_size_limit(10 * 1024 * 1024)


def sniff_dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    first = sample.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=counts.get)
    if counts[delimiter] == 0:
        delimiter = ","

    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    return Dialect


def read_csv(
    lines: list[str] | Iterator[str], *, first_row: int, dialect: type[csv.Dialect] | csv.Dialect
) -> Iterator[tuple[int, list[str]] | RowError]:
    """Yield (row number, cells) per record, or a RowError for a broken record.

    Rows are numbered as a spreadsheet shows the file: one per record from `first_row`
    on, blank records included (they are counted, not yielded), and a quoted cell
    spanning several lines is one row.
    """
    reader = csv.reader(lines, dialect=dialect)
    number = first_row - 1
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RowError(number, f"unreadable CSV record ({exc})")
            continue
        if not "".join(cells).strip():  # a blank record (one C call, not a generator per row)
            continue
        yield number, cells


def count_records(lines: list[str], dialect: type[csv.Dialect] | csv.Dialect) -> int:
    """How many spreadsheet rows these lines make (a quoted cell may span several lines)."""
    try:
        return sum(1 for _cells in csv.reader(lines, dialect=dialect))
    except csv.Error:
        return len(lines)


def header_key(name: str) -> str:
    return " ".join(re.sub(r"[_\-./]+", " ", clean(name).lower()).split())


def require(condition: bool, message: str) -> None:
    if not condition:
        raise ImportFormatError(message)
