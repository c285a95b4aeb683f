"""Celery entry points of the digest: thin wrappers, one service each.

The hourly beat runs `digest_fan_out_task` (wire name `…send_digests_task`),
which finds the users whose local digest hour it is and enqueues one
`digest_send_batch_task` per batch of them. A batch goes over one SMTP
connection; a user whose send fails gets their own retrying `digest_send_task`,
so the others' digests still go out. Every task is idempotent (the DigestLog claim).

The `name=`s are the dotted names these tasks had when they lived in
reminders/digest_tasks.py: messages already queued and the beat entry still
resolve. Keep them when a function is renamed.
"""

import datetime as dt
from functools import partial
from smtplib import SMTPException

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from . import services

# A claim is live for DIGEST_LEASE; look again just after it.
BUSY_RETRY_SECONDS = int(services.DIGEST_LEASE.total_seconds()) + 60


@shared_task(name="reminders.digest_tasks.send_digests_task", acks_late=True, reject_on_worker_lost=True)
def digest_fan_out_task(now: str | None = None) -> str:
    """Enqueue the digests due this hour, one task per batch of user ids.

    Beat calls it with no argument (now); `now` (ISO, aware) is for replays and tests.
    """
    at = dt.datetime.fromisoformat(now) if now else timezone.now()
    return services.digest_fan_out(enqueue_batch=digest_send_batch_task.delay, now=at)


@shared_task(name="reminders.digest_tasks.digest_send_batch_task", acks_late=True, reject_on_worker_lost=True)
def digest_send_batch_task(user_ids: list[int], now: str, date: str | None = None) -> str:
    """Send one batch over one SMTP connection; failed users get a retrying task each."""
    result = services.digest_send_batch(
        user_ids=user_ids,
        now=dt.datetime.fromisoformat(now),
        date=dt.date.fromisoformat(date) if date else None,
    )
    for user_id, period, today in result.failed:
        transaction.on_commit(partial(digest_send_task.delay, user_id, period, today.isoformat()))
    for user_id, period, today in result.busy:
        # Another worker holds the claim: look again once its lease is over, so a
        # worker that died holding it cannot lose the digest.
        transaction.on_commit(
            partial(
                digest_send_task.apply_async,
                args=(user_id, period, today.isoformat()),
                countdown=BUSY_RETRY_SECONDS,
            )
        )
    return result.summary


@shared_task(
    name="reminders.digest_tasks.digest_send_task",
    bind=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    max_retries=8,
    acks_late=True,
    reject_on_worker_lost=True,
)
def digest_send_task(self, user_id: int, period: str, today: str) -> bool:
    """One user's digest for `period`; SMTP errors retry with backoff (the claim is released).

    Claimed by another worker: look again after the lease (sent by then → nothing to do).
    """
    try:
        return services.digest_send(user_id=user_id, period=period, today=dt.date.fromisoformat(today))
    except services.DigestBusy as busy:
        raise self.retry(exc=busy, countdown=BUSY_RETRY_SECONDS) from busy
