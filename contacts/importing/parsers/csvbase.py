"""The CSV machinery shared by the LinkedIn, Google, Outlook and generic parsers."""

import io
from collections.abc import Callable, Iterator

from ..errors import ImportFormatError, RowError
from .common import BadValue, header_key, read_csv, sniff_dialect

HEADER_SEARCH_LINES = 30

RowBuilder = Callable[[int, dict[str, str]], dict]


def find_header(text: str, is_header: Callable[[list[str]], bool]) -> tuple[int, list[str], str]:
    """Return (0-based line index of the header, its keys, the delimiter sample).

    Looks at the first lines only: LinkedIn puts a "Notes:" preamble before its header.
    """
    lines = io.StringIO(text)
    for index in range(HEADER_SEARCH_LINES):
        line = lines.readline()
        if not line:
            break
        dialect = sniff_dialect(line)
        cells = next(read_csv([line], first_line=1, dialect=dialect), None)
        if not isinstance(cells, tuple):
            continue
        keys = [header_key(c) for c in cells[1]]
        if is_header(keys):
            return index, keys, line
    raise ImportFormatError("No known column in the header (expected e.g. First Name, Last Name, Email).")


def parse_csv(
    text: str, *, is_header: Callable[[list[str]], bool], build: RowBuilder
) -> Iterator[dict | RowError]:
    """Yield a normalised row (or a RowError) per data record; row = file line number."""
    header_index, keys, header_line = find_header(text, is_header)
    stream = io.StringIO(text)
    for _ in range(header_index + 1):
        stream.readline()
    dialect = sniff_dialect(header_line)
    width = len(keys)
    for item in read_csv(stream, first_line=header_index + 2, dialect=dialect):
        if isinstance(item, RowError):
            yield item
            continue
        row_number, cells = item
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            yield RowError(
                row_number, f"the row has {len(cells)} cells but the header has {width}", _data(keys, cells)
            )
            continue
        record = {}
        for key, value in zip(keys, cells, strict=False):
            if key and key not in record:
                record[key] = value
        try:
            yield build(row_number, record)
        except BadValue as exc:
            yield RowError(row_number, str(exc), _data(keys, cells))


def _data(keys: list[str], cells: list[str]) -> dict:
    return {(k or f"column {i + 1}"): v[:200] for i, (k, v) in enumerate(zip(keys, cells, strict=False))}


def first(record: dict[str, str], *names: str) -> str:
    for name in names:
        value = record.get(name)
        if value and value.strip():
            return value
    return ""
