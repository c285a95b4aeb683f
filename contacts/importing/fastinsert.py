"""Insert many rows in one statement per table, primary keys allocated up front.

Django's bulk_create spends ~40 µs per Contact building and preparing 26 fields,
and on SQLite splits inserts into batches of 999 parameters: a 100,000-row import
then spends 15 s in inserts alone. Here a chunk is one statement of plain tuples:
on SQLite an `executemany`; on PostgreSQL a `COPY ... FROM STDIN` (psycopg 3's
`Cursor.copy`, text format), which streams the rows in one command instead of one
INSERT per row: 100,000 new contacts took 8.4 s as an executemany there (psycopg
sends each row as its own statement), 2.0 s as COPY (measured on a shared machine).
Both run inside the caller's transaction (the import's atomic block), so an error
rolls the whole import back either way.

Primary keys: PostgreSQL hands out a block from the table's sequence (`nextval`
over generate_series), so concurrent inserts elsewhere are safe. SQLite takes
max(MAX(id), sqlite_sequence) + 1...: safe because the import's transaction began
IMMEDIATE (crm/settings.py), so it holds the database's write lock and nobody else
can insert in between. Other backends are not supported by the project.
"""

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext

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
            # The sequence's name looked up once: pg_get_serial_sequence in the select list
            # runs for every row (a catalog lookup each): 34 ms for a 2,000-id block, 2.5 ms without.
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
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
    On PostgreSQL the rows go through COPY (text format: psycopg writes each value
    with its type's text form and escapes tabs, newlines and backslashes), so values
    must be of the types psycopg dumps: str, int, bool, date, aware datetime, None.
    """
    if not rows:
        return
    if connection.vendor == "postgresql":
        _copy(model, columns, rows)
        return
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"{_insert_into(model, columns)} VALUES ({placeholders})", rows)


def _copy(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """`COPY table (columns) FROM STDIN` of `rows`, on the connection's current transaction.

    It runs through Django's execute wrappers (`connection.execute_wrapper`), error
    translation (psycopg's errors become django.db's) and, when queries are logged,
    the query log (one entry, as an executemany has), so it is seen like any statement.
    """
    copy_from_stdin(f"COPY {_table_columns(model, columns)} FROM STDIN", rows)


def copy_from_stdin(sql: str, rows: Sequence[Sequence]) -> None:
    """Run `sql` (a `COPY ... FROM STDIN`) with `rows` as its data, as `_copy` describes."""
    with connection.cursor() as cursor:
        debug_sql = getattr(cursor, "debug_sql", None)  # CursorDebugWrapper: the query log
        with debug_sql(sql, rows, many=True) if debug_sql else nullcontext():
            # Django's own path for execute/executemany (private, stable since 2.0).
            cursor._execute_with_wrappers(sql, rows, many=True, executor=_copy_rows)


def _copy_rows(sql: str, rows: Sequence[Sequence], _many: bool, context: dict) -> None:
    """The executor of `_copy`: the rows written through psycopg's COPY (it formats each row in C)."""
    connection.validate_no_broken_transaction()
    with connection.wrap_database_errors, context["cursor"].cursor.copy(sql) as copy:
        write_row = copy.write_row
        for row in rows:
            write_row(row)


def _insert_into(model: type[models.Model], columns: Sequence[str]) -> str:
    """'INSERT INTO "table" ("col", ...)' for these attnames of `model`."""
    return f"INSERT INTO {_table_columns(model, columns)}"


def _table_columns(model: type[models.Model], columns: Sequence[str]) -> str:
    """'"table" ("col", ...)' for these attnames of `model`."""
    opts = model._meta
    quote = connection.ops.quote_name
    db_columns = ", ".join(quote(opts.get_field(name).column) for name in columns)
    return f"{quote(opts.db_table)} ({db_columns})"
