"""PostgreSQL: an import's new contacts are written to `contacts_contact` once, staggered.

The plain path (SQLite, and PostgreSQL with `STAGE_ON_POSTGRESQL` off) inserts each
chunk's new contacts at once, then, after the last chunk, `schedule.FirstSchedule.stagger`
UPDATEs every one of them with its staggered first check-in. On PostgreSQL that UPDATE
is a second write of each row: `next_check_in` is indexed, so no
update is HOT and every new row version goes into all of the table's indexes again
(11 of the 35 s of a 100,000-row import on the 2-core bench machine, more than the
COPY of the rows themselves).

The fast path, here: each chunk's new contacts are COPYed into a temporary table
(no index, no WAL), the staggered dates into a second one, and at the end one
`INSERT ... SELECT` moves the rows into `contacts_contact` with their final dates,
in id order. Everything else an import writes (emails, the "Connected on LinkedIn"
interactions, tag links) refers to contacts through foreign keys that Django makes
DEFERRABLE INITIALLY DEFERRED on PostgreSQL, so those rows can go in before their
contacts do: the keys are checked at COMMIT, as they were before.

What reads `contacts_contact` during an import: a row matching a contact that an
earlier chunk created loads it (`index.existing_load`) to merge into it. Then the
staged rows move first (`readable`), and their staggered dates are an UPDATE as on the
plain path. Rows of one chunk that match each other never read the table.

Both temporary tables live in the import's transaction: dropped at its end
(`finish`), or rolled back with it (a dry run, an error). `test_import_staging.py`
imports the same files both ways and compares every column of every row written.
"""

from collections.abc import Iterable, Sequence

from django.db import connection

from contacts.models import Contact

from .fastinsert import copy_from_stdin, fast_insert

# Off: PostgreSQL takes the plain path too (the test that compares the two paths).
STAGE_ON_POSTGRESQL = True

_STAGE = "keepwarm_import_new_contacts"
_DATES = "keepwarm_import_first_check_ins"
# The columns the stagger sets; the move takes the staggered value where there is one.
_STAGGERED = {"first_check_in_on": "first", "next_check_in": "due"}


class ContactStage:
    """Where one import's new contacts go before `contacts_contact` (see the module docstring)."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = tuple(columns)  # attnames, "id" first (write.CONTACT_COLUMNS)
        self.active = STAGE_ON_POSTGRESQL and connection.vendor == "postgresql"
        self._created = False
        self._dated = False
        self._low: int | None = None  # the lowest id staged and not yet moved (ids only grow)

    def insert(self, rows: list[tuple]) -> None:
        """One chunk's new contacts (rows in `columns` order, ids increasing)."""
        if not rows:
            return
        if not self.active:
            fast_insert(Contact, self.columns, rows)
            return
        if not self._created:
            self._execute(f"CREATE TEMPORARY TABLE {_STAGE} (LIKE {self._table})")
            self._created = True
        copy_from_stdin(f"COPY {_STAGE} ({self._column_list}) FROM STDIN", rows)
        if self._low is None:
            self._low = rows[0][0]

    def staged(self, pk: int) -> bool:
        """Whether contact `pk` is in the stage (not yet in `contacts_contact`)."""
        return self._low is not None and pk >= self._low

    def readable(self, ids: Iterable[int]) -> None:
        """Make these contacts readable in `contacts_contact`: move the stage there if it holds one."""
        if any(self.staged(pk) for pk in ids):
            self._move()

    def stagger(self, batch: list[tuple]) -> list[tuple]:
        """Keep the staggered (first, due, id) of staged contacts for the move; return the others'."""
        if self._low is None:
            return batch
        kept = [row for row in batch if self.staged(row[2])]
        if kept:
            if not self._dated:
                self._execute(f"CREATE TEMPORARY TABLE {_DATES} (first date, due date, id bigint)")
                self._dated = True
            copy_from_stdin(f"COPY {_DATES} (first, due, id) FROM STDIN", kept)
        return [row for row in batch if not self.staged(row[2])] if len(kept) < len(batch) else []

    def finish(self) -> None:
        """Move what is staged into `contacts_contact`; drop the temporary tables."""
        if self._low is not None:
            self._move()
        if self._created:
            self._execute(f"DROP TABLE {_STAGE}")
            self._created = False
        if self._dated:
            self._execute(f"DROP TABLE {_DATES}")
            self._dated = False

    @property
    def _table(self) -> str:
        return connection.ops.quote_name(Contact._meta.db_table)

    @property
    def _column_list(self) -> str:
        quote = connection.ops.quote_name
        return ", ".join(quote(Contact._meta.get_field(name).column) for name in self.columns)

    def _move(self) -> None:
        quote = connection.ops.quote_name
        if self._dated:
            values = []
            for name in self.columns:
                column = quote(Contact._meta.get_field(name).column)
                if name in _STAGGERED:
                    values.append(f"CASE WHEN d.id IS NULL THEN s.{column} ELSE d.{_STAGGERED[name]} END")
                else:
                    values.append(f"s.{column}")
            source = f"{_STAGE} AS s LEFT JOIN {_DATES} AS d ON d.id = s.id"
        else:
            values = [f"s.{quote(Contact._meta.get_field(name).column)}" for name in self.columns]
            source = f"{_STAGE} AS s"
        self._execute(
            f"INSERT INTO {self._table} ({self._column_list}) SELECT {', '.join(values)} FROM {source} ORDER BY s.id"
        )
        self._execute(f"TRUNCATE {_STAGE}")
        if self._dated:
            self._execute(f"TRUNCATE {_DATES}")
        self._low = None

    @staticmethod
    def _execute(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)
