"""Celery entry points of the contacts app: the import page's background import and its sweeper."""

import logging

from celery import shared_task

from contacts.importing.job_run import import_job_run, import_jobs_take_stuck

log = logging.getLogger(__name__)

# Looked again every lease (2 minutes) while another run holds the job: an hour of it.
BUSY_MAX_RETRIES = 30


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=BUSY_MAX_RETRIES)
def import_job_run_task(self, job_id: int) -> None:
    """Run one confirmed ImportJob. Safe to redeliver: a finished job is left alone; a
    job another run holds a live lease on is looked at again when that lease ends
    (finished by then, or its worker died and this task takes it over, its transaction
    having been rolled back)."""
    wait = import_job_run(job_id=job_id)
    if wait is not None:
        raise self.retry(countdown=wait)


def import_job_send(job_id: int) -> None:
    """Send one job's task (the import page and the sweeper). Raises when the broker is unreachable,
    after one quick retry, not kombu's default three: a web request must not hang on a dead broker."""
    import_job_run_task.apply_async(args=(job_id,), retry=True, retry_policy={"max_retries": 1})


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_jobs_sweep_task() -> list[int]:
    """Beat, every few minutes: send again the task of import jobs left queued or whose worker died."""
    sent = []
    for job_id in import_jobs_take_stuck():
        try:
            import_job_send(job_id)
        except Exception as error:  # noqa: BLE001 - the broker went away again: the next sweep retries
            log.warning("import sweeper: job %s could not be sent (%s)", job_id, error)
            continue
        sent.append(job_id)
    if sent:
        log.warning("import sweeper: sent again the task of stuck import jobs %s", sent)
    return sent
