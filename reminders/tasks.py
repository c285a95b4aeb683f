"""Celery entry points of the reminder job: thin wrappers around reminders.services.

Beat triggers `generate_reminders_task` hourly (crm/celery.py); it fans out one
`generate_reminders_batch_task` per USER_BATCH_SIZE users, so more workers share the
work. Every task is acks_late + reject_on_worker_lost: a killed worker's task runs
again, which the idempotent job makes harmless.
"""

from datetime import date
from functools import partial

from celery import shared_task
from django.db import transaction

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def generate_reminders_task(today: str | None = None, batch_size: int = services.USER_BATCH_SIZE) -> int:
    """Fan out: one batch task per USER_BATCH_SIZE users; returns how many were enqueued.

    `today` (YYYY-MM-DD) stands for "today" in every user's zone; by default each
    batch computes each user's own local date when it runs.
    """
    services.job_run_started()
    count = 0
    for batch in services.user_id_batches(size=batch_size):
        # Enqueued after commit: a worker must never pick up a task for state that
        # is not visible yet (or rolled back).
        transaction.on_commit(partial(generate_reminders_batch_task.delay, batch, today))
        count += 1
    return count


@shared_task(acks_late=True, reject_on_worker_lost=True)
def generate_reminders_batch_task(user_ids: list[int], today: str | None = None) -> int:
    """Raise the due reminders of these users; returns how many were created."""
    result = services.reminders_generate_batch(
        user_ids=user_ids, today=date.fromisoformat(today) if today else None
    )
    services.job_run_finished(
        summary=f"batch of {result.users} users: created={result.created} skipped_rows={result.skipped_rows}"
    )
    return result.created
