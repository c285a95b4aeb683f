"""Celery entry points of the contacts app: the import page's background import and its sweeper."""

from celery import shared_task

from contacts.importing.job_run import import_job_run


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_job_run_task(job_id: int) -> None:
    """Run one confirmed ImportJob. Safe to redeliver: a finished job, or one another
    worker holds a live lease on, is left alone; a job whose worker died mid-way had
    its transaction rolled back and runs again once its lease has expired."""
    import_job_run(job_id=job_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_jobs_sweep_task() -> list[int]:
    """Beat, every few minutes: send again the task of import jobs left queued or whose worker died."""
    from contacts.importing.jobs import import_jobs_sweep  # jobs imports this module

    return import_jobs_sweep()
