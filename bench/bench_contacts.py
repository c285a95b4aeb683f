"""Contacts benchmark: 10,000 contacts and 100,000 interactions for one user.

The account is the demo network at that size (contacts/demo.py): warmth and
reconnect rank computed, the reminder job run, so the user has the backlog of
reminders users live in (overdue check-ins, today's events and follow-ups, today's
focus picked) and the dormant ties of the reconnect list.

Measures, with Django's test Client (force_login, the whole request cycle:
middleware, session, view, template), the median wall time of 15 requests after
2 warm-ups, and the SQL query count of: the contacts list, a search, a deep page,
the list by warmth, a contact page with thousands of interactions, the dashboard
(today's focus, reconnect, the week) and /reconnect/. The machine's load average
is printed with the figures: on a busy shared box the wall time includes waiting
for a CPU.
"""

import os
import statistics
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

CONTACTS = 10_000
INTERACTIONS = 100_000
HUB_INTERACTIONS = 3_000  # one contact met every few days for years
RUNS = 15
TARGET_MS = 50.0


def _seed():
    from contacts.demo import DEMO_TIMEZONE, demo_network_create
    from contacts.models import Contact, Interaction

    started = time.perf_counter()
    today = timezone.localdate(timezone=ZoneInfo(DEMO_TIMEZONE))  # the user's today, as the pages see it
    result = demo_network_create(
        username="bench",
        contacts=CONTACTS,
        interactions=INTERACTIONS - HUB_INTERACTIONS,
        seed=1,
        today=today,
        batch_size=5000,
    )
    user = result.user
    hub = Contact.objects.filter(owner=user).order_by("id").first()
    rows = Interaction.objects.bulk_create(
        [
            Interaction(
                owner=user, occurred_on=today - timedelta(days=n % 2000), kind="call", summary=f"Call {n}"
            )
            for n in range(HUB_INTERACTIONS)
        ],
        batch_size=5000,
    )
    through = Interaction.contacts.through
    through.objects.bulk_create(
        [through(interaction_id=i.pk, contact_id=hub.pk) for i in rows], batch_size=5000
    )
    from reminders import services as reminder_services

    reminder_services.contacts_schedule_refresh(contact_ids=[hub.pk])
    return user, hub, time.perf_counter() - started


def settle() -> None:
    """After a bulk load on PostgreSQL, what autovacuum does in production (its insert
    threshold, PostgreSQL 13+): VACUUM ANALYZE, so the planner has statistics (without them
    it takes 100,000 interactions for 31 and nests loops over them) and the visibility map
    lets covering indexes be read without the rows. (Autovacuum is off on this machine's
    server.) Nothing on SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def _measure(client: Client, url: str) -> tuple[float, float, int]:
    """(median wall ms, median CPU ms of this process, query count) for GET url."""
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    wall, cpu = [], []
    for _ in range(RUNS):
        started, cpu_started = time.perf_counter(), time.process_time()
        client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return statistics.median(wall), statistics.median(cpu), len(ctx.captured_queries)


def run() -> list[dict]:
    # Not setup_test_environment(): it instruments template rendering so the test
    # Client can keep copies of every context, which a real server never pays for.
    hosts = override_settings(ALLOWED_HOSTS=["testserver"])
    hosts.enable()
    try:
        user, hub, seed_seconds = _seed()
        settle()
        from contacts.models import Contact, Interaction
        from contacts.selectors import dormant_queryset
        from reminders.models import Reminder

        n_contacts = Contact.objects.filter(owner=user).count()
        n_interactions = Interaction.objects.filter(owner=user).count()
        today = timezone.localdate(timezone=ZoneInfo(user.profile.timezone))
        n_active = Reminder.objects.active(today).filter(owner=user).count()
        n_focus = Reminder.objects.filter(owner=user, focus_on=today).count()
        n_dormant = dormant_queryset(owner=user, today=today).count()
        client = Client()
        client.force_login(user)
        pages = [
            ("contacts list /contacts/", "/contacts/"),
            ("contacts search ?q=london&sort=-last", "/contacts/?q=london&sort=-last"),
            ("contacts list page 150, filtered by tag", "/contacts/?page=150&tag=1&sort=company"),
            (f"contact page ({HUB_INTERACTIONS:,} interactions)", f"/contacts/{hub.pk}/"),
            ("contacts by warmth ?sort=-warmth", "/contacts/?sort=-warmth"),
            ("contacts in one band ?warmth=cold", "/contacts/?warmth=cold"),
            ("dashboard / (focus + reconnect + week)", "/"),
            ("reconnect /reconnect/", "/reconnect/"),
        ]
        rows = [
            {
                "benchmark": f"contacts: seed {n_contacts:,} contacts + {n_interactions:,} interactions",
                "value": (
                    f"{seed_seconds:.1f} s (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs); "
                    f"{n_active:,} active reminders, {n_focus} in today's focus, {n_dormant:,} dormant ties"
                ),
                "target": "(setup)",
                "ok": True,
            }
        ]
        for label, url in pages:
            median_ms, cpu_ms, queries = _measure(client, url)
            rows.append(
                {
                    "benchmark": f"{label}: median of {RUNS}",
                    "value": f"{median_ms:.1f} ms (CPU {cpu_ms:.1f} ms), {queries} queries",
                    "target": f"≤ {TARGET_MS:.0f} ms",
                    "ok": median_ms <= TARGET_MS,
                }
            )
        return rows
    finally:
        hosts.disable()


if __name__ == "__main__":  # pragma: no cover - use `python -m bench.run contacts`
    raise SystemExit("run: .venv/bin/python -m bench.run contacts")
