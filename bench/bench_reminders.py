"""Reminder generation for 100,000 contacts spread over 100 users (issue 4).

Run alone: `.venv/bin/python -m bench.run reminders`. The data is bulk-created
(a realistic mix of birthdays, Feb 29 included, role start dates, tags with
cadences, interactions and follow-ups), the schedule is refreshed as an import
does, then the job runs: the first run raises the backlog (every long-overdue
check-in at once), the second one (the next day) is the hourly steady state.
Memory is the tracemalloc peak during the run: chunks of CHUNK_SIZE contacts,
never the whole table.
"""

import random
import resource
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta

USERS = 100
PER_USER = 1000
INTERACTIONS_PER_USER = 400
TODAY = date(2027, 3, 1)
TIMEZONES = ["UTC", "Europe/London", "America/Los_Angeles", "Pacific/Auckland", "Asia/Kolkata"]


def _seed(*, interactions_per_user: int = INTERACTIONS_PER_USER) -> int:
    """100 users of 1,000 contacts each; returns how many contacts there are (bench_warmth
    reuses it with more interactions per user)."""
    from django.contrib.auth.models import User

    from contacts.models import Contact, Interaction, Tag
    from crm.models import Profile

    rng = random.Random(4)
    users = User.objects.bulk_create(
        [User(username=f"bench-rem-{i}", password="!", email=f"r{i}@example.com") for i in range(USERS)]
    )
    users = list(User.objects.filter(username__startswith="bench-rem-").order_by("pk"))
    Profile.objects.bulk_create(
        [Profile(user=u, timezone=TIMEZONES[i % len(TIMEZONES)]) for i, u in enumerate(users)],
        ignore_conflicts=True,
    )
    through_tags = Contact.tags.through
    through = Interaction.contacts.through
    for user in users:
        tags = Tag.objects.bulk_create(
            [
                Tag(owner=user, name="investors", checkin_cadence_months=1),
                Tag(owner=user, name="alumni", checkin_cadence_months=12),
                Tag(owner=user, name="london"),
            ]
        )
        rows = []
        for i in range(PER_USER):
            created = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 3 * 365 * 1440))
            fields = {
                "owner": user,
                "first_name": f"P{i}",
                "last_name": "Bench",
                "company": rng.choice(["Acme", "Globex", "Initech", ""]),
                "tie_strength": rng.choice(["weak", "weak", "strong"]),
                "checkin_cadence_months": rng.choice([None] * 8 + [0, 2]),
                "created_at": created,
            }
            if rng.random() < 0.6:
                month, day = (
                    rng.choice([(2, 29), (TODAY.month, TODAY.day)])
                    if rng.random() < 0.05
                    else (
                        rng.randint(1, 12),
                        rng.randint(1, 28),
                    )
                )
                fields.update(
                    birthday_month=month,
                    birthday_day=day,
                    birthday_year=rng.choice([None, 1980 + rng.randrange(20)])
                    if (month, day) != (2, 29)
                    else 1988,
                )
            if rng.random() < 0.4:
                fields["started_on"] = date(2010, 1, 1) + timedelta(days=rng.randrange(0, 6000))
            rows.append(Contact(**fields))
        contacts = Contact.objects.bulk_create(rows, batch_size=1000)
        through_tags.objects.bulk_create(
            [
                through_tags(contact_id=c.pk, tag_id=rng.choice(tags).pk)
                for c in contacts
                if rng.random() < 0.2
            ],
            batch_size=2000,
        )
        interactions = Interaction.objects.bulk_create(
            [
                Interaction(
                    owner=user,
                    occurred_on=TODAY - timedelta(days=rng.randrange(1, 700)),
                    kind="coffee",
                    follow_up_on=TODAY - timedelta(days=rng.randrange(0, 30)) if rng.random() < 0.1 else None,
                )
                for _ in range(interactions_per_user)
            ],
            batch_size=1000,
        )
        through.objects.bulk_create(
            [through(interaction_id=it.pk, contact_id=rng.choice(contacts).pk) for it in interactions],
            batch_size=2000,
        )
    return Contact.objects.filter(owner__in=users).count()


def _timed(fn) -> tuple[float, float, object]:
    """Wall time and growth of the process's peak RSS (MB) while running fn."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    return elapsed, grown, result


def _traced_peak(fn) -> tuple[float, object]:
    """Peak Python memory (MB) allocated while running fn (tracemalloc slows it down,
    so it is measured on its own run)."""
    tracemalloc.start()
    result = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024 / 1024, result


def run() -> list[dict]:
    from contacts.models import Contact
    from reminders import services
    from reminders.models import Reminder

    started = time.perf_counter()
    total = _seed()
    seeded_in = time.perf_counter() - started
    ids = list(Contact.objects.values_list("pk", flat=True))
    refresh_s, refresh_rss, _ = _timed(lambda: services.contacts_schedule_refresh(contact_ids=ids))
    first_s, _, created = _timed(lambda: services.reminders_generate(today=TODAY))
    next_s, _, created_next = _timed(lambda: services.reminders_generate(today=TODAY + timedelta(days=1)))
    again_s, _, created_again = _timed(lambda: services.reminders_generate(today=TODAY + timedelta(days=1)))
    peak_mb, _ = _traced_peak(lambda: services.reminders_generate(today=TODAY + timedelta(days=1)))
    assert created_again == 0
    rows = Reminder.objects.count()
    note = f"{total:,} contacts / {USERS} users, seeded in {seeded_in:.1f} s"
    return [
        {
            "benchmark": f"reminders: first run, backlog ({note}; created {created:,})",
            "value": f"{first_s:.2f} s",
            "target": "≤ 3 s",
            "ok": first_s <= 3.0,
        },
        {
            "benchmark": f"reminders: next day's run (created {created_next:,}; {rows:,} rows in all)",
            "value": f"{next_s:.2f} s",
            "target": "≤ 3 s",
            "ok": next_s <= 3.0,
        },
        {
            "benchmark": "reminders: same-day re-run (idempotent, created 0)",
            "value": f"{again_s:.2f} s",
            "target": "≤ 3 s",
            "ok": again_s <= 3.0,
        },
        {
            "benchmark": "reminders: peak Python memory of a run over 100k contacts (tracemalloc)",
            "value": f"{peak_mb:.1f} MB",
            "target": "bounded (chunks of 2,000 contacts, not the table)",
            "ok": peak_mb < 50,
        },
        {
            "benchmark": f"reminders: schedule refresh of {len(ids):,} contacts (as after an import)",
            "value": f"{refresh_s:.2f} s (peak RSS +{refresh_rss:.0f} MB)",
            "target": "fast, memory bounded",
            "ok": refresh_s <= 10.0,
        },
    ]
