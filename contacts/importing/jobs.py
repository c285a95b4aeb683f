"""The web side of the import page: an ImportJob from upload to queued (upload → preview → confirm),
and the sweeper that sends a stuck job's task again.

`import_job_create` stores the upload, `import_job_confirm` queues the worker's task
once, `import_job_progress` reads how far it is. The worker side is `job_run`.

Nothing is lost when the broker or a worker is: the task is sent after the job's
row is committed, a send that fails (broker down) leaves the job queued with a
message instead of an error page, and `import_jobs_sweep` (celery beat, every
SWEEP_INTERVAL) sends the task again for a job queued and not started after
QUEUED_RESEND, or running with a lease its worker stopped renewing (killed).
Sending twice is harmless: the worker's claim (`job_run.import_job_claim`) lets one
run at a time, and a finished job is left alone.
"""

import datetime as dt
import logging
from functools import partial

from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from contacts.models import ImportJob, ImportStatus
from contacts.tasks import import_job_send

from .job_run import QUEUED, QUEUED_RESEND, import_jobs_take_stuck, progress_key

log = logging.getLogger(__name__)

# Shown on the job's page while its task could not be sent (the broker is down).
WAITING = "Import saved; it will start when the worker is back."
# How often beat runs the sweeper (crm/celery.py).
SWEEP_INTERVAL = dt.timedelta(minutes=5)


def import_job_create(*, owner: User, name: str, data: bytes, fmt: str) -> ImportJob:
    """A pending job holding the uploaded bytes (read and checked by the caller) as its file."""
    job = ImportJob(owner=owner, original_name=name[:255], format=fmt)
    job.file.save(f"{owner.pk}-{timezone.now():%Y%m%d%H%M%S}.upload", ContentFile(data), save=False)
    job.save()
    return job


def import_job_confirm(*, job: ImportJob, fmt: str) -> bool:
    """Queue the job once (a second click or a second tab does nothing). True if queued.

    The task is sent once the row is committed; when the broker cannot be reached
    the job stays queued with the WAITING message and the sweeper sends it later.
    """
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PENDING, message="").update(
        format=fmt, message=QUEUED, lease_until=timezone.now() + QUEUED_RESEND
    )
    if claimed:
        transaction.on_commit(partial(import_job_enqueue, job.pk))
    return bool(claimed)


def import_job_enqueue(job_id: int) -> bool:
    """Send the job's task. False (logged, the job marked WAITING) when the broker is unreachable."""
    try:
        import_job_send(job_id)
    except Exception as error:  # noqa: BLE001 - kombu/redis/OS errors alike: the sweeper sends it later
        log.warning("import job %s: the task could not be sent (%s); the sweeper will retry", job_id, error)
        # Due for the very next sweep.
        ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).exclude(message="").update(
            message=WAITING, lease_until=timezone.now()
        )
        return False
    return True


def import_job_waiting(job: ImportJob) -> bool:
    """True when the job's task could not be sent yet (the page says so)."""
    return job.status == ImportStatus.PENDING and job.message == WAITING


def import_jobs_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Send the task again for every stuck job (`job_run.import_jobs_take_stuck`); return
    the ids whose task was sent (a failed send leaves the job WAITING for the next sweep)."""
    sent = [job_id for job_id in import_jobs_take_stuck(now=now) if import_job_enqueue(job_id)]
    if sent:
        log.warning("import sweeper: sent again the task of stuck import jobs %s", sent)
    return sent


def import_job_progress(job: ImportJob) -> tuple[int, int]:
    """(rows done, rows expected) for a job, from the cache while it runs."""
    if job.status == ImportStatus.RUNNING:
        cached = cache.get(progress_key(job.pk))
        if cached:
            return cached
    return job.processed_rows, job.total_rows
