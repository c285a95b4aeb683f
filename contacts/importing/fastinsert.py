"""Insert many rows with one `executemany`, primary keys allocated up front.

Django's bulk_create spends ~40 µs per Contact building and preparing 26 fields,
and on SQLite splits inserts into batches of 999 parameters: a 100,000-row import
then spends 15 s in inserts alone. Here a chunk is one executemany of plain tuples.

Primary keys: PostgreSQL hands out a block from the table's sequence (`nextval`
over generate_series), so concurrent inserts elsewhere are safe. SQLite takes
max(MAX(id), sqlite_sequence) + 1...: safe because the import's transaction began
IMMEDIATE (crm/settings.py), so it holds the database's write lock and nobody else
can insert in between. Other backends are not supported by the project.
"""

import itertools
import json
import queue
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import connection, models

# SQLite's page cache while an import writes (KiB; the default is 2 MB). A 100,000-row
# import dirties ~70 MB of table and index pages: with 2 MB they spill to the WAL and
# are re-read and re-written many times. Only this connection, only during the import.
IMPORT_CACHE_KIB = 64 * 1024


@contextmanager
def import_cache() -> Iterator[None]:
    """A bigger SQLite page cache for the duration of the block (no-op elsewhere).

    Durability is unchanged: this is memory only, the journal and sync settings stay.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        # Straight on the driver's connection: a PRAGMA is not part of any transaction,
        # and Django's cursor would refuse it inside an outer atomic block marked for
        # rollback, hiding the import's own error.
        if connection.connection is not None:
            connection.connection.execute(f"PRAGMA cache_size = {int(previous)}")


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` primary keys for new rows of `model`, reserved for the caller."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')
        start = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(start, row[0] if row else 0)
        return list(range(start + 1, start + count + 1))


class IdPool:
    """Primary keys for one model's new rows, taken one at a time before the rows are written.

    An import knows each new contact's id as soon as it decides to create it, so its
    matching indexes hold final ids from the start. SQLite: one read of the highest id,
    then a counter; safe because the import's transaction holds the write lock from
    its BEGIN IMMEDIATE to its end, and rows are only written with ids from here.
    PostgreSQL: blocks from the table's sequence, safe beside concurrent inserts; the
    unused end of the last block is a gap, as sequences have anyway.
    """

    def __init__(self, model: type[models.Model], *, block: int) -> None:
        self.model = model
        self.block = block
        self._ids: Iterator[int] = iter(())

    def take(self) -> int:
        try:
            return next(self._ids)
        except StopIteration:
            if connection.vendor == "sqlite":
                self._ids = itertools.count(allocate_ids(self.model, 1)[0])
            else:
                self._ids = iter(allocate_ids(self.model, self.block))
            return next(self._ids)


def adapt_datetime(value):
    return connection.ops.adapt_datetimefield_value(value)


class DriverValues:
    """Values in the form the database driver binds without a detour, for fast_insert.

    sqlite3 binds an exact str, int or None in C; anything else (a TextChoices member,
    a bool, a date) first goes through its adapter lookup, a Python call per value:
    over a microsecond each, several per contact. Dates repeat (a few thousand in
    100,000 rows), so their database form is memoised. psycopg adapts dates and bools
    itself, so on PostgreSQL only str subclasses are made plain.
    """

    def __init__(self) -> None:
        self.sqlite = connection.vendor == "sqlite"
        self._dates: dict = {None: None}

    def date(self, value):
        try:
            return self._dates[value]
        except KeyError:
            adapted = connection.ops.adapt_datefield_value(value) if self.sqlite else value
            self._dates[value] = adapted
            return adapted

    def plain(self, value):
        if isinstance(value, bool):
            return int(value) if self.sqlite else value
        if isinstance(value, str):
            return str.__str__(value)  # the exact str of a TextChoices member
        return value


def fast_insert(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """INSERT `rows` (sequences in the order of `columns`, attnames) into `model`'s table.

    The values go to the driver as they are. Dates need nothing (psycopg adapts them,
    and Django registers sqlite3's date adapter); aware datetimes must be adapted by
    the caller (`adapt_datetime`), once, as they are usually one `now`. To insert with
    known primary keys, take them from `allocate_ids` and put "id" in `columns`.
    """
    if not rows:
        return
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"{_insert_into(model, columns)} VALUES ({placeholders})", rows)


def _insert_into(model: type[models.Model], columns: Sequence[str]) -> str:
    """'INSERT INTO "table" ("col", ...)' for these attnames of `model`."""
    opts = model._meta
    quote = connection.ops.quote_name
    db_columns = ", ".join(quote(opts.get_field(name).column) for name in columns)
    return f"INSERT INTO {quote(opts.db_table)} ({db_columns})"


def _json_insert_sql(model: type[models.Model], columns: Sequence[str]) -> str:
    """The INSERT of a JSON array of rows (each an array in the order of `columns`)."""
    values = ", ".join(f"value ->> {i}" for i in range(len(columns)))
    return f"{_insert_into(model, columns)} SELECT {values} FROM json_each(?)"


class BackgroundInserts:
    """INSERTs written by a second thread while the import goes on reading the file.

    SQLite releases the GIL while it executes a statement, so a whole chunk sent as one
    JSON document (`INSERT ... SELECT ... FROM json_each(?)`: one statement, one step)
    is written on the other core while this thread parses the next chunk. Row by row
    (executemany) would not overlap: each row takes the GIL back.

    The rule that keeps it safe: the writer only runs while the importer reads. Every
    write of the importer's own (and the end of the transaction) comes after `drain()`,
    so no two statements write at once, and no ORM insert can read the writer's row as
    its lastrowid. `close()` (also on errors) waits for the writer before the
    transaction ends. Elsewhere (PostgreSQL, SQLite before 3.38), `submit` inserts at once.
    """

    def __init__(self) -> None:
        # The ->> operator came with SQLite 3.38 (2022); an older library inserts at once.
        self.threaded = connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 38)
        self._jobs: queue.Queue = queue.Queue()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def submit(self, model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence]) -> None:
        """Insert `rows` (JSON-ready: int, str, None) now or on the writer thread."""
        if not rows:
            return
        if not self.threaded:
            fast_insert(model, columns, rows)
            return
        self._raise_error()
        if self._thread is None:
            connection.ensure_connection()
            raw = connection.connection  # Django opens SQLite with check_same_thread=False
            self._thread = threading.Thread(target=self._work, args=(raw,), name="import-writer", daemon=True)
            self._thread.start()
        self._jobs.put((_json_insert_sql(model, columns), json.dumps(rows)))

    def drain(self) -> None:
        """Wait until everything submitted is written; raise the writer's error if any."""
        if self._thread is not None:
            self._jobs.join()
        self._raise_error()

    def close(self, *, quietly: bool = False) -> None:
        """Stop the writer after what was submitted; raise its error unless `quietly`."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None
        if quietly:
            self._error = None
        self._raise_error()

    def _raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            with connection.wrap_database_errors:  # sqlite3.IntegrityError → Django's, as elsewhere
                raise error

    def _work(self, raw) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                if self._error is None:  # after a failure the rest is skipped: the import rolls back
                    sql, document = job
                    raw.execute(sql, (document,))
            except Exception as exc:  # noqa: BLE001 - handed over, raised in the importer's thread
                self._error = exc
            finally:
                self._jobs.task_done()
        self._jobs.task_done()
