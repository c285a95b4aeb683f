"""A table already split into cells: the admin's django-import-export Dataset (CSV, XLSX, JSON).

The header decides the parser, as it does for a file: a LinkedIn, Google or Outlook
export, else any table whose columns map onto contact fields (generic_csv's aliases,
which also read the admin's own export).
Rows are numbered from 1, as the admin shows them. A date that is not one is a row
error here (the file import keeps the person and warns): the admin lists errors, not warnings.
"""

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

from ..errors import ImportFormatError, RowError
from . import generic_csv, google, linkedin, outlook
from .common import BadValue, header_key

# In detect_format's order: the specific exports first, any table with a name column last.
PARSERS = {"linkedin": linkedin, "google": google, "outlook": outlook, "csv": generic_csv}


def table_format(headers: Sequence[str]) -> str:
    """The format whose header this is; ImportFormatError when none fits."""
    keys = [header_key(str(h or "")) for h in headers]
    for fmt, parser in PARSERS.items():
        if parser.is_header(keys):
            return fmt
    raise ImportFormatError("No known column in the header (expected e.g. first_name, last_name, email).")


def cell_text(value: object) -> str:
    """A cell as the text a CSV file would hold (XLSX gives numbers and dates)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def table_rows(
    headers: Sequence[str], rows: Iterable[Sequence[object]], fmt: str
) -> Iterator[dict | RowError]:
    """Yield a normalised row (or a RowError) per table row, for `fmt` from table_format."""
    build = PARSERS[fmt].build
    keys = [header_key(str(h or "")) for h in headers]
    for number, cells in enumerate(rows, start=1):
        record: dict[str, str] = {}
        for key, value in zip(keys, cells, strict=False):
            if key and key not in record:
                record[key] = cell_text(value)
        try:
            row = build(number, record)
        except BadValue as exc:
            yield RowError(number, str(exc), {k: v[:200] for k, v in record.items() if v})
            continue
        if bad := row.get("bad_values"):
            # The admin's preview shows row errors but no warnings: a date that is not one
            # stays an error there (to fix before confirming), never a value dropped unseen.
            yield RowError(number, "; ".join(bad), {k: v[:200] for k, v in record.items() if v})
            continue
        yield row
