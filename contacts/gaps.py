"""Long silences with a contact (`InteractionGap`), stored so the goals need not read
every interaction to count reconnects.

A talk is a reconnect when the contact's previous interaction lies at least
`Profile.dormant_months` calendar months before it, or, for the first talk, when the
contact was added that long before (goals.rules.is_reconnect). No calendar month is
shorter than 28 days, so at the shortest setting allowed (crm.models.DORMANT_MONTHS_MIN)
such a silence lasts at least 28 × 3 days, less one for a first talk: the day the
contact was added is its local day, stored here as the UTC date of `created_at`, which
differs by a day at most. Keeping every silence at least MIN_SILENCE_DAYS long keeps
every reconnect of every setting; the goals decide each one exactly.

Written where `Contact.last_interaction_on` is (reminders.services.contacts_schedule_refresh,
after any change to a contact's interactions or creation time), and for new contacts by
the import when their only interaction is that far after their creation (never in
practice: a "Connected on" date lies in the past). The silences are a function of the
interaction days and the creation time alone, so they are recomputed from those and
only the rows that differ are deleted or inserted.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from itertools import pairwise

from django.db import connection, transaction
from django.db.models import Q

from crm.models import DORMANT_MONTHS_MIN

from .models import Interaction, InteractionGap

MIN_SILENCE_DAYS = 28 * DORMANT_MONTHS_MIN - 1
Through = Interaction.contacts.through


def added_day(created_at: datetime) -> date:
    """The day a contact was added, as stored with its first talk's silence (UTC)."""
    return created_at.astimezone(UTC).date()


def silences(days: Iterable[date], *, added_on: date) -> list[tuple[date, date | None, int]]:
    """(day, previous day or None for the first, days of silence) of each talk after at
    least MIN_SILENCE_DAYS without one; a first talk's silence counts from `added_on`."""
    ordered = sorted(set(days))
    found = []
    if ordered and (ordered[0] - added_on).days >= MIN_SILENCE_DAYS:
        found.append((ordered[0], None, (ordered[0] - added_on).days))
    for previous, day in pairwise(ordered):
        if (day - previous).days >= MIN_SILENCE_DAYS:
            found.append((day, previous, (day - previous).days))
    return found


def gaps_refresh(contacts: dict[int, tuple[int, datetime]], *, where: Q | None = None) -> None:
    """Make the stored silences of these contacts ({contact id: (owner id, created_at)})
    match their interactions.

    `where`: a filter on `contact_id` that selects at least these contacts (a range for
    a dense chunk); rows of other contacts it selects are left alone. Two reads, and
    a delete and an insert of what changed.
    """
    if not contacts:
        return
    where = where if where is not None else Q(contact_id__in=sorted(contacts))
    days: dict[int, list[date]] = defaultdict(list)
    for contact_id, day in Through.objects.filter(where).values_list(
        "contact_id", "interaction__occurred_on"
    ):
        if contact_id in contacts:
            days[contact_id].append(day)
    wanted = {
        (contact_id, day, previous, silence, None if previous else contacts[contact_id][1])
        for contact_id, its_days in days.items()
        for day, previous, silence in silences(its_days, added_on=added_day(contacts[contact_id][1]))
    }
    stored = {
        row[1:]: row[0]
        for row in InteractionGap.objects.filter(where).values_list(
            "pk", "contact_id", "day", "previous_on", "silence_days", "added_at"
        )
        if row[1] in contacts
    }
    stale = [pk for key, pk in stored.items() if key not in wanted]
    new = sorted((key for key in wanted if key not in stored), key=lambda key: (key[0], key[1]))
    if not stale and not new:
        return
    with transaction.atomic():
        if stale:
            InteractionGap.objects.filter(pk__in=stale).delete()
        _insert(
            [
                (contacts[contact_id][0], contact_id, day, previous, silence, added_at)
                for contact_id, day, previous, silence, added_at in new
            ]
        )


def _insert(rows: list[tuple]) -> None:
    """Insert (owner id, contact id, day, previous day, silence, added at) rows: one
    executemany of a plain INSERT, not model instances (bulk_create spent 15 of 18 s
    building and compiling 122,000 of them); a row a concurrent refresh of the same
    contact wrote already is skipped."""
    if not rows:
        return
    ops = connection.ops
    table = ops.quote_name(InteractionGap._meta.db_table)
    columns = "owner_id, contact_id, day, previous_on, silence_days, added_at"
    if connection.vendor == "sqlite":
        sql = f"INSERT OR IGNORE INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)"
    else:
        sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
    day, moment = ops.adapt_datefield_value, ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                (owner_id, contact_id, day(on), day(previous), silence, moment(added_at))
                for owner_id, contact_id, on, previous, silence, added_at in rows
            ],
        )
