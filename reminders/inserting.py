"""Writing the reminders a run raises: INSERT … ON CONFLICT DO NOTHING, the row count exact.

The unique (contact, kind, due_on) constraint makes a row that exists already (an earlier
run, or a concurrent one) a no-op, and the count is of the rows this call inserted, so a
run's `created=N` stays exact under concurrency.

- `insert_plain`: one parameterised INSERT sent by executemany (both databases).
- PostgreSQL: the rows are COPYed into a temporary table and go into the reminders table
  in one INSERT … SELECT, in their order (`insert_staged`). A first run over a backlog
  raises tens of thousands at once: executemany sends each as its own statement
  (82,621 rows: 4.5 s of a 17 s run on the benchmark machine). `test_inserting.py` proves
  both give the same rows and counts.
"""

from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple

from django.db import connection, transaction

from contacts.importing.fastinsert import copy_from_stdin

from .models import Reminder, ReminderStatus

BATCH_SIZE = 2000  # rows per executemany
COLUMNS = ("owner_id", "contact_id", "kind", "due_on", "status", "detail", "interaction_id", "created_at")
_STAGE = "reminder_stage"


class NewReminder(NamedTuple):
    """A reminder to raise (a plain tuple: building 100k model instances costs seconds)."""

    owner_id: int
    contact_id: int
    kind: str
    due_on: date
    detail: str = ""
    interaction_id: int | None = None


def reminders_insert(new: Sequence[NewReminder], *, now: datetime) -> int:
    """Insert these reminders (created at `now`) unless they exist; returns how many were new."""
    if not new:
        return 0
    if connection.vendor == "postgresql":
        return insert_staged(new, now=now)
    return insert_plain(new, now=now)


def _rows(new: Sequence[NewReminder], now: datetime) -> list[tuple]:
    adapt_date = connection.ops.adapt_datefield_value
    created_at = connection.ops.adapt_datetimefield_value(now)
    status = ReminderStatus.OPEN.value
    return [
        (
            r.owner_id,
            r.contact_id,
            r.kind,
            adapt_date(r.due_on),
            status,
            r.detail[:255],
            r.interaction_id,
            created_at,
        )
        for r in new
    ]


def insert_plain(new: Sequence[NewReminder], *, now: datetime) -> int:
    table = connection.ops.quote_name(Reminder._meta.db_table)
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({placeholders}) ON CONFLICT DO NOTHING"
    rows = _rows(new, now)
    inserted = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            cursor.executemany(sql, rows[start : start + BATCH_SIZE])
            inserted += max(cursor.rowcount, 0)
    return inserted


def insert_staged(new: Sequence[NewReminder], *, now: datetime) -> int:
    """PostgreSQL: COPY into a temporary table (dropped at commit), then one INSERT … SELECT."""
    table = connection.ops.quote_name(Reminder._meta.db_table)
    columns = ", ".join(COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_STAGE} ON COMMIT DROP AS "
            f"SELECT {columns}, 0::bigint AS n FROM {table} WITH NO DATA"
        )
        copy_from_stdin(
            f"COPY {_STAGE} ({columns}, n) FROM STDIN",
            [(*row, n) for n, row in enumerate(_rows(new, now))],
        )
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {_STAGE} ORDER BY n ON CONFLICT DO NOTHING"
        )
        inserted = max(cursor.rowcount, 0)
        cursor.execute(f"DROP TABLE {_STAGE}")
    return inserted
