"""Duplicates benchmark: finding likely pairs among 10,000 contacts of one user.

The account is the demo network at 10,000 contacts (contacts/demo.py: 80 first names
× 58 surnames, so there are many people with the same name and buckets of ~170
people per surname, the realistic worst case below BUCKET_LIMIT), plus 100 planted
near-duplicates at one company ("Grace Okafor-Bello" / "Grace Okafor", "Jon Smith" /
"Jonathan Smith" and the like) that must be found.

Measures the median wall time of `duplicate_pairs_for_owner` (5 runs after a warm-up)
and of the /contacts/duplicates/ page (the whole request cycle), with its query count.

Run alone: `.venv/bin/python -m bench.run duplicates` (or add it to bench.run.AREAS).
"""

import os
import random
import statistics
import string
import sys
import time
from zoneinfo import ZoneInfo

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

CONTACTS = 10_000
INTERACTIONS = 20_000
PLANTED = 50  # pairs of each kind
PLANTED_TITLE = "Planted"
RUNS = 5
TARGET_MS = 1000.0


def _seed():
    from contacts.demo import DEMO_TIMEZONE, demo_network_create
    from contacts.models import Contact

    started = time.perf_counter()
    today = timezone.localdate(timezone=ZoneInfo(DEMO_TIMEZONE))
    result = demo_network_create(
        username="bench", contacts=CONTACTS, interactions=INTERACTIONS, seed=1, today=today, batch_size=5000
    )
    user = result.user
    rng = random.Random(2)

    def word(length: int) -> str:  # made-up names: no two alike by chance
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(length)).title()

    planted = []
    for _ in range(PLANTED):
        surname, second, other, company = word(7), word(7), word(7), f"{word(6)} {word(5)}"
        for first, last in (
            ("Grace", f"{surname}-{second}"),  # "Grace Okafor-Bello" / "Grace Okafor"
            ("Grace", surname),
            ("Jonathan", other),  # "Jonathan Smith" / "Jon Smith"
            ("Jon", other),
        ):
            planted.append(
                Contact(owner=user, first_name=first, last_name=last, company=company, title=PLANTED_TITLE)
            )
    Contact.objects.bulk_create(planted, batch_size=5000)
    return user, time.perf_counter() - started


def run() -> list[dict]:
    hosts = override_settings(ALLOWED_HOSTS=["testserver"])
    hosts.enable()
    try:
        user, seed_seconds = _seed()
        print(f"seeded in {seed_seconds:.1f} s", file=sys.stderr)
        from contacts.duplicates import duplicate_pairs_for_owner
        from contacts.models import Contact

        n_contacts = Contact.objects.filter(owner=user).count()
        pairs = duplicate_pairs_for_owner(owner=user, limit=100_000)
        planted = sum(
            1
            for p in pairs
            if p.first["title"] == p.second["title"] == PLANTED_TITLE
            and p.first["company"] == p.second["company"]
        )
        duplicate_pairs_for_owner(owner=user)
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            duplicate_pairs_for_owner(owner=user)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as ctx:
            duplicate_pairs_for_owner(owner=user)
        find_ms, find_queries = statistics.median(times), len(ctx.captured_queries)

        client = Client()
        client.force_login(user)
        assert client.get("/contacts/duplicates/").status_code == 200
        page = []
        for _ in range(RUNS):
            started = time.perf_counter()
            client.get("/contacts/duplicates/")
            page.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as ctx:
            client.get("/contacts/duplicates/")
        page_ms, page_queries = statistics.median(page), len(ctx.captured_queries)
        return [
            {
                "benchmark": f"duplicates: seed {n_contacts:,} contacts",
                "value": f"{seed_seconds:.1f} s (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)",
                "target": "(setup)",
                "ok": True,
            },
            {
                "benchmark": f"duplicates: find pairs among {n_contacts:,} contacts, median of {RUNS}",
                "value": (
                    f"{find_ms:.0f} ms, {find_queries} queries; {len(pairs):,} pairs, "
                    f"{planted} of {2 * PLANTED} planted near-duplicates found"
                ),
                "target": f"≤ {TARGET_MS:.0f} ms",
                "ok": find_ms <= TARGET_MS,
            },
            {
                "benchmark": f"duplicates page /contacts/duplicates/, median of {RUNS}",
                "value": f"{page_ms:.0f} ms, {page_queries} queries",
                "target": f"≤ {TARGET_MS:.0f} ms",
                "ok": page_ms <= TARGET_MS,
            },
        ]
    finally:
        hosts.disable()


if __name__ == "__main__":  # pragma: no cover - use `python -m bench.run duplicates`
    raise SystemExit("run: .venv/bin/python -m bench.run duplicates")
