"""The web side of the import page: an ImportJob from upload to queued (upload → preview → confirm).

`import_job_create` stores the upload, `import_job_confirm` queues the worker's task
once, `import_job_progress` reads how far it is. The worker side is `job_run`.
"""

from functools import partial

from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from contacts.models import ImportJob, ImportStatus
from contacts.tasks import import_job_run_task

from .job_run import progress_key


def import_job_create(*, owner: User, name: str, data: bytes, fmt: str) -> ImportJob:
    """A pending job holding the uploaded bytes (read and checked by the caller) as its file."""
    job = ImportJob(owner=owner, original_name=name[:255], format=fmt)
    job.file.save(f"{owner.pk}-{timezone.now():%Y%m%d%H%M%S}.upload", ContentFile(data), save=False)
    job.save()
    return job


def import_job_confirm(*, job: ImportJob, fmt: str) -> bool:
    """Queue the job once (a second click or a second tab does nothing). True if queued."""
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PENDING, message="").update(
        format=fmt, message="Queued"
    )
    if claimed:
        transaction.on_commit(partial(import_job_run_task.delay, job.pk))
    return bool(claimed)


def import_job_progress(job: ImportJob) -> tuple[int, int]:
    """(rows done, rows expected) for a job, from the cache while it runs."""
    if job.status == ImportStatus.RUNNING:
        cached = cache.get(progress_key(job.pk))
        if cached:
            return cached
    return job.processed_rows, job.total_rows
