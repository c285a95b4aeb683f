"""The reminder job in a deployment of 1,000,000 contacts / 1,000 users (issue #14).

Built once and kept (bench/run.py PERSISTENT): 1,000 users of 1,000 contacts each, in
the state a deployment is in the morning of TODAY: yesterday's run done
(`reminders_run_on`), warmth computed yesterday, every overdue check-in already open
(the backlog: about half the contacts), birthdays and work anniversaries all year.
The next day's run then has only the day's work: the check-ins falling due today,
today's birthdays and anniversaries, follow-ups dated today.

Measured twice, on the first 100 users (100,000 contacts) and on all 1,000: the run
reads only what is due, so the second costs about ten times the first because ten
times as much is due, not because of the table. Each measurement is rolled back, so
the database stays in its morning state for the next `make bench`. The score sweep
(warmth decays by the day, `reminders.services.scores_refresh`) is measured apart:
one beat run of SCORES_PER_SWEEP contacts.
"""

import os
import random
import time
from datetime import UTC, date, datetime, timedelta

USERS = int(os.environ.get("BENCH_SCALE_USERS", 1000))  # fewer for a trial run
PER_USER = 1000
SMALL_USERS = USERS // 10
TODAY = date(2027, 3, 10)
PREFIX = "bench-scale-v2-"  # a new prefix when the seed changes: the old deployment is rebuilt
NAMES = ["ana", "bruno", "chen", "dana", "eli", "fatima", "goran", "hana", "ivan", "juliana", "kofi", "lena"]
DOMAINS = ["example.com", "example.org", "mail.example", "corp.example"]


def _seeded() -> bool:
    from django.contrib.auth.models import User

    return User.objects.filter(username__startswith=PREFIX).count() == USERS


