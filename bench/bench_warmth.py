"""Warmth refresh of 100,000 contacts (the focus/warmth issue): `contacts_schedule_refresh`.

Run alone: `.venv/bin/python -m bench.run warmth`. The 100 users × 1,000 contacts of
bench_reminders, with 2,000 interactions per user (200,000; two per contact) and the
signals the warmth and the reconnect rank read: exchanges (25 % gave, 10 % asked, 15 %
mutual), LinkedIn "Connected on" rows (5 %), introducers (5 % of contacts) and a past
company on every profile (a quarter of the contacts are there), so every query of the refresh runs as it does for users.

The refresh recomputes each contact's next check-in, warmth and reconnect rank and
writes the rows that changed. Measured: the first computation (every row written, as
after an import), then the daily case, the median of RUNS refreshes on successive
days (recency decays every day, so most rows change), and a same-day re-run (nothing
to write: the reading and the rules alone).
"""

import statistics
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

from . import bench_reminders
from .bench_reminders import TODAY, _seed

INTERACTIONS_PER_USER = 2000
RUNS = 3
TARGET_S = 5.0


def _signals() -> None:
    """Exchanges, connections, introducers and past companies, set by id so the data is
    the same on every run (a few set-based UPDATEs)."""
    from django.db import connection

    from contacts.models import CONNECTED_SUMMARY, Contact, Interaction
    from crm.models import Profile

    interactions = connection.ops.quote_name(Interaction._meta.db_table)
    contacts = connection.ops.quote_name(Contact._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {interactions} SET exchange = CASE "
            "WHEN id % 20 < 5 THEN 'gave' WHEN id % 20 < 7 THEN 'asked' WHEN id % 20 < 10 THEN 'mutual' "
            "ELSE NULL END"
        )
        cursor.execute(
            f"UPDATE {interactions} SET summary = %s, kind = 'other', exchange = NULL WHERE id %% 20 = 19",
            [CONNECTED_SUMMARY],
        )
        cursor.execute(
            f"UPDATE {contacts} SET introduced_by_id = (SELECT o.id FROM {contacts} o "
            f"WHERE o.id = {contacts}.id - 7 AND o.owner_id = {contacts}.owner_id) WHERE id % 20 = 0"
        )
    Profile.objects.update(past_companies="Acme")  # a quarter of the contacts work there


def _refresh(ids: list[int], day: int) -> float:
    from reminders import services

    now = datetime.combine(TODAY + timedelta(days=day), clock_time(12), tzinfo=UTC)
    started = time.perf_counter()
    services.contacts_schedule_refresh(contact_ids=ids, now=now)
    return time.perf_counter() - started


def _state() -> dict[int, tuple]:
    from contacts.models import Contact

    return {
        pk: rest
        for pk, *rest in Contact.objects.values_list("id", "warmth", "next_check_in", "reconnect_score")
    }


def run() -> list[dict]:
    from contacts.models import Contact, Interaction

    started = time.perf_counter()
    total = _seed(interactions_per_user=INTERACTIONS_PER_USER)
    _signals()
    seeded_in = time.perf_counter() - started
    interactions = Interaction.objects.count()
    ids = list(Contact.objects.values_list("pk", flat=True))
    first_s = _refresh(ids, 0)
    before = _state()
    daily = [_refresh(ids, 1)]
    changed = sum(1 for pk, values in _state().items() if before.get(pk) != values)
    daily += [_refresh(ids, day) for day in range(2, RUNS + 1)]
    again_s = _refresh(ids, RUNS)
    median_s = statistics.median(daily)
    runs = ", ".join(f"{s:.2f}" for s in daily)
    note = f"{total:,} contacts / {bench_reminders.USERS} users, {interactions:,} interactions, seeded in {seeded_in:.1f} s"
    return [
        {
            "benchmark": f"warmth refresh of {total:,} contacts, first computation (every row written; {note})",
            "value": f"{first_s:.2f} s",
            "target": "(as after an import)",
            "ok": True,
        },
        {
            "benchmark": (
                f"warmth refresh of {total:,} contacts, a day later: median of {RUNS} successive days "
                f"({changed:,} rows changed the first day)"
            ),
            "value": f"{median_s:.2f} s (runs {runs})",
            "target": f"≤ {TARGET_S:.0f} s",
            "ok": median_s <= TARGET_S,
        },
        {
            "benchmark": f"warmth refresh of {total:,} contacts, same-day re-run (nothing to write)",
            "value": f"{again_s:.2f} s",
            "target": "(profile)",
            "ok": True,
        },
    ]


if __name__ == "__main__":  # pragma: no cover - use `python -m bench.run warmth`
    raise SystemExit("run: .venv/bin/python -m bench.run warmth")
