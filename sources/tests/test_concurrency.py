"""Two workers at once on the real PostgreSQL: nothing is logged twice, thanks to the
database's unique key (not a check in Python)."""

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from urllib.parse import urlparse, urlunparse

import pytest
from django.db import connection, connections

from contacts.models import Contact, ContactEmail, Interaction
from contacts.tests.factories import make_user
from reminders.tests.procs import MANAGE, ROOT, child_env, manage
from sources.calendar_fetch import sync_calendar
from sources.found import Counts, MailSeen, record_mail
from sources.models import CalendarSource, FoundEvent, FoundMail, MailboxSource

from .feeds import busy_calendar

pytestmark = [pytest.mark.postgres]

MEETINGS = 300
PEOPLE = 120
END = datetime(2026, 11, 1, tzinfo=UTC)


def _addresses() -> list[str]:
    return [f"person{n}@example.org" for n in range(PEOPLE)]


SEED = """
from django.contrib.auth.models import User
from contacts.models import Contact, ContactEmail
from sources.models import CalendarSource
user = User.objects.create_user("alice", email="alice@example.com", password="x")
contacts = Contact.objects.bulk_create([Contact(owner=user, first_name=f"P{{n}}") for n in range({people})])
ContactEmail.objects.bulk_create([ContactEmail(contact=c, owner=user, value=f"person{{n}}@example.org") for n, c in enumerate(contacts)])
CalendarSource.objects.create(owner=user, url="{url}")
print("seeded")
"""


@pytest.fixture
def scratch_database(postgres_url):
    """A fresh, migrated PostgreSQL database of this test's own, dropped afterwards."""
    import psycopg

    name = f"kw_sources_concurrency_{os.getpid()}"
    admin = psycopg.connect(postgres_url, autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunparse(urlparse(postgres_url)._replace(path=f"/{name}"))
    try:
        env = child_env(DATABASE_URL=url, SOURCES_ALLOW_PRIVATE_NETWORKS="1")
        manage("migrate", "--noinput", "-v0", env=env)
        yield url, env
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.mark.slow
def test_two_processes_syncing_at_once_log_each_meeting_once(scratch_database, feeds):
    import psycopg

    url, env = scratch_database
    feed = feeds.serve("/busy.ics", busy_calendar(MEETINGS, end=END, addresses=_addresses(), days=300))
    manage("shell", "-c", SEED.format(people=PEOPLE, url=feed), env=env)
    command = [sys.executable, MANAGE, "sync_sources"]
    procs = [
        subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    lines = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err
            lines.append(out.strip().splitlines()[-1])
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    logged = [int(line.split()[0].split("=")[1]) for line in lines]
    assert sum(logged) == MEETINGS, lines  # each meeting logged by exactly one of them
    with psycopg.connect(url) as conn:
        found = conn.execute(
            "SELECT count(*), count(DISTINCT (uid, recurrence_id)) FROM sources_foundevent"
        ).fetchone()
        interactions = conn.execute("SELECT count(*) FROM contacts_interaction").fetchone()[0]
    assert found == (MEETINGS, MEETINGS) and interactions == MEETINGS
    assert manage("sync_sources", env=env).stdout.strip().splitlines()[-1] == "logged=0 ignored=0 failed=0"


def _in_threads(*calls) -> list:
    """Run the calls at the same moment in threads of their own (each its own connection)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    return results


@pytest.fixture
def postgres_only(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("two connections writing at once: run with DATABASE_URL=postgres://…")


def test_two_threads_reading_one_calendar_at_once_log_it_once(postgres_only, feeds):
    alice = make_user("alice")
    contacts = Contact.objects.bulk_create([Contact(owner=alice, first_name=f"P{n}") for n in range(PEOPLE)])
    ContactEmail.objects.bulk_create(
        [ContactEmail(contact=c, owner=alice, value=a) for c, a in zip(contacts, _addresses(), strict=True)]
    )
    url = feeds.serve("/busy.ics", busy_calendar(MEETINGS, end=END, addresses=_addresses(), days=300))
    source = CalendarSource.objects.create(owner=alice, url=url)
    now = datetime(2026, 11, 20, tzinfo=UTC)

    results = _in_threads(
        lambda: sync_calendar(CalendarSource.objects.get(pk=source.pk), now=now),
        lambda: sync_calendar(CalendarSource.objects.get(pk=source.pk), now=now),
    )

    assert sum(r.logged for r in results) == MEETINGS
    assert FoundEvent.objects.count() == MEETINGS == Interaction.objects.count()


def test_two_threads_recording_the_same_mail_log_one_email_a_day(postgres_only):
    alice = make_user("alice")
    contacts = Contact.objects.bulk_create([Contact(owner=alice, first_name=f"P{n}") for n in range(PEOPLE)])
    ContactEmail.objects.bulk_create(
        [ContactEmail(contact=c, owner=alice, value=a) for c, a in zip(contacts, _addresses(), strict=True)]
    )
    box = MailboxSource.objects.create(owner=alice, host="h", username="alice@example.com")
    today = datetime(2026, 11, 20).date()
    messages = [MailSeen(today, frozenset({a})) for a in _addresses()]

    results = _in_threads(
        lambda: record_mail(source=MailboxSource.objects.get(pk=box.pk), messages=messages, today=today),
        lambda: record_mail(
            source=MailboxSource.objects.get(pk=box.pk), messages=messages[::-1], today=today
        ),
    )

    assert results[0] + results[1] == Counts(logged=PEOPLE)
    assert FoundMail.objects.count() == PEOPLE == Interaction.objects.count()
