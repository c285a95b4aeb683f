"""Two OS processes run the job at the same moment on the real PostgreSQL: no duplicates."""

import os
import subprocess
import sys
from urllib.parse import urlparse, urlunparse

import pytest

from .procs import MANAGE, ROOT, SEED, child_env, expected_reminders, manage

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

USERS, PER_USER = 4, 1500


@pytest.fixture
def scratch_database(postgres_url):
    """A fresh, migrated PostgreSQL database of this test's own, dropped afterwards."""
    import psycopg

    name = f"kw_b_concurrency_{os.getpid()}"
    admin = psycopg.connect(postgres_url, autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunparse(urlparse(postgres_url)._replace(path=f"/{name}"))
    try:
        env = child_env(DATABASE_URL=url)
        manage("migrate", "--noinput", "-v0", env=env)
        yield url, env
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _counts(url: str) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(url) as conn:
        total = conn.execute("SELECT count(*) FROM reminders_reminder").fetchone()[0]
        distinct = conn.execute(
            "SELECT count(*) FROM (SELECT DISTINCT contact_id, kind, due_on FROM reminders_reminder) AS d"
        ).fetchone()[0]
    return total, distinct


def test_two_processes_at_once_make_no_duplicates(scratch_database):
    url, env = scratch_database
    manage("shell", "-c", SEED.format(users=USERS, per_user=PER_USER), env=env)
    command = [sys.executable, MANAGE, "generate_reminders", "--date", "2027-01-10"]
    procs = [
        subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err
            outputs.append(out.strip().splitlines()[-1])
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    expected = expected_reminders(users=USERS, per_user=PER_USER)
    assert _counts(url) == (expected, expected)
    assert all(line.startswith("created=") for line in outputs)
    # Between them they created everything, each row counted by the one that inserted it.
    assert sum(int(line.split("=")[1]) for line in outputs) == expected
    # A third run (same day) finds nothing left to do.
    assert manage("generate_reminders", "--date", "2027-01-10", env=env).stdout.strip() == "created=0"
    assert _counts(url) == (expected, expected)
