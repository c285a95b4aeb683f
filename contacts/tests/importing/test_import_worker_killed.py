"""A real `celery worker` killed with SIGKILL in the middle of an import (real Redis broker),
on SQLite and on PostgreSQL (a scratch database of its own).

The worker (with its embedded beat, sweeping every SWEEP s) runs an import of ROWS
rows that stops after its first chunk until the test creates a file, with the job's
lease shortened to LEASE s. While it is stopped there, the same task is sent again
(a duplicate delivery, received by the other pool child): it must not start a second
run. Then the worker's whole process group is killed (SIGKILL: main process, pool
children, beat), a new worker is started, and the job must finish exactly once
within LEASE + SWEEP + slack, although Redis's visibility_timeout (900 s) has not
passed: the lease and the sweeper recover it, not the broker.
"""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from urllib.parse import urlparse

import pytest

from reminders.tests.procs import ROOT, child_env, manage

pytestmark = [pytest.mark.redis, pytest.mark.slow]

REDIS_DB = 4  # this test's Redis database number
ROWS = 10_000  # five chunks of 2,000
LEASE = 30  # seconds; on SQLite the lease must outlast the import's write transaction
HEARTBEAT = 1
SWEEP = 1.0
SLACK = 30  # a worker's start, the import's own run

# The worker: the import slowed and logged, the lease and the sweep interval shortened.
WORKER = """
import os, sys, time, datetime as dt, django
django.setup()
from contacts.importing import job_run
job_run.IMPORT_LEASE = dt.timedelta(seconds={lease})
job_run.IMPORT_HEARTBEAT = dt.timedelta(seconds={heartbeat})
runs = os.environ["KW_TEST_RUNS"]
real = job_run.import_run
def note(line):
    with open(runs, "a") as f:
        f.write(line + "\\n")
release = os.environ["KW_TEST_RELEASE"]
def slow(**kwargs):
    progress = kwargs["progress"]
    note(f"start {{os.getpid()}} {{time.time()}}")
    def slowed(done, total):
        progress(done, total)
        note(f"chunk {{done}}")
        deadline = time.monotonic() + 120
        while not os.path.exists(release) and time.monotonic() < deadline:
            time.sleep(0.1)
    kwargs["progress"] = slowed
    report = real(**kwargs)
    note(f"done {{report.created}}")
    return report
job_run.import_run = slow
from crm.celery import app
app.conf.beat_schedule["sweep-import-jobs"]["schedule"] = {sweep}
app.worker_main(["worker", "-B", "--pool", "prefork", "--concurrency", "2", "--loglevel", "INFO",
                 "--without-gossip", "--without-mingle", "--without-heartbeat"])
"""

CONFIRM = """
from django.contrib.auth.models import User
from contacts.importing.jobs import import_job_confirm, import_job_create
user = User.objects.create_user("killed", password="x")
rows = "".join(f"P{{i}},Q{{i}},p{{i}}@example.com\\n" for i in range({rows}))
job = import_job_create(owner=user, name="big.csv", data=("First Name,Last Name,Email\\n" + rows).encode(), fmt="auto")
assert import_job_confirm(job=job, fmt="csv")
print(job.pk)
"""

SEND_AGAIN = """
from contacts.tasks import import_job_run_task
import_job_run_task.delay({job_id})
"""


