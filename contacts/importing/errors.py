"""The importer's own errors: the only exceptions a parser may raise."""

from dataclasses import dataclass, field


class ImportFormatError(Exception):
    """The file cannot be read at all (empty, binary, too big, unknown format...).

    The message is one plain sentence for the user; nothing is written.
    """


@dataclass
class RowError:
    """A row (or vCard card) that could not be read; the others still import."""

    row: int
    message: str
    data: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"row": self.row, "message": self.message, "data": self.data}
