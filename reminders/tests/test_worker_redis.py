"""End to end on the real Redis broker with a real `celery worker` process.

The beat-triggered task (wire name `reminders.tasks.generate_reminders_task`) is sent the way beat sends it;
the worker fans it out into per-user batch tasks (through Redis again) and runs
them against a file SQLite database shared with this test.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from urllib.parse import urlparse

import pytest

from .procs import ROOT, SEED, child_env, expected_reminders, manage

pytestmark = [pytest.mark.redis, pytest.mark.slow]

REDIS_DB = 1  # this area's Redis database number
USERS, PER_USER = 5, 40

SEND = """
from reminders.tasks import reminders_generate_fan_out_task
reminders_generate_fan_out_task.apply_async(kwargs={"today": "2027-01-10", "batch_size": 2})
print("sent")
"""


@pytest.fixture
def broker_url(redis_url):
    import redis

    parsed = urlparse(redis_url)
    url = f"redis://{parsed.hostname}:{parsed.port or 6379}/{REDIS_DB}"
    client = redis.Redis.from_url(url)
    client.flushdb()  # only our own database number: no stale tasks from an earlier run
    yield url
    client.flushdb()
    client.close()


def _count(db_path, sql: str) -> int:
    with sqlite3.connect(db_path, timeout=20) as conn:
        return conn.execute(sql).fetchone()[0]


def test_beat_task_fans_out_and_raises_reminders(broker_url, tmp_path):
    db_path = tmp_path / "worker.sqlite3"
    env = child_env(
        SQLITE_PATH=str(db_path), CELERY_BROKER_URL=broker_url, KEEPWARM_VAR_DIR=str(tmp_path / "var")
    )
    manage("migrate", "--noinput", "-v0", env=env)
    manage("shell", "-c", SEED.format(users=USERS, per_user=PER_USER), env=env)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crm",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "2",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: the children go down with it
    )
    try:
        manage("shell", "-c", SEND, env=env)
        expected = expected_reminders(users=USERS, per_user=PER_USER)
        deadline = time.monotonic() + 90
        total = 0
        while time.monotonic() < deadline:
            total = _count(db_path, "SELECT count(*) FROM reminders_reminder")
            finished = _count(
                db_path,
                "SELECT count(*) FROM crm_jobrun WHERE name = 'generate_reminders' AND last_finished_at IS NOT NULL",
            )
            run_on = _count(db_path, "SELECT count(*) FROM crm_profile WHERE reminders_run_on = '2027-01-10'")
            if total >= expected and finished and run_on == USERS:
                break
            assert worker.poll() is None, "the worker died"
            time.sleep(0.5)
        assert total == expected
        assert run_on == USERS
        assert finished == 1
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)
        log = worker.stdout.read() if worker.stdout else ""
    # Three batch tasks (5 users, 2 per batch) ran in the worker.
    assert log.count("reminders.tasks.generate_reminders_batch_task") >= 3, log[-3000:]
