"""Celery entry points of the contacts app: the import page's background import."""

from celery import shared_task

from contacts.importing.job_run import import_job_run


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_job_run_task(job_id: int) -> None:
    """Run one confirmed ImportJob. Safe to redeliver: a finished job is left alone,
    and a job whose worker died mid-way had its transaction rolled back, so it runs again."""
    import_job_run(job_id=job_id)
