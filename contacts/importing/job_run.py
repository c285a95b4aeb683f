"""The worker side of the import page: run one confirmed ImportJob (`import_job_run`).

Called by `contacts.tasks.import_job_run_task`. Progress: the import writes in one
transaction, so rows it updates are invisible to the page until it commits; progress
therefore goes to the cache (a shared cache — Redis or file-based — when web and
worker are separate processes) under `progress_key`, and the job row gets the final counts.

Exactly one run at a time: the claim is a conditional UPDATE that takes a queued
job, or a running one whose lease (`lease_until`) has expired. While it runs, a
heartbeat thread (its own database connection) moves the lease IMPORT_LEASE ahead
every IMPORT_HEARTBEAT; a worker killed with SIGKILL stops renewing it, and after
IMPORT_LEASE the sweeper (`jobs.import_jobs_sweep`) queues the job again. A run
whose lease was taken over (its heartbeat finds another value) stops at its next
chunk and rolls back, so two runs never both write. On SQLite the import's write
transaction holds the database lock, so the heartbeat waits for it, and any other
claim waits too: the lock keeps the run single there; IMPORT_LEASE is far longer
than a 100,000-row import (about 6 s).
"""

import datetime as dt
import logging
import threading

from django.core.cache import cache
from django.db import connection as db_connection
from django.db.models import Q
from django.utils import timezone

from contacts.models import ImportJob, ImportStatus
from reminders import services as reminder_services

from .errors import ImportFormatError
from .services import estimate_rows, import_read_text, import_resolve_format, import_run

log = logging.getLogger(__name__)

QUEUED = "Queued"
# A queued job not started this long after its task was sent has its task sent again
# (a message lost with a broker's data, or sent while the broker was down).
QUEUED_RESEND = dt.timedelta(minutes=10)

MAX_STORED_ERRORS = 5000
PROGRESS_TTL = 6 * 3600
# A running job's lease, renewed every IMPORT_HEARTBEAT by its worker: a killed
# worker's job is taken over this long after its last renewal (plus the sweep interval).
IMPORT_LEASE = dt.timedelta(minutes=2)
IMPORT_HEARTBEAT = dt.timedelta(seconds=20)


class LeaseLost(Exception):
    """Another run took this job over (this one's heartbeat could not renew the lease in time)."""


class Lease:
    """The lease of one claimed job, renewed by a daemon thread until `stop`."""

    def __init__(self, job_id: int, until: dt.datetime) -> None:
        self.job_id, self.until = job_id, until
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"import-lease-{job_id}", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        try:
            while not self._stop.wait(IMPORT_HEARTBEAT.total_seconds()):
                self.renew()
                if self.lost.is_set():
                    return
        finally:
            db_connection.close()  # this thread's own connection

    def renew(self) -> None:
        until = timezone.now() + IMPORT_LEASE
        try:
            renewed = ImportJob.objects.filter(
                pk=self.job_id, status=ImportStatus.RUNNING, lease_until=self.until
            ).update(lease_until=until)
        except Exception:  # noqa: BLE001 - database busy or away: try again at the next beat
            log.warning("import job %s: renewing its lease failed", self.job_id, exc_info=True)
            return
        if renewed:
            self.until = until
        else:
            log.error("import job %s: its lease was taken over; this run stops", self.job_id)
            self.lost.set()

    def check(self) -> None:
        if self.lost.is_set():
            raise LeaseLost(f"import job {self.job_id}: lease lost")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=IMPORT_HEARTBEAT.total_seconds() + 30)


def progress_key(job_id: int) -> str:
    return f"keepwarm:import-progress:{job_id}"


def import_job_claim(*, job_id: int, now: dt.datetime | None = None) -> dt.datetime | None:
    """Take the job for this run: its lease end, or None when it is finished or another run holds it.

    Claimable: queued (PENDING), or RUNNING with an expired lease (its worker died).
    One conditional UPDATE, so of two workers given the same job only one wins.
    """
    now = now or timezone.now()
    until = now + IMPORT_LEASE
    claimable = Q(status=ImportStatus.PENDING) | Q(
        Q(lease_until__lt=now) | Q(lease_until__isnull=True), status=ImportStatus.RUNNING
    )
    claimed = ImportJob.objects.filter(claimable, pk=job_id).update(
        status=ImportStatus.RUNNING, message="Importing", lease_until=until
    )
    return until if claimed else None


def import_job_run(*, job_id: int) -> float | None:
    """Run a queued job: PENDING (or RUNNING again after a lost worker) → DONE or FAILED.

    Returns None, or when another run holds a live lease on the job, the seconds
    until that lease ends: the task looks again then, so a worker child killed
    mid-import (its task handed out again at once) is taken over after the lease.
    """
    until = import_job_claim(job_id=job_id)
    if until is None:
        lease = ImportJob.objects.filter(pk=job_id, status=ImportStatus.RUNNING).values_list(
            "lease_until", flat=True
        )
        held = lease.first()
        if held is None:
            return None
        return max(0.0, (held - timezone.now()).total_seconds()) + 5
    lease = Lease(job_id, until)
    try:
        _run(job_id, lease)
    finally:
        lease.stop()
    return None


def _run(job_id: int, lease: Lease) -> None:
    job = ImportJob.objects.select_related("owner").get(pk=job_id)
    try:
        with job.file.open("rb") as handle:
            text = import_read_text(file=handle)
        fmt = import_resolve_format(text=text, fmt=job.format or "auto", filename=job.original_name)
        ImportJob.objects.filter(pk=job_id).update(format=fmt, total_rows=estimate_rows(text, fmt))

        def progress(done: int, total: int) -> None:
            lease.check()  # taken over: stop here, the transaction rolls back
            cache.set(progress_key(job_id), (done, total), PROGRESS_TTL)

        report = import_run(
            owner=job.owner, text=text, fmt=fmt, filename=job.original_name, progress=progress
        )
    except ImportFormatError as exc:
        _finish(job_id, status=ImportStatus.FAILED, message=str(exc))
        return
    except LeaseLost:
        return  # rolled back; the run that took it over finishes it
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
    ImportJob.objects.filter(pk=job_id).update(finished_at=timezone.now(), lease_until=None, **fields)
    cache.delete(progress_key(job_id))


def import_jobs_take_stuck(*, now: dt.datetime | None = None) -> list[int]:
    """Take every stuck job for a new send of its task; return their ids (the caller sends).

    Stuck: running with an expired lease (its worker was killed: nothing renews the
    lease), which goes back to queued, or confirmed and still queued after its
    resend time. Each job is taken by a conditional UPDATE on the lease it was
    read with, so two sweepers never both send it, and its resend time moves
    QUEUED_RESEND ahead. A running job whose lease is live is left alone.
    """
    now = now or timezone.now()
    expired = Q(lease_until__lt=now) | Q(lease_until__isnull=True)
    running = Q(status=ImportStatus.RUNNING)
    queued = Q(status=ImportStatus.PENDING) & ~Q(message="")
    sent = []
    for job_id, status, lease in ImportJob.objects.filter(expired & (running | queued)).values_list(
        "pk", "status", "lease_until"
    ):
        fields = {"lease_until": now + QUEUED_RESEND}
        if status == ImportStatus.RUNNING:
            fields.update(status=ImportStatus.PENDING, message=QUEUED)
        taken = ImportJob.objects.filter(pk=job_id, status=status, lease_until=lease).update(**fields)
        if taken:
            sent.append(job_id)
    return sent
