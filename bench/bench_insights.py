"""Insights benchmark (issue #15): /insights/data.json at 10,000 contacts / 100,000 interactions.

Run alone: `.venv/bin/python -m bench.run insights`. The account is the demo network at
that size (contacts/demo.py, as bench_contacts seeds it: industries, companies, tags
with cadences, exchanges, warmth computed), plus 500 open offers (give before you ask)
so every part of "Who can I help this week?" reads rows.

Measures with Django's test Client (force_login, the whole request cycle) the median
wall time of RUNS requests after 2 warm-ups and the SQL query count, of the JSON and of
the page (which renders the same numbers as tables). The query count is the same at
any size (insights/tests/test_selectors.py pins it at two sizes). On PostgreSQL the
tables are VACUUM ANALYZEd after the bulk load, as autovacuum would (bench_contacts.settle).
"""

import os
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from .bench_contacts import _measure, settle

CONTACTS = 10_000
INTERACTIONS = 100_000
OFFERS = 500
RUNS = 15
TARGET_MS = 100.0


def _seed():
    from contacts.demo import DEMO_TIMEZONE, demo_network_create
    from contacts.models import Contact, Offer

    started = time.perf_counter()
    today = timezone.localdate(timezone=ZoneInfo(DEMO_TIMEZONE))
    result = demo_network_create(
        username="bench", contacts=CONTACTS, interactions=INTERACTIONS, seed=1, today=today, batch_size=5000
    )
    user = result.user
    ids = list(
        Contact.objects.filter(owner=user).order_by("id").values_list("id", flat=True)[: OFFERS * 3 : 3]
    )
    Offer.objects.bulk_create(
        [
            Offer(
                owner=user,
                contact_id=pk,
                text=f"An intro for them ({n})",
                created_on=today - timedelta(days=n % 60),
            )
            for n, pk in enumerate(ids)
        ]
    )
    return user, time.perf_counter() - started


def run() -> list[dict]:
    hosts = override_settings(ALLOWED_HOSTS=["testserver"])
    hosts.enable()
    try:
        user, seed_seconds = _seed()
        settle()
        from contacts.models import Contact, Interaction

        n_contacts = Contact.objects.filter(owner=user).count()
        n_interactions = Interaction.objects.filter(owner=user).count()
        client = Client()
        client.force_login(user)
        data = client.get("/insights/data.json").json()
        layers = ", ".join(f"{layer['label']} {layer['count']}" for layer in data["circles"]["layers"])
        rows = [
            {
                "benchmark": f"insights: seed {n_contacts:,} contacts + {n_interactions:,} interactions + {OFFERS} offers",
                "value": (
                    f"{seed_seconds:.1f} s (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs); "
                    f"industry index {data['diversity']['industry']['index']}, circles {layers}, "
                    f"{data['reciprocity']['help_total']} people to help"
                ),
                "target": "(setup)",
                "ok": True,
            }
        ]
        for label, url, target in (
            ("insights data /insights/data.json", "/insights/data.json", TARGET_MS),
            ("insights page /insights/ (tables)", "/insights/", None),
        ):
            median_ms, cpu_ms, queries = _measure(client, url)
            size = len(client.get(url).content)
            rows.append(
                {
                    "benchmark": f"{label}: median of {RUNS}",
                    "value": f"{median_ms:.1f} ms (CPU {cpu_ms:.1f} ms), {queries} queries, {size / 1024:.0f} KiB",
                    "target": f"≤ {target:.0f} ms" if target else "(profile)",
                    "ok": median_ms <= target if target else True,
                }
            )
        return rows
    finally:
        hosts.disable()


if __name__ == "__main__":  # pragma: no cover - use `python -m bench.run insights`
    raise SystemExit("run: .venv/bin/python -m bench.run insights")
