"""Celery entry points of the reminder job: each task calls one service.

Beat triggers the fan-out hourly (crm/celery.py); it queues one batch task per
USER_BATCH_SIZE users, so more workers share the work. Every task is acks_late +
reject_on_worker_lost: a killed worker's task runs again, which the idempotent job
makes harmless. `name=` keeps the wire names queued messages and the beat entry use.
"""

from datetime import date

from celery import shared_task

from . import services


@shared_task(name="reminders.tasks.generate_reminders_task", acks_late=True, reject_on_worker_lost=True)
def reminders_generate_fan_out_task(
    today: str | None = None, batch_size: int = services.USER_BATCH_SIZE
) -> int:
    """Queue one batch task per `batch_size` users; returns how many were queued."""
    return services.reminders_generate_fan_out(
        enqueue_batch=reminders_generate_batch_task.delay,
        today=date.fromisoformat(today) if today else None,
        batch_size=batch_size,
    )


@shared_task(name="reminders.tasks.generate_reminders_batch_task", acks_late=True, reject_on_worker_lost=True)
def reminders_generate_batch_task(user_ids: list[int], today: str | None = None) -> int:
    """Raise the due reminders of these users; returns how many were created."""
    result = services.reminders_generate_batch(
        user_ids=user_ids, today=date.fromisoformat(today) if today else None
    )
    return result.created


@shared_task(name="reminders.tasks.scores_refresh_task", acks_late=True, reject_on_worker_lost=True)
def scores_refresh_task(limit: int = services.SCORES_PER_SWEEP) -> int:
    """Beat, every few minutes: recompute the warmth and rank that went stale with the day
    (at most `limit` contacts a run); returns how many."""
    return services.scores_refresh(limit=limit)
