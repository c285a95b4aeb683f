"""Digest Celery tasks: thin wrappers around reminders.digests.

The hourly beat runs `send_digests_task`, which finds the users whose local
digest hour it is and fans out one task per batch of them. A batch task sends
over one SMTP connection; a user whose send fails gets their own retrying task,
so the others' digests still go out. Every task is idempotent (DigestLog claim).
"""

import datetime as dt
from functools import partial
from smtplib import SMTPException

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from . import digests

# A claim is live for DIGEST_LEASE; look again just after it.
BUSY_RETRY_SECONDS = int(digests.DIGEST_LEASE.total_seconds()) + 60


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_digests_task(now: str | None = None) -> str:
    """Fan out the digests due this hour, one task per batch of user ids.

    Beat calls it with no argument (now); `now` (ISO, aware) is for replays and tests.
    """
    now = dt.datetime.fromisoformat(now) if now else timezone.now()
    digests.digest_job_started(now=now)
    user_ids = digests.users_due_for_digest(now=now)
    batches = [user_ids[i : i + digests.BATCH_SIZE] for i in range(0, len(user_ids), digests.BATCH_SIZE)]
    with transaction.atomic():
        for batch in batches:
            # `now` travels with the batch: a batch run late still uses this hour's
            # "today" and period for each user.
            transaction.on_commit(partial(digest_send_batch_task.delay, batch, now.isoformat()))
        summary = f"queued={len(user_ids)} batches={len(batches)}"
        digests.digest_job_finished(summary=summary)
    return summary


@shared_task(acks_late=True, reject_on_worker_lost=True)
def digest_send_batch_task(user_ids: list[int], now: str, date: str | None = None) -> str:
    """Send one batch over one SMTP connection; failed users get a retrying task each."""
    result = digests.digest_send_batch(
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
        return digests.digest_send(user_id=user_id, period=period, today=dt.date.fromisoformat(today))
    except digests.DigestBusy as busy:
        raise self.retry(exc=busy, countdown=BUSY_RETRY_SECONDS) from busy
