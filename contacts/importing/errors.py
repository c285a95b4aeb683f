"""The importer's own errors: the only exceptions a parser may raise, and a rejected row's data."""

from dataclasses import dataclass, field


class ImportFormatError(Exception):
    """The file cannot be read at all (empty, binary, too big, unknown format...).

    The message is one plain sentence for the user; nothing is written.
    """


@dataclass
class RowError:
    """A row (or vCard card) that could not be read; the others still import.

    `data` is what the row held in the file, for the rejected-rows download
    (`rejected.rejected_rows_csv`): for a CSV, original column name → cell
    (`source_data`); for a vCard card, its name and text.
    """

    row: int
    message: str
    data: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"row": self.row, "message": self.message, "data": self.data}


# A rejected row keeps each cell up to this length (ImportJob.errors stays small).
SOURCE_CELL_LIMIT = 2000


def column_keys(columns: list[str]) -> list[str]:
    """The keys of a rejected row's data, one per column of the file's header, in order.

    The column's own name; a repeated name is numbered ("Email (2)"), a blank one is
    "column 3", so that each key names one position.
    """
    keys: list[str] = []
    seen: set[str] = set()
    for position, name in enumerate(columns, start=1):
        key = base = name or f"column {position}"
        n = 2
        while key in seen:
            key, n = f"{base} ({n})", n + 1
        seen.add(key)
        keys.append(key)
    return keys


def extra_key(n: int) -> str:
    """The key of a cell beyond the header's last column (a row with too many cells)."""
    return f"extra cell {n}"


def source_data(columns: list[str], cells: list[str]) -> dict:
    """A CSV row as rejected-row data: column key (`column_keys`) → cell, empty cells left out."""
    keys = column_keys(columns)
    width = len(keys)
    data = {}
    for position, value in enumerate(cells):
        if value:
            key = keys[position] if position < width else extra_key(position - width + 1)
            data[key] = value[:SOURCE_CELL_LIMIT]
    return data
