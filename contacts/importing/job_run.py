"""The worker side of the import page: run one confirmed ImportJob (`import_job_run`).

Called by `contacts.tasks.import_job_run_task`. Progress: the import writes in one
transaction, so rows it updates are invisible to the page until it commits; progress
therefore goes to the cache (a shared cache — Redis or file-based — when web and
worker are separate processes) under `progress_key`, and the job row gets the final counts.
"""

import logging

from django.core.cache import cache
from django.utils import timezone

from contacts.models import ImportJob, ImportStatus
from reminders import services as reminder_services

from .errors import ImportFormatError
from .services import estimate_rows, import_read_text, import_resolve_format, import_run

log = logging.getLogger(__name__)

MAX_STORED_ERRORS = 5000
PROGRESS_TTL = 6 * 3600


def progress_key(job_id: int) -> str:
    return f"keepwarm:import-progress:{job_id}"


def import_job_run(*, job_id: int) -> None:
    """Run a queued job: PENDING (or RUNNING again after a lost worker) → DONE or FAILED."""
    claimed = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportStatus.PENDING, ImportStatus.RUNNING]
    ).update(status=ImportStatus.RUNNING, message="Importing")
    if not claimed:
        return
    job = ImportJob.objects.select_related("owner").get(pk=job_id)
    try:
        with job.file.open("rb") as handle:
            text = import_read_text(file=handle)
        fmt = import_resolve_format(text=text, fmt=job.format or "auto", filename=job.original_name)
        ImportJob.objects.filter(pk=job_id).update(format=fmt, total_rows=estimate_rows(text, fmt))

        def progress(done: int, total: int) -> None:
            cache.set(progress_key(job_id), (done, total), PROGRESS_TTL)

        report = import_run(
            owner=job.owner, text=text, fmt=fmt, filename=job.original_name, progress=progress
        )
    except ImportFormatError as exc:
        _finish(job_id, status=ImportStatus.FAILED, message=str(exc))
        return
    except Exception:
        log.exception("import job %s failed", job_id)
        _finish(
            job_id,
            status=ImportStatus.FAILED,
            message="The import failed unexpectedly; nothing was imported.",
        )
        raise
    data = report.as_dict()
    data["errors"] = data["errors"][:MAX_STORED_ERRORS]
    data["warnings"] = data["warnings"][:MAX_STORED_ERRORS]  # warning_count has them all
    _finish(
        job_id,
        status=ImportStatus.DONE,
        message="",
        total_rows=report.total_rows,
        processed_rows=report.total_rows,
        created_count=report.created,
        updated_count=report.updated,
        skipped_count=report.skipped,
        error_count=report.error_count,
        errors=data["errors"],
        report=data,
    )
    if report.created or report.updated:
        try:
            reminder_services.reminders_generate_for_user(user_id=job.owner_id)
        except Exception:  # the import is done; the hourly job raises them anyway
            log.exception("import job %s: raising the new contacts' reminders failed", job_id)


def _finish(job_id: int, **fields) -> None:
    ImportJob.objects.filter(pk=job_id).update(finished_at=timezone.now(), **fields)
    cache.delete(progress_key(job_id))
