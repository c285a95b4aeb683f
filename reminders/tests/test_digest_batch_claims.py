"""A batch claims all its rows at once: what happens to those claims when the batch
dies part-way, and when it runs past half the lease (real SMTP server on loopback)."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from contacts.tests.factories import make_user
from reminders import digests
from reminders.models import DigestLog
from reminders.tests import smtp
from reminders.tests.digest_fixtures import TODAY, make_network

smtp_server = smtp.smtp_server  # fixture
PERIOD = "2027-02-25"
NOW = dt.datetime(2027, 2, 25, 8, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.skipif(
    not connection.features.can_return_columns_from_insert, reason="batch claims need UPDATE … RETURNING"
)


def _users(n: int):
    users = [make_user(f"b{i}") for i in range(n)]
    for user in users:
        make_network(user)
    return users


def test_a_batch_that_dies_part_way_gives_back_the_claims_it_did_not_use(db, smtp_server, monkeypatch):
    users = _users(3)
    real_mark = digests._mark_sent
    calls = []

    def mark_then_die(*, pk, item_count):
        calls.append(pk)
        if len(calls) == 2:
            raise RuntimeError("worker dies after the 2nd message was accepted")
        real_mark(pk=pk, item_count=item_count)

    monkeypatch.setattr(digests, "_mark_sent", mark_then_die)
    with pytest.raises(RuntimeError):
        digests.digest_send_batch(user_ids=[u.pk for u in users], now=NOW, date=TODAY)

    logs = {log.user.username: log for log in DigestLog.objects.select_related("user")}
    assert len(smtp_server.messages) == 2
    # Sent and marked: done for the period.
    assert logs["b0"].sent_at is not None
    # Accepted but not marked (the one window): it keeps its claim, so it is only
    # re-sent once the lease expires: twice, never zero times.
    assert logs["b1"].sent_at is None and logs["b1"].claimed_at is not None
    # Never sent: the claim is given back, so a retry sends it at once.
    assert logs["b2"].sent_at is None and logs["b2"].claimed_at is None

    monkeypatch.setattr(digests, "_mark_sent", real_mark)
    retry = digests.digest_send_batch(user_ids=[u.pk for u in users], now=NOW, date=TODAY)
    assert retry.sent == 1
    assert [m["To"] for m in smtp_server.messages[2:]] == ["b2@example.com"]
    assert [b[0] for b in retry.busy] == [users[1].pk]


def test_a_slow_batch_renews_its_claims_so_no_other_worker_takes_them(db, smtp_server, monkeypatch):
    users = _users(2)
    clock = {"now": timezone.now()}
    monkeypatch.setattr(digests.timezone, "now", lambda: clock["now"])
    real_send = digests.emails.digest_outgoing

    sent = []

    def slow_outgoing(*, digest, connection):
        outgoing = real_send(digest=digest, connection=connection)

        class Slow:
            def send(self, conn):
                outgoing.send(conn)
                sent.append(digest.user_id)
                clock["now"] += digests.DIGEST_LEASE * 0.6  # the SMTP server was slow

        return Slow()

    monkeypatch.setattr(digests.emails, "digest_outgoing", slow_outgoing)
    result = digests.digest_send_batch(user_ids=[u.pk for u in users], now=NOW, date=TODAY)

    assert result.sent == 2 and sent == [users[0].pk, users[1].pk]
    claimed = DigestLog.objects.get(user=users[1]).claimed_at
    # The second claim was renewed when the batch passed half the lease.
    assert claimed > clock["now"] - digests.DIGEST_LEASE
    assert len(smtp_server.messages) == 2
