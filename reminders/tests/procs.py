"""Helpers to run manage.py in separate OS processes against a database of their own."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MANAGE = str(ROOT / "manage.py")

# A deterministic network for the multi-process tests: per user N contacts, each with
# a birthday on the run date and a check-in long overdue (2 reminders per contact),
# plus one follow-up per 10 contacts.
SEED = """
from datetime import date, datetime, timezone as tz
from django.contrib.auth.models import User
from contacts.models import Contact, Interaction
users = {users}
per_user = {per_user}
created = datetime(2025, 1, 1, 9, tzinfo=tz.utc)
for u in range(users):
    user = User.objects.create_user(f"load{{u}}", password="x")
    contacts = Contact.objects.bulk_create([
        Contact(owner=user, first_name=f"P{{i}}", created_at=created, birthday_month=1, birthday_day=10,
                tie_strength="strong")
        for i in range(per_user)
    ])
    for contact in contacts[::10]:
        interaction = Interaction.objects.create(owner=user, occurred_on=date(2024, 6, 1), follow_up_on=date(2027, 1, 5))
        interaction.contacts.add(contact)
print("seeded")
"""


def expected_reminders(*, users: int, per_user: int) -> int:
    return users * (2 * per_user + len(range(0, per_user, 10)))


def manage(*args: str, env: dict, check: bool = True, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, MANAGE, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=check,
        timeout=timeout,
    )


def child_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "SQLITE_", "CELERY_"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env
