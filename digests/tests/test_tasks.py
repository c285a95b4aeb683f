"""The Celery entry points: fan-out after commit, batch retry hand-off, a real worker."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path
from smtplib import SMTPException

import pytest
from django.db import connection
from django.utils import timezone

from contacts.tests.factories import make_user
from crm.models import JobRun
from digests import services, tasks
from digests.models import DigestLog
from digests.tests import smtp
from digests.tests.fixtures import TODAY, make_network

smtp_server = smtp.smtp_server  # fixtures
smtp_down = smtp.smtp_down
ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2027, 2, 25, 8, 10, tzinfo=dt.UTC)  # 08:10 UTC: digest hour 8 in UTC


def test_the_hourly_task_fans_out_one_task_per_batch_after_commit(
    db, smtp_server, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    users = [make_user(f"u{n}") for n in range(3)]
    for user in users:
        make_network(user)
    make_user("tokyo", tz="Asia/Tokyo")  # 17:10 there: not their hour, nor one a lost tick owes

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        summary = tasks.digest_fan_out_task(NOW.isoformat())

    assert summary == "queued=3 batches=2"
    assert [cb.func for cb in callbacks] == [tasks.digest_send_batch_task.delay] * 2
    assert [cb.args[0] for cb in callbacks] == [[users[0].pk, users[1].pk], [users[2].pk]]
    assert JobRun.objects.get(name="send_digests").last_finished_at is not None

    for cb in callbacks:  # what the workers then run
        tasks.digest_send_batch_task(*cb.args)
    assert sorted(smtp_server.recipients()) == ["u0@example.com", "u1@example.com", "u2@example.com"]
    assert DigestLog.objects.filter(period="2027-02-25", sent_at__isnull=False).count() == 3


def test_the_hour_after_a_lost_tick_sends_what_it_owed_with_its_period(
    db, smtp_server, django_capture_on_commit_callbacks
):
    """The broker was down at 07:10 UTC: Paris's 08:00 digests (07:10 UTC) go out at 08:10 UTC,
    as 07:10's batch; Lisbon's (due 08:10) as usual; London served at 07:10 is not sent again;
    Kyiv, due 05:10 UTC, is beyond the catch-up window."""
    paris = make_user("paris", tz="Europe/Paris")
    london = make_user("london", tz="Europe/London")  # 08:00 London = 08:10 UTC: due now
    served = make_user("served", tz="Europe/Paris")
    kyiv = make_user("kyiv", tz="Europe/Kyiv")  # 08:00 Kyiv = 06:00 UTC: 2 h 10 ago, still owed
    far = make_user("far", tz="Asia/Dubai")  # 08:00 Dubai = 04:00 UTC: beyond the window
    for user in (paris, london, served, kyiv, far):
        make_network(user)
    earlier = NOW - dt.timedelta(hours=1)
    DigestLog.objects.create(user=served, period="2027-02-25", sent_at=earlier)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        summary = tasks.digest_fan_out_task(NOW.isoformat())

    assert summary == "queued=3 batches=3"
    batches = {cb.args[1]: cb.args[0] for cb in callbacks}
    assert batches == {
        NOW.isoformat(): [london.pk],
        earlier.isoformat(): [paris.pk],
        (NOW - dt.timedelta(hours=2)).isoformat(): [kyiv.pk],
    }
    for cb in callbacks:
        tasks.digest_send_batch_task(*cb.args)
    assert sorted(smtp_server.recipients()) == ["kyiv@example.com", "london@example.com", "paris@example.com"]
    assert set(DigestLog.objects.filter(sent_at__isnull=False).values_list("user__username", "period")) == {
        ("paris", "2027-02-25"),
        ("london", "2027-02-25"),
        ("served", "2027-02-25"),
        ("kyiv", "2027-02-25"),
    }
    # and the next hour sends nobody again
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert tasks.digest_fan_out_task((NOW + dt.timedelta(hours=1)).isoformat()) == "queued=0 batches=0"


def test_a_duplicate_beat_sends_each_digest_once(db, smtp_server, django_capture_on_commit_callbacks):
    users = [make_user(f"u{n}") for n in range(3)]
    for user in users:
        make_network(user)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tasks.digest_fan_out_task(NOW.isoformat())
        tasks.digest_fan_out_task(NOW.isoformat())  # beat fired twice (or a second beat)
    assert [cb.func for cb in callbacks] == [tasks.digest_send_batch_task.delay] * 2
    for cb in callbacks:  # what the workers then run
        tasks.digest_send_batch_task(*cb.args)

    assert sorted(smtp_server.recipients()) == ["u0@example.com", "u1@example.com", "u2@example.com"]
    assert DigestLog.objects.filter(sent_at__isnull=False).count() == 3


def test_tasks_keep_their_wire_names():
    """Queued messages and the beat entry name the tasks by where they used to live."""
    from crm.celery import app

    assert tasks.digest_fan_out_task.name == "reminders.digest_tasks.send_digests_task"
    assert tasks.digest_send_batch_task.name == "reminders.digest_tasks.digest_send_batch_task"
    assert tasks.digest_send_task.name == "reminders.digest_tasks.digest_send_task"
    assert app.conf.beat_schedule["send-digests-hourly"]["task"] in app.tasks


def test_a_failed_user_in_a_batch_gets_its_own_retrying_task(
    db, smtp_server, django_capture_on_commit_callbacks
):
    alice, bob = make_user("alice"), make_user("bob")
    make_network(alice)
    make_network(bob)
    smtp_server.handler.refuse.add("bob@example.com")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        summary = tasks.digest_send_batch_task([alice.pk, bob.pk], NOW.isoformat(), TODAY.isoformat())

    assert summary == "sent=1 skipped=0 failed=1"
    (retry,) = callbacks
    assert retry.func == tasks.digest_send_task.delay
    assert retry.args == (bob.pk, "2027-02-25", "2027-02-25")
    smtp_server.handler.refuse.clear()
    assert tasks.digest_send_task(*retry.args) is True
    assert sorted(smtp_server.recipients()) == ["alice@example.com", "bob@example.com"]


def test_a_digest_claimed_by_another_worker_is_looked_at_again_after_the_lease(
    db, smtp_server, django_capture_on_commit_callbacks
):
    """If that worker died holding the claim, the digest still goes out (never zero times)."""
    alice = make_user("alice")
    make_network(alice)
    DigestLog.objects.create(user=alice, period="2027-02-25", claimed_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        summary = tasks.digest_send_batch_task([alice.pk], NOW.isoformat(), TODAY.isoformat())

    assert summary == "sent=0 skipped=1 failed=0"
    (later,) = callbacks
    assert later.func == tasks.digest_send_task.apply_async
    assert later.keywords["args"] == (alice.pk, "2027-02-25", "2027-02-25")
    assert later.keywords["countdown"] > services.DIGEST_LEASE.total_seconds()
    # The lease runs out (the claiming worker died): the delayed task sends it.
    DigestLog.objects.filter(user=alice).update(claimed_at=timezone.now() - services.DIGEST_LEASE)
    assert tasks.digest_send_task(*later.keywords["args"]) is True
    assert smtp_server.recipients() == ["alice@example.com"]


def test_the_per_user_task_retries_smtp_errors_with_backoff_and_survives_a_lost_worker():
    task = tasks.digest_send_task
    assert task.autoretry_for == (SMTPException, OSError)
    assert task.retry_backoff is True and task.max_retries == 8
    assert task.acks_late is True and task.reject_on_worker_lost is True


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_real_worker_retries_until_smtp_is_back_and_sends_exactly_one(postgres_url, redis_url, smtp_down):
    """A real Celery worker on Redis (DB 2) and PostgreSQL: SMTP down, then up → one email."""
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass: the worker must share the test database")
    alice = make_user("alice")
    make_network(alice)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": redis_url.rsplit("/", 1)[0] + "/2",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_down.port}",
        "EMAIL_TIMEOUT": "5",
    }
    if db.get("PASSWORD"):
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    queue = f"digest-test-{os.getpid()}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crm",
            "worker",
            "-Q",
            queue,
            "-c",
            "1",
            "-P",
            "solo",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        from crm.celery import app

        with app.connection_for_write(env["CELERY_BROKER_URL"]) as broker:
            tasks.digest_send_task.apply_async(
                args=(alice.pk, "2027-02-25", TODAY.isoformat()), queue=queue, connection=broker
            )
        log = _wait_for(
            lambda: DigestLog.objects.filter(user=alice, attempts__gte=1, claimed_at=None).first()
        )
        assert log.sent_at is None and "ConnectionRefusedError" in log.last_error
        smtp_down.start()  # SMTP is back: the next retry (backoff 1 s, 2 s, ...) delivers
        log = _wait_for(
            lambda: DigestLog.objects.filter(user=alice, sent_at__isnull=False).first(), seconds=40
        )
        time.sleep(1)
        assert len(smtp_down.messages) == 1
        assert log.attempts >= 2
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _wait_for(probe, *, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.2)
    pytest.fail(f"gave up after {seconds} s")