@pytest.fixture
def broker_url(redis_url):
    import redis

    parsed = urlparse(redis_url)
    url = f"redis://{parsed.hostname}:{parsed.port or 6379}/{REDIS_DB}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """(the worker's environment for it, a function running one SQL query and returning its row).

    Each database in its own pass of `make test` (the test's own database, not the pass's).
    """
    from django.db import connection

    if request.param != connection.vendor:
        pytest.skip(f"runs in the {request.param} pass")
    if request.param == "sqlite":
        path = tmp_path / "worker.sqlite3"

        def row(sql: str):
            with sqlite3.connect(path, timeout=30) as conn:
                return conn.execute(sql).fetchone()

        yield {"SQLITE_PATH": str(path)}, row
        return
    import psycopg

    postgres_url = request.getfixturevalue("postgres_url")
    name = f"kw_worker_killed_{os.getpid()}"
    admin = psycopg.connect(postgres_url, autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    url = urlparse(postgres_url)._replace(path=f"/{name}").geturl()

    def row(sql: str):
        with psycopg.connect(url, autocommit=True) as conn:
            return conn.execute(sql).fetchone()

    try:
        yield {"DATABASE_URL": url}, row
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _start_worker(env, log_path) -> subprocess.Popen:
    script = WORKER.format(lease=LEASE, heartbeat=HEARTBEAT, sweep=SWEEP)
    with open(log_path, "w") as log:
        return subprocess.Popen(
            [sys.executable, "-c", script],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: killed as a whole
        )


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _lines(path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_sigkilled_worker_import_finishes_once_after_the_lease(broker_url, database, tmp_path):
    database_env, row = database
    runs = tmp_path / "runs.log"
    env = child_env(
        **database_env,
        CELERY_BROKER_URL=broker_url,
        KEEPWARM_VAR_DIR=str(tmp_path / "var"),
        KW_TEST_RUNS=str(runs),
        KW_TEST_RELEASE=str(tmp_path / "release"),
        DJANGO_SETTINGS_MODULE="crm.settings",
        PYTHONUNBUFFERED="1",  # the worker's log lines are read while it runs
    )
    manage("migrate", "--noinput", "-v0", env=env)
    first_log, second_log = tmp_path / "worker1.log", tmp_path / "worker2.log"
    first = _start_worker(env, first_log)
    second = None
    try:
        job_id = int(
            manage("shell", "-c", CONFIRM.format(rows=ROWS), env=env).stdout.strip().splitlines()[-1]
        )
        _wait_for(lambda: any(line.startswith("chunk") for line in _lines(runs)), 60, "the first chunk")
        # Delivered twice while it runs: the second copy must not start a second run.
        manage("shell", "-c", SEND_AGAIN.format(job_id=job_id), env=env)
        received = re.compile(r"contacts\.tasks\.import_job_run_task\[[0-9a-f-]+\] received")
        _wait_for(lambda: len(received.findall(first_log.read_text())) >= 2, 30, "the duplicate's delivery")
        time.sleep(1)
        assert [line for line in _lines(runs) if line.startswith("start")] == [_lines(runs)[0]]
        status = row(f"SELECT status FROM contacts_importjob WHERE id = {job_id}")[0]
        assert status == "running"

        os.killpg(first.pid, signal.SIGKILL)  # the whole worker: main process, children, beat
        killed_at = time.monotonic()
        first.wait(timeout=10)
        assert not any(line.startswith("done") for line in _lines(runs))
        assert row("SELECT count(*) FROM contacts_contact")[0] == 0  # rolled back

        (tmp_path / "release").touch()  # the next run goes through
        second = _start_worker(env, second_log)
        promised = LEASE + SWEEP + SLACK
        _wait_for(
            lambda: row(f"SELECT status FROM contacts_importjob WHERE id = {job_id}")[0] == "done",
            promised,
            "the job to finish after the kill",
        )
        recovered_in = time.monotonic() - killed_at
        print(f"killed -> done in {recovered_in:.1f} s (lease {LEASE} s, sweep {SWEEP} s)")
        time.sleep(3)  # a late duplicate would start by now
        lines = _lines(runs)
        assert [line.split()[0] for line in lines if not line.startswith("chunk")] == [
            "start",
            "start",
            "done",
        ]
        assert lines[-1] == f"done {ROWS}"
        created, status, lease = row(
            f"SELECT created_count, status, lease_until FROM contacts_importjob WHERE id = {job_id}"
        )
        assert (created, status, lease) == (ROWS, "done", None)
        assert row("SELECT count(*) FROM contacts_contact")[0] == ROWS
        # Taken over once the first run's lease ran out (it was never renewed: on SQLite
        # the heartbeat waits for the import's write lock), not earlier.
        first_start, second_start = (float(line.split()[2]) for line in lines if line.startswith("start"))
        assert second_start >= first_start + LEASE - 1
    finally:
        _stop(first)
        if second:
            _stop(second)
    log = second_log.read_text()
    assert "import sweeper: sent again" in log or "import_jobs_sweep_task" in log, log[-3000:]
