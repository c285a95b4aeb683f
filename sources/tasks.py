"""Celery entry points of the sources job: beat → fan-out → one task per batch of users.

acks_late + reject_on_worker_lost as every job: a killed worker's batch runs again,
which the idempotent job (sources.found) makes harmless.
"""

from celery import shared_task

from . import services


@shared_task(name="sources.tasks.sources_sync_fan_out_task", acks_late=True, reject_on_worker_lost=True)
def sources_sync_fan_out_task() -> int:
    """Hourly (crm/celery.py "sync-sources"): queue one batch task per few users with sources."""
    return services.sources_sync_fan_out(enqueue_batch=sources_sync_batch_task.delay)


@shared_task(name="sources.tasks.sources_sync_batch_task", acks_late=True, reject_on_worker_lost=True)
def sources_sync_batch_task(user_ids: list[int]) -> str:
    """Read these users' calendars and mailboxes; returns the summary line."""
    return services.sources_sync_batch(user_ids=user_ids).line()
