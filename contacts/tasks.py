"""Celery entry points of the contacts app: the import page's background import and its sweeper."""

from celery import shared_task

from contacts.importing.job_run import import_job_run

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


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_jobs_sweep_task() -> list[int]:
    """Beat, every few minutes: send again the task of import jobs left queued or whose worker died."""
    from contacts.importing.jobs import import_jobs_sweep  # jobs imports this module

    return import_jobs_sweep()