def _seed() -> None:
    from django.contrib.auth.models import User
    from django.db import connection, transaction

    from contacts.models import Contact, ContactEmail, Interaction
    from crm.models import Profile
    from reminders.models import PendingCheckIn, Reminder

    rng = random.Random(1_000_000)
    User.objects.filter(username__startswith=PREFIX).delete()
    created = datetime(2023, 1, 1, tzinfo=UTC)
    through = Interaction.contacts.through
    with transaction.atomic():
        users = User.objects.bulk_create(
            [User(username=f"{PREFIX}{i:04d}", password="!", email=f"s{i}@example.com") for i in range(USERS)]
        )
        users = list(User.objects.filter(username__startswith=PREFIX).order_by("pk"))
        Profile.objects.bulk_create([Profile(user=u) for u in users], ignore_conflicts=True)
        Profile.objects.filter(user__in=users).update(reminders_run_on=TODAY - timedelta(days=1))
    for user in users:
        rows = []
        for i in range(PER_USER):
            fields = {
                "owner_id": user.pk,
                "first_name": rng.choice(NAMES).title(),
                "last_name": f"Scale{i}",
                "company": rng.choice(["Acme", "Globex", "Initech", ""]),
                "tie_strength": rng.choice(["weak", "weak", "strong"]),
                "created_at": created + timedelta(minutes=rng.randrange(0, 700 * 1440)),
                # Half overdue (their check-in is open, below), half over the next 400 days.
                "next_check_in": TODAY + timedelta(days=rng.randrange(-400, 400)),
                "scores_on": TODAY - timedelta(days=1),
                "warmth": rng.randrange(0, 100),
            }
            if rng.random() < 0.6:
                fields.update(birthday_month=rng.randint(1, 12), birthday_day=rng.randint(1, 28))
            if rng.random() < 0.4:
                fields["started_on"] = date(2010, 1, 1) + timedelta(days=rng.randrange(0, 6000))
            rows.append(Contact(**fields))
        with transaction.atomic():
            contacts = Contact.objects.bulk_create(rows, batch_size=2000)
            # Seven in ten have an email (what the search reads besides names).
            ContactEmail.objects.bulk_create(
                [
                    ContactEmail(
                        contact_id=c.pk,
                        value=f"{c.first_name.lower()}.{rng.choice(NAMES)}{i}@{rng.choice(DOMAINS)}",
                    )
                    for i, c in enumerate(contacts)
                    if rng.random() < 0.7
                ],
                batch_size=2000,
            )
            Reminder.objects.bulk_create(
                [
                    Reminder(owner_id=user.pk, contact_id=c.pk, kind="check_in", due_on=c.next_check_in)
                    for c in contacts
                    if c.next_check_in < TODAY
                ],
                batch_size=2000,
            )
            # Still to raise: the future check-ins; the overdue ones were raised (open above).
            PendingCheckIn.objects.bulk_create(
                [
                    PendingCheckIn(contact_id=c.pk, owner_id=user.pk, due_on=c.next_check_in)
                    for c in contacts
                    if c.next_check_in >= TODAY
                ],
                batch_size=2000,
            )
            interactions = Interaction.objects.bulk_create(
                [
                    Interaction(
                        owner_id=user.pk,
                        occurred_on=TODAY - timedelta(days=rng.randrange(3, 700)),
                        kind="coffee",
                        # One in ten asks for a follow-up: mostly in the past (raised then), a few today.
                        follow_up_on=TODAY - timedelta(days=rng.randrange(-2, 60)) if n % 10 == 0 else None,
                    )
                    for n in range(200)
                ],
                batch_size=2000,
            )
            through.objects.bulk_create(
                [through(interaction_id=it.pk, contact_id=rng.choice(contacts).pk) for it in interactions],
                batch_size=2000,
            )
            # The follow-ups dated before today were raised by earlier runs.
            Reminder.objects.bulk_create(
                [
                    Reminder(
                        owner_id=user.pk,
                        contact_id=link.contact_id,
                        kind="follow_up",
                        due_on=link.interaction.follow_up_on,
                        status="done",
                        interaction_id=link.interaction_id,
                    )
                    for link in through.objects.filter(
                        interaction__owner_id=user.pk, interaction__follow_up_on__lt=TODAY
                    )
                    .select_related("interaction")
                    .only("contact_id", "interaction_id", "interaction__follow_up_on")
                ],
                batch_size=2000,
                ignore_conflicts=True,
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _rolled_back(fn):
    """fn()'s result and wall time, its writes rolled back (the database keeps its morning state)."""
    from django.db import transaction

    with transaction.atomic():
        started = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return result, elapsed


def run() -> list[dict]:
    from django.contrib.auth.models import User

    from reminders import services

    started = time.perf_counter()
    if not _seeded():
        _seed()
        print(
            f"[scheduler] built the {USERS * PER_USER:,}-contact deployment in {time.perf_counter() - started:.0f} s"
        )
    ids = list(User.objects.filter(username__startswith=PREFIX).order_by("pk").values_list("pk", flat=True))
    # Warm the caches the way a running deployment has them, then measure.
    _rolled_back(lambda: services.reminders_generate(today=TODAY, user_ids=ids[:10]))
    small, small_s = _rolled_back(
        lambda: services.reminders_generate(today=TODAY, user_ids=ids[:SMALL_USERS])
    )
    big, big_s = _rolled_back(lambda: services.reminders_generate(today=TODAY, user_ids=ids))
    swept, sweep_s = _rolled_back(
        lambda: services.scores_refresh(user_ids=ids, today=TODAY, limit=services.SCORES_PER_SWEEP)
    )
    return [
        {
            "benchmark": f"scheduler: next day's run, {SMALL_USERS * PER_USER:,} contacts / {SMALL_USERS:,} users (created {small:,})",
            "value": f"{small_s:.2f} s",
            "target": "grows with what is due",
            "ok": small_s <= 2.0,
        },
        {
            "benchmark": f"scheduler: next day's run, {USERS * PER_USER:,} contacts / {USERS:,} users (created {big:,})",
            "value": f"{big_s:.2f} s",
            "target": "≤ 2 s",
            "ok": big_s <= 2.0,
        },
        {
            "benchmark": f"scheduler: one run of the warmth sweep ({swept:,} stale contacts of {USERS * PER_USER:,})",
            "value": f"{sweep_s:.2f} s ({swept / sweep_s:,.0f} contacts/s)",
            "target": "a few seconds a run (every 10 minutes)",
            "ok": sweep_s <= 10.0,
        },
    ]


if __name__ == "__main__":  # pragma: no cover - use `python -m bench.run scheduler`
    raise SystemExit("run it with: python -m bench.run scheduler")
