"""Goals benchmark (#15): `/goals/` and the dashboard's goal bars at 10,000 contacts and
100,000 interactions, with five goals set a year ago (a year of history each).

Run alone: `.venv/bin/python -m bench.run goals`. The account is the contacts
benchmark's (the demo network at that size, contacts/demo.py), with the five goals the
suggestions and the form make: 3 informational interviews a month, 1 coffee a week,
1 reconnect a week, 2 new people at each event (monthly), 4 new people a month. So
every measure is read: interactions by kind, events, added contacts, first interactions,
reconnects (each contact's history).

Measures, with Django's test Client (the whole request cycle), the median wall time
of RUNS requests after 2 warm-ups and the query count, of `/goals/` and of the
selector alone for the dashboard's current periods; and the query counts of `/goals/`
against a tenth of the network, which must be the same. On PostgreSQL the tables are
VACUUM ANALYZEd after the bulk load, as autovacuum would (bench_contacts.settle).
"""

import os
import statistics
import time
from datetime import date
from zoneinfo import ZoneInfo

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from .bench_contacts import _measure, settle

RUNS = 15
TARGET_MS = 50.0
GOALS = (
    ("interactions", "informational_interview", 3, "month", False),
    ("interactions", "coffee", 1, "week", False),
    ("reconnects", "", 1, "week", False),
    ("event_newcomers", "", 2, "month", True),
    ("new_contacts", "", 4, "month", False),
)


def _goals(user, today: date) -> None:
    from goals.models import Goal

    created_on = today.replace(year=today.year - 1)
    # The demo network sets three goals of its own four months ago: replace them, so the
    # account has exactly these five with a year of history each.
    Goal.objects.filter(owner=user).delete()
    Goal.objects.bulk_create(
        Goal(owner=user, measure=m, kind=k, target=t, period=p, per_event=e, created_on=created_on)
        for m, k, t, p, e in GOALS
    )


def _selector(user, today: date, *, history: bool) -> tuple[float, int]:
    from goals import selectors

    user.profile  # noqa: B018 - loaded by the request's middleware in real use
    wall = []
    for _ in range(RUNS):
        started = time.perf_counter()
        selectors.goal_progress_list(owner=user, today=today, history=history)
        wall.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        selectors.goal_progress_list(owner=user, today=today, history=history)
    return statistics.median(wall), len(ctx.captured_queries)


def _small_account_queries() -> int:
    """/goals/ queries for the same goals on a network a tenth the size."""
    from contacts.demo import DEMO_TIMEZONE, demo_network_create

    today = timezone.localdate(timezone=ZoneInfo(DEMO_TIMEZONE))
    small = demo_network_create(
        username="bench-small", contacts=1000, interactions=10_000, seed=2, today=today, batch_size=5000
    ).user
    _goals(small, today)
    settle()
    client = Client()
    client.force_login(small)
    return _measure(client, "/goals/")[2]


def run() -> list[dict]:
    hosts = override_settings(ALLOWED_HOSTS=["testserver"])
    hosts.enable()
    try:
        from .bench_contacts import _seed

        user, _hub, seed_seconds = _seed()
        today = timezone.localdate(timezone=ZoneInfo(user.profile.timezone))
        _goals(user, today)
        settle()
        from contacts.models import Contact, Interaction

        n_contacts = Contact.objects.filter(owner=user).count()
        n_interactions = Interaction.objects.filter(owner=user).count()
        client = Client()
        client.force_login(user)
        page_ms, page_cpu, page_queries = _measure(client, "/goals/")
        history_ms, history_queries = _selector(user, today, history=True)
        current_ms, current_queries = _selector(user, today, history=False)
        small_queries = _small_account_queries()
        load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        return [
            {
                "benchmark": f"goals: seed {n_contacts:,} contacts + {n_interactions:,} interactions, {len(GOALS)} goals",
                "value": f"{seed_seconds:.1f} s ({load})",
                "target": "(setup)",
                "ok": True,
            },
            {
                "benchmark": f"goals page /goals/ ({len(GOALS)} goals, a year of history): median of {RUNS}",
                "value": f"{page_ms:.1f} ms (CPU {page_cpu:.1f} ms), {page_queries} queries",
                "target": f"≤ {TARGET_MS:.0f} ms",
                "ok": page_ms <= TARGET_MS,
            },
            {
                "benchmark": "goals: progress and history alone (goal_progress_list)",
                "value": f"{history_ms:.1f} ms, {history_queries} queries",
                "target": "(part of the page)",
                "ok": True,
            },
            {
                "benchmark": "goals: the dashboard's bars (current periods only)",
                "value": f"{current_ms:.1f} ms, {current_queries} queries",
                "target": "(part of the dashboard)",
                "ok": True,
            },
            {
                "benchmark": "goals: /goals/ queries at 1,000 vs 10,000 contacts",
                "value": f"{small_queries} vs {page_queries}",
                "target": "the same",
                "ok": small_queries == page_queries,
            },
        ]
    finally:
        hosts.disable()


if __name__ == "__main__":  # pragma: no cover - use `python -m bench.run goals`
    raise SystemExit("run: .venv/bin/python -m bench.run goals")
