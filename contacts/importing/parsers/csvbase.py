"""The CSV machinery shared by the LinkedIn, Google, Outlook and generic parsers."""

from collections.abc import Callable, Iterator
from operator import itemgetter

from ..errors import ImportFormatError, RowError, source_data
from .common import BadValue, count_records, header_key, read_csv, sniff_dialect, un_neutralise

HEADER_SEARCH_LINES = 30

RowBuilder = Callable[[int, dict[str, str]], dict]


def find_header(text: str, is_header: Callable[[list[str]], bool]) -> tuple[int, list[str], str]:
    """Return (0-based line index of the header, its keys, the delimiter sample).

    Looks at the first lines only: LinkedIn puts a "Notes:" preamble before its header.
    """
    lines = iter_lines(text)
    for index in range(HEADER_SEARCH_LINES):
        line = next(lines, "")
        if not line:
            break
        dialect = sniff_dialect(line)
        cells = next(read_csv([line], first_row=1, dialect=dialect), None)
        if not isinstance(cells, tuple):
            continue
        keys = [header_key(c) for c in cells[1]]
        if is_header(keys):
            return index, keys, line
    raise ImportFormatError("No known column in the header (expected e.g. First Name, Last Name, Email).")


def iter_lines(text: str) -> Iterator[str]:
    """The lines of `text`, each with its "\\n", as io.StringIO(text) would give them.

    Slices one line at a time: StringIO copies the whole text into a buffer of 4 bytes
    per character first (45 MB for an 11 MB export).
    """
    find = text.find
    start, size = 0, len(text)
    while start < size:
        end = find("\n", start) + 1
        if not end:
            yield text[start:]
            return
        yield text[start:end]
        start = end


def header_cells(text: str, is_header: Callable[[list[str]], bool]) -> list[str]:
    """The header's cells exactly as the file spells them (the rejected-rows download's columns)."""
    return _line_cells(find_header(text, is_header)[2])


def _line_cells(line: str) -> list[str]:
    item = next(read_csv([line], first_row=1, dialect=sniff_dialect(line)), None)
    return list(item[1]) if isinstance(item, tuple) else []


def is_rejected_rows_file(keys: list[str]) -> bool:
    """A header with our `row` and `reason` columns: a rejected-rows download coming back."""
    return "row" in keys and "reason" in keys


def parse_csv(
    text: str, *, is_header: Callable[[list[str]], bool], build: RowBuilder
) -> Iterator[dict | RowError]:
    """Yield a normalised row (or a RowError) per data record.

    A row's number is the spreadsheet row of the record (`read_csv`): the header is
    row 1 when nothing comes before it, so the first data row is 2; LinkedIn's "Notes:"
    preamble lines count too. Each row carries its original cells as "source" (the
    rejected-rows download gives them back under the file's own header).
    """
    header_index, keys, header_line = find_header(text, is_header)
    stream = iter_lines(text)
    preamble = [next(stream, "") for _ in range(header_index)]
    next(stream, None)  # the header
    dialect = sniff_dialect(header_line)
    header_row = (count_records(preamble, dialect) if preamble else 0) + 1
    columns = _line_cells(header_line)
    restore = is_rejected_rows_file(keys)  # our own download: cells were neutralised
    width = len(keys)
    # A record maps each named column to its cell; a repeated column name keeps its first cell.
    firsts = {}
    for index, key in enumerate(keys):
        if key and key not in firsts:
            firsts[key] = index
    named = list(firsts)
    cells_of = itemgetter(*firsts.values()) if firsts else None
    needed = max(firsts.values(), default=-1) + 1
    for item in read_csv(stream, first_row=header_row + 1, dialect=dialect):
        if isinstance(item, RowError):
            yield item
            continue
        row_number, cells = item
        if restore:
            cells = [un_neutralise(c) for c in cells]
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            yield RowError(
                row_number,
                f"the row has {len(cells)} cells but the header has {width}",
                source_data(columns, cells),
            )
            continue
        if len(named) > 1 and len(cells) >= needed:  # the usual full row
            record = dict(zip(named, cells_of(cells), strict=True))
        else:
            record = {}
            for key, value in zip(keys, cells, strict=False):
                if key and key not in record:
                    record[key] = value
        try:
            row = build(row_number, record)
        except BadValue as exc:
            yield RowError(row_number, str(exc), source_data(columns, cells))
            continue
        row["source"] = cells
        yield row


def first(record: dict[str, str], *names: str) -> str:
    for name in names:
        value = record.get(name)
        if value and value.strip():
            return value
    return ""
