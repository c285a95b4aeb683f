"""The check-ins the reminder job still has to raise (`PendingCheckIn`).

The schedule writes them: a contact's check-in is pending from its `next_check_in` when
that date is set or moves (`pending_follow`: the schedule refresh, an import's new
contacts), so a pending date is always the contact's `next_check_in`. The job reads the
pending ones whose date has come (`due_pending`, on the (owner, due_on) index) and
settles them once raised, or once it found one open already (`pending_settle`): a
backlog of open check-ins is never read again.

Statements on many ids send them as one array on PostgreSQL (`= ANY(%s)`): a list of
2,000 placeholders costs more to build and parse than the statement costs to run.
"""

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from django.db import connection
from django.db.models import Q

from contacts.models import Contact

from .models import PendingCheckIn, each_day_q

CHUNK = 2000  # ids per statement


class Due(NamedTuple):
    """A pending check-in whose date has come."""

    contact_id: int
    owner_id: int
    due_on: date
    archived: bool  # its contact's: settled, never raised


def _among(column: str, ids: list[int]) -> tuple[str, list]:
    """`column` among `ids`, as SQL and its parameters."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [ids]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", ids


def pending_follow(contact_ids: Sequence[int]) -> None:
    """These contacts' `next_check_in` was just written (moved, or a new contact's first):
    their pending check-in is now that date, or none when they have none (archived, never)."""
    pending = connection.ops.quote_name(PendingCheckIn._meta.db_table)
    contacts = connection.ops.quote_name(Contact._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(contact_ids), CHUNK):
            chunk = list(contact_ids[start : start + CHUNK])
            among, params = _among("contact_id", chunk)
            cursor.execute(f"DELETE FROM {pending} WHERE {among}", params)
            among, params = _among("id", chunk)
            cursor.execute(
                f"INSERT INTO {pending} (contact_id, owner_id, due_on) "
                f"SELECT id, owner_id, next_check_in FROM {contacts} "
                f"WHERE {among} AND next_check_in IS NOT NULL",
                params,
            )


def due_pending(users_today: dict[int, date]):
    """These users' pending check-ins whose date has come on their own local today (the
    (owner, due_on) index, one range per distinct today), as `Due` values."""
    return (
        PendingCheckIn.objects.filter(each_day_q(users_today, lambda day: Q(due_on__lte=day)))
        .order_by()
        .values_list("contact_id", "owner_id", "due_on", "contact__archived")
    )


def pending_due(users_today: dict[int, date]) -> list[Due]:
    """`due_pending`, by contact id."""
    if not users_today:
        return []
    return sorted(Due(*row) for row in due_pending(users_today))


def pending_settle(contact_ids: Sequence[int], *, until: date) -> None:
    """These contacts' pending check-ins (dated `until` or earlier) were raised or found open:
    done. A date a concurrent change moved past `until` stays pending."""
    pending = connection.ops.quote_name(PendingCheckIn._meta.db_table)
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        for start in range(0, len(contact_ids), CHUNK):
            among, params = _among("contact_id", list(contact_ids[start : start + CHUNK]))
            cursor.execute(f"DELETE FROM {pending} WHERE {among} AND due_on <= %s", [*params, adapt(until)])
