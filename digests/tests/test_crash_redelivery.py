"""A digest batch whose worker dies after claiming its first user (real SMTP server).

The batch claims each user just before sending to them, not the whole batch at
once: on redelivery the users after the crash go out at once, only the one in
flight waits for its lease, and nobody gets two digests.
"""

import datetime as dt

import pytest

from contacts.tests.factories import make_user
from digests import services, tasks
from digests.models import DigestLog
from digests.tests import smtp
from digests.tests.fixtures import make_network

smtp_server = smtp.smtp_server  # fixture
NOW = dt.datetime(2027, 2, 25, 8, 10, tzinfo=dt.UTC)  # 08:10 UTC: digest hour 8 in UTC
USERS = 5


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the batch catches or releases it."""


def test_redelivered_batch_sends_the_others_at_once_and_the_crashed_one_after_its_lease(
    db, smtp_server, monkeypatch, django_capture_on_commit_callbacks
):
    users = [make_user(f"u{n}") for n in range(USERS)]
    for user in users:
        make_network(user)
    ids = [user.pk for user in users]
    real_claim = services._claim

    def claim_then_die(*, user_id, period):
        won = real_claim(user_id=user_id, period=period)
        if user_id == ids[0]:
            raise WorkerKilled  # the worker dies holding user 1's claim, before the SMTP send
        return won

    monkeypatch.setattr(services, "_claim", claim_then_die)
    with pytest.raises(WorkerKilled):
        tasks.digest_send_batch_task(ids, NOW.isoformat())
    assert smtp_server.recipients() == []  # the crash came before any send
    assert list(DigestLog.objects.exclude(claimed_at=None).values_list("user_id", flat=True)) == [ids[0]]
    monkeypatch.setattr(services, "_claim", real_claim)

    # Redelivery (reject_on_worker_lost), at once: users 2..n are not held by the crash.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        summary = tasks.digest_send_batch_task(ids, NOW.isoformat())
    assert sorted(smtp_server.recipients()) == [f"u{n}@example.com" for n in range(1, USERS)]
    assert "sent=4" in summary
    # User 1's claim is live (its worker may be sending): looked at again after the lease.
    assert len(callbacks) == 1
    assert callbacks[0].func == tasks.digest_send_task.apply_async
    assert callbacks[0].keywords["args"][0] == ids[0]
    assert callbacks[0].keywords["countdown"] == tasks.BUSY_RETRY_SECONDS

    # A third delivery (Redis handing the batch out again): nothing new is sent.
    with django_capture_on_commit_callbacks(execute=False):
        tasks.digest_send_batch_task(ids, NOW.isoformat())
    assert len(smtp_server.recipients()) == USERS - 1

    # The lease has run out when the retry comes: user 1's digest goes out, once.
    expired = dt.datetime.now(dt.UTC) - services.DIGEST_LEASE - dt.timedelta(seconds=1)
    DigestLog.objects.filter(user_id=ids[0]).update(claimed_at=expired)
    user_id, period, today = callbacks[0].keywords["args"]
    assert tasks.digest_send_task(user_id, period, today) is True
    assert tasks.digest_send_task(user_id, period, today) is False  # a duplicate retry
    recipients = smtp_server.recipients()
    assert sorted(recipients) == sorted(f"u{n}@example.com" for n in range(USERS))
    assert len(set(recipients)) == len(recipients) == USERS  # nobody twice
    assert DigestLog.objects.filter(sent_at__isnull=False).count() == USERS
