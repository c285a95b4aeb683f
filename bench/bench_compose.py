"""Compose benchmark (issue #15): /contacts/<id>/compose/ at 10,000 contacts / 100,000 interactions.

Run alone: `.venv/bin/python -m bench.run compose`. The account of bench_contacts (the
demo network at that size, its reminder backlog and a hub contact met 3,000 times),
measured with Django's test Client (force_login, the whole request cycle) as the
median of 15 requests after 2 warm-ups, with the query count, for: a birthday
reminder's compose, the hub's (its suggestion reads whether a meeting is older than
two days), the hub's with the share-article template (the last topic, over its 3,000
interactions), a dormant tie's, a contact met a few times (share-article too), and "Sent — log it" (the
POST that logs the email and closes the reminder, then redirects). The query count
must be the same for the hub and for a contact met a few times: that is the
constant-count check at two sizes. On PostgreSQL the tables are VACUUM ANALYZEd after
the bulk load, as autovacuum would (bench_contacts.settle).
"""

import statistics
import time
from zoneinfo import ZoneInfo

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from .bench_contacts import RUNS, TARGET_MS, _measure, _seed, settle


def _post_ms(client: Client, user) -> tuple[float, int]:
    """(median wall ms, query count) of "Sent — log it" on open check-ins, one per run."""
    from reminders.models import Reminder

    today = timezone.localdate(timezone=ZoneInfo(user.profile.timezone))
    reminders = list(Reminder.objects.active(today).filter(owner=user).order_by("id")[: RUNS + 1])
    wall, queries = [], 0
    for index, reminder in enumerate(reminders):
        url = f"/contacts/{reminder.contact_id}/compose/"
        data = {"subject": "Hello", "body": "Hi,\n\nHow are you?", "reminder": reminder.pk, "next": "/"}
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(url, data)
        wall.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 302, (url, response.status_code)
        if index == 0:
            queries = len(ctx.captured_queries)
    return statistics.median(wall), queries


def run() -> list[dict]:
    hosts = override_settings(ALLOWED_HOSTS=["testserver"])
    hosts.enable()
    try:
        user, hub, seed_seconds = _seed()
        settle()
        from contacts.models import Contact, Interaction
        from contacts.selectors import dormant_queryset
        from reminders.models import Reminder, ReminderKind

        today = timezone.localdate(timezone=ZoneInfo(user.profile.timezone))
        n_contacts = Contact.objects.filter(owner=user).count()
        n_interactions = Interaction.objects.filter(owner=user).count()
        birthday = Reminder.objects.filter(owner=user, kind=ReminderKind.BIRTHDAY).order_by("id").first()
        if birthday is None:  # the demo's birthdays fall where they fall: make one today if none
            contact = Contact.objects.filter(owner=user, archived=False).order_by("id")[1]
            birthday = Reminder.objects.create(
                owner=user, contact=contact, kind=ReminderKind.BIRTHDAY, due_on=today, detail="birthday"
            )
        dormant = dormant_queryset(owner=user, today=today).order_by("id").first()
        through = Interaction.contacts.through
        once = (
            Contact.objects.filter(owner=user, pk__in=through.objects.values("contact_id"))
            .exclude(pk=hub.pk)
            .order_by("id")
            .first()
        )
        client = Client()
        client.force_login(user)
        pages = [
            (
                "compose from a birthday reminder",
                f"/contacts/{birthday.contact_id}/compose/?reminder={birthday.pk}",
            ),
            ("compose to the hub (3,000 interactions)", f"/contacts/{hub.pk}/compose/"),
            (
                "compose to the hub with its last topic (?template=share-article)",
                f"/contacts/{hub.pk}/compose/?template=share-article",
            ),
            ("compose to a dormant tie (reconnect)", f"/contacts/{dormant.pk}/compose/"),
            (
                "compose to a contact met a few times, with its last topic",
                f"/contacts/{once.pk}/compose/?template=share-article",
            ),
        ]
        rows = [
            {
                "benchmark": f"compose: seed {n_contacts:,} contacts + {n_interactions:,} interactions",
                "value": f"{seed_seconds:.1f} s",
                "target": "(setup)",
                "ok": True,
            }
        ]
        counts = []
        for label, url in pages:
            median_ms, cpu_ms, queries = _measure(client, url)
            counts.append(queries)
            rows.append(
                {
                    "benchmark": f"{label}: median of {RUNS}",
                    "value": f"{median_ms:.1f} ms (CPU {cpu_ms:.1f} ms), {queries} queries",
                    "target": f"≤ {TARGET_MS:.0f} ms",
                    "ok": median_ms <= TARGET_MS,
                }
            )
        rows.append(
            {
                "benchmark": "compose with the last topic: query count the same for the hub and for a contact met a few times",
                "value": f"{counts[2]} and {counts[4]} queries",
                "target": "equal",
                "ok": counts[2] == counts[4],
            }
        )
        post_ms, post_queries = _post_ms(client, user)
        rows.append(
            {
                "benchmark": f"“Sent — log it” (log the email, close the reminder, redirect): median of {RUNS}",
                "value": f"{post_ms:.1f} ms, {post_queries} queries",
                "target": "(profile)",
                "ok": True,
            }
        )
        return rows
    finally:
        hosts.disable()


if __name__ == "__main__":  # pragma: no cover - use `python -m bench.run compose`
    raise SystemExit("run: .venv/bin/python -m bench.run compose")
