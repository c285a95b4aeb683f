"""Sending digests through a real SMTP server (aiosmtpd on loopback)."""

import datetime as dt
import re
import subprocess
import sys
import threading
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from contacts.tests.factories import make_user
from crm.models import JobRun
from digests import services
from digests.models import DigestLog
from digests.tests import smtp
from digests.tests.fixtures import NOT_LISTED, TODAY, make_network
from digests.tests.smtp import parts

smtp_server = smtp.smtp_server  # fixtures
smtp_down = smtp.smtp_down

PERIOD = "2027-02-25"
ROOT = Path(__file__).resolve().parents[2]


def send(user, **kwargs) -> bool:
    return services.digest_send(user_id=user.pk, period=PERIOD, today=TODAY, **kwargs)


def test_digest_arrives_multipart_with_the_networks_items_and_unsubscribe_headers(alice, smtp_server):
    net = make_network(alice)

    assert send(alice) is True

    (message,) = smtp_server.messages
    assert message["To"] == "alice@example.com"
    assert message.get_content_type() == "multipart/alternative"
    body = parts(message)
    assert set(body) == {"text/plain", "text/html"}
    for text in body.values():
        for name in [
            "Ada Lovelace",
            "Bert Follower",
            "Carla Mover",
            "Leap Dayborn",
            "Grace Hopper",
            "Dora Distant",
        ]:
            assert name in text
        for name in NOT_LISTED:
            assert name not in text
        assert "overdue" not in text
        assert "no interaction logged since you added them 7 years ago · strong tie" in text  # Ada
        assert "Turns 35 on Sun 28 Feb" in text  # Feb 29 birthday, common year, in 3 days
        assert "7 years at Navy on Mon 1 Mar" in text
        assert f"{settings.SITE_URL}/contacts/{net.ada.pk}/" in text
    assert message["Subject"] == "3 people to keep warm today: Bert, Carla and 1 more"
    assert re.fullmatch(
        r"<https?://[^>]+/unsubscribe/[^>]+>, <mailto:[^>]+\?subject=unsubscribe>",
        str(message["List-Unsubscribe"]).strip(),
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Keepwarm-Digest"] == PERIOD
    # Each of today's focus has Done and Snooze links; three reminders here.
    assert len(re.findall(r"/digest/a/[^\s\"<]+", body["text/plain"])) == 6
    log = DigestLog.objects.get(user=alice, period=PERIOD)
    assert log.sent_at is not None and log.item_count == 5 and log.attempts == 1 and log.last_error == ""


def test_links_in_the_delivered_email_work(alice, client, smtp_server):
    net = make_network(alice)
    send(alice)
    text = parts(smtp_server.messages[0])["text/plain"]
    done_url = re.search(r"Done:\s+(\S+)", text).group(1)
    unsubscribe_url = re.search(r"Unsubscribe from digests: (\S+)", text).group(1)

    assert client.post(urlsplit(done_url).path).status_code == 200
    net.follow_up.refresh_from_db()  # the first of today's focus: the follow-up you promised
    assert net.follow_up.status == "done"
    assert client.post(urlsplit(unsubscribe_url).path).status_code == 200
    alice.profile.refresh_from_db()
    assert alice.profile.digest_frequency == "off"


def test_second_run_sends_nothing(alice, smtp_server):
    make_network(alice)
    assert send(alice) is True
    assert send(alice) is False
    assert len(smtp_server.messages) == 1
    assert DigestLog.objects.filter(user=alice).count() == 1


def test_smtp_down_then_up_sends_exactly_one(alice, smtp_down):
    make_network(alice)

    with pytest.raises(OSError):
        send(alice)

    log = DigestLog.objects.get(user=alice, period=PERIOD)
    assert log.sent_at is None, "not marked sent"
    assert log.claimed_at is None, "claim released for the retry"
    assert log.attempts == 1 and "ConnectionRefusedError" in log.last_error  # what the admin shows

    smtp_down.start()  # the server is back, same port
    assert send(alice) is True
    assert send(alice) is False
    assert len(smtp_down.messages) == 1
    log.refresh_from_db()
    assert log.sent_at is not None and log.attempts == 2 and log.last_error == ""


def test_a_claim_held_by_a_live_worker_is_respected_and_reported_busy(alice, smtp_server):
    make_network(alice)
    DigestLog.objects.create(user=alice, period=PERIOD, claimed_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(services.DigestBusy):
        send(alice)
    assert smtp_server.messages == []
    result = services.digest_send_batch(user_ids=[alice.pk], now=timezone.now(), date=TODAY)
    assert (result.sent, result.skipped, result.busy) == (0, 1, [(alice.pk, PERIOD, TODAY)])
    assert smtp_server.messages == []


def test_a_dead_workers_claim_is_taken_over_after_the_lease(alice, smtp_server):
    make_network(alice)
    stale = timezone.now() - services.DIGEST_LEASE - dt.timedelta(seconds=1)
    DigestLog.objects.create(user=alice, period=PERIOD, claimed_at=stale, attempts=1)
    assert send(alice) is True
    assert len(smtp_server.messages) == 1


def test_nothing_to_say_sends_nothing(alice, smtp_server):
    assert send(alice) is False
    assert smtp_server.messages == []
    assert not DigestLog.objects.exists()


def test_nothing_to_say_is_sent_when_the_user_wants_empty_digests(alice, smtp_server):
    alice.profile.digest_send_empty = True
    alice.profile.save(update_fields=["digest_send_empty"])
    assert send(alice) is True
    (message,) = smtp_server.messages
    assert message["Subject"].strip() == "Keepwarm: nothing due today"
    assert "Your network is warm." in parts(message)["text/plain"]


def test_an_unsubscribed_user_gets_no_digest_even_on_a_retry(alice, smtp_server):
    make_network(alice)
    alice.profile.digest_frequency = "off"
    alice.profile.save(update_fields=["digest_frequency"])
    assert send(alice) is False
    assert smtp_server.messages == []


def test_a_batch_uses_one_connection_and_a_refused_user_does_not_stop_the_others(db, smtp_server):
    users = [make_user(f"u{n}") for n in range(4)]
    for user in users:
        make_network(user)
    smtp_server.handler.refuse.add("u1@example.com")
    now = dt.datetime(2027, 2, 25, 8, 0, tzinfo=dt.UTC)

    result = services.digest_send_batch(user_ids=[u.pk for u in users], now=now, date=TODAY)

    assert result.sent == 3 and result.failed == [(users[1].pk, PERIOD, TODAY)]
    assert sorted(smtp_server.recipients()) == ["u0@example.com", "u2@example.com", "u3@example.com"]
    assert smtp_server.connections == 2  # one, then a fresh one after the failure
    failed = DigestLog.objects.get(user=users[1])
    assert failed.sent_at is None and failed.claimed_at is None and "550" in failed.last_error

    smtp_server.handler.refuse.clear()  # the retry task's turn
    assert services.digest_send(user_id=users[1].pk, period=PERIOD, today=TODAY) is True
    again = services.digest_send_batch(user_ids=[u.pk for u in users], now=now, date=TODAY)
    assert again.sent == 0 and again.skipped == 4
    assert len(smtp_server.messages) == 4


def test_bad_data_in_one_digest_does_not_stop_the_others(db, smtp_server):
    users = [make_user(f"u{n}") for n in range(3)]
    for user in users:
        make_network(user)
    users[1].email = "u1@example.com\nBcc: everyone@example.com"  # header injection: refused by Django
    users[1].save(update_fields=["email"])
    now = dt.datetime(2027, 2, 25, 8, 0, tzinfo=dt.UTC)

    result = services.digest_send_batch(user_ids=[u.pk for u in users], now=now, date=TODAY)

    assert result.sent == 2 and [f[0] for f in result.failed] == [users[1].pk]
    assert sorted(smtp_server.recipients()) == ["u0@example.com", "u2@example.com"]
    log = DigestLog.objects.get(user=users[1])
    assert log.sent_at is None and log.claimed_at is None and "Invalid address" in log.last_error


def test_the_hourly_run_sends_each_user_their_digest_at_their_local_hour(db, smtp_server):
    kiwi = make_user("kiwi", tz="Pacific/Auckland", digest_hour=8, digest_send_empty=True)
    london = make_user("london", tz="Europe/London", digest_hour=8, digest_send_empty=True)

    first = services.digest_send_all(now=dt.datetime(2026, 11, 23, 19, 0, tzinfo=dt.UTC))
    assert (first.sent, smtp_server.recipients()) == (1, ["kiwi@example.com"])
    assert DigestLog.objects.get(user=kiwi).period == "2026-11-24"  # their local date

    second = services.digest_send_all(now=dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC))
    assert second.sent == 1 and smtp_server.recipients()[-1] == "london@example.com"
    assert DigestLog.objects.get(user=london).period == "2026-11-24"
    again = services.digest_send_all(now=dt.datetime(2026, 11, 24, 8, 30, tzinfo=dt.UTC))
    assert (again.sent, again.skipped) == (0, 1)


def test_send_digests_with_a_date_prints_the_summary_and_reruns_send_nothing(db, smtp_server):
    alice = make_user("alice", digest_hour=3)  # the hour does not matter with --date
    make_network(alice)
    make_user("bob")  # nothing to say
    make_user("carol", digest_frequency="weekly")  # 2027-02-25 is a Thursday: not due

    out = StringIO()
    call_command("send_digests", "--date", "2027-02-25", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "sent=1 skipped=1 failed=0"
    out = StringIO()
    call_command("send_digests", "--date", "2027-02-25", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "sent=0 skipped=2 failed=0"
    assert len(smtp_server.messages) == 1
    assert JobRun.objects.get(name="send_digests").last_summary == "sent=0 skipped=2 failed=0"


def test_send_digests_for_one_user(db, smtp_server):
    alice, bob = make_user("alice"), make_user("bob")
    make_network(alice)
    make_network(bob)
    out = StringIO()
    call_command("send_digests", "--date", "2027-02-25", "--user", "bob", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "sent=1 skipped=0 failed=0"
    assert smtp_server.recipients() == ["bob@example.com"]


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--date", "25/02/2027"], "--date must be a date as YYYY-MM-DD, got '25/02/2027'"),
        (["--user", "nobody-here"], "no user named 'nobody-here'"),
    ],
)
def test_send_digests_bad_arguments_exit_1_with_one_line(args, reason, tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "crm.settings",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    done = subprocess.run(
        [sys.executable, "manage.py", "send_digests", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr.strip() == f"CommandError: {reason}"
    assert done.stdout == ""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sends_deliver_one_email(postgres_url, smtp_server):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (DATABASE_URL=postgres://…)")
    alice = make_user("alice")
    make_network(alice)

    def worker(period: str, start: threading.Barrier, results: list, errors: list) -> None:
        try:
            start.wait()
            results.append(services.digest_send(user_id=alice.pk, period=period, today=TODAY))
        except services.DigestBusy:
            results.append(False)  # the other one holds the claim
        except BaseException as error:  # noqa: BLE001 - surfaced by the assert below
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    for attempt in range(5):
        start = threading.Barrier(2)
        results: list[bool] = []
        errors: list[BaseException] = []
        threads = [
            threading.Thread(target=worker, args=(f"race-{attempt}", start, results, errors))
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert sorted(results) == [False, True]
    assert len(smtp_server.messages) == 5
    assert DigestLog.objects.filter(user=alice, sent_at__isnull=False).count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_batches_over_the_same_users_send_each_digest_once(postgres_url, smtp_server):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (DATABASE_URL=postgres://…)")
    users = [make_user(f"c{n}") for n in range(12)]
    for user in users:
        make_network(user)
    now = dt.datetime(2027, 2, 25, 8, 0, tzinfo=dt.UTC)
    start = threading.Barrier(2)
    results: list = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(services.digest_send_batch(user_ids=[u.pk for u in users], now=now, date=TODAY))
        except BaseException as error:  # noqa: BLE001 - surfaced by the assert below
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(r.sent for r in results) == len(users)
    assert sorted(smtp_server.recipients()) == sorted(u.email for u in users)
    assert DigestLog.objects.filter(sent_at__isnull=False).count() == len(users)
    # What the loser skipped was either sent already or still claimed (then `busy`,
    # looked at again after the lease): never lost.
    assert all(not r.failed for r in results)
