"""Import jobs are never stuck: a dead broker at confirm, a killed worker, a task sent twice.

In process (the claim, the lease, the sweeper, the confirm page with the broker
down); the real worker killed with SIGKILL is test_import_worker_killed.py.
"""

import datetime as dt
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from contacts.importing import job_run, jobs
from contacts.importing.job_run import IMPORT_LEASE, Lease, LeaseLost, import_job_claim, import_job_run
from contacts.importing.jobs import QUEUED, QUEUED_RESEND, WAITING, import_jobs_sweep
from contacts.models import Contact, ImportJob
from contacts.tasks import import_job_run_task

from .conftest import FIXTURES


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _uploaded(client, owner) -> ImportJob:
    data = (FIXTURES / "generic.csv").read_bytes()
    client.post(
        reverse("contacts:import"), {"file": SimpleUploadedFile("generic.csv", data), "format": "auto"}
    )
    return ImportJob.objects.get(owner=owner)


def test_confirm_with_the_broker_down_saves_the_job_and_the_sweeper_sends_it(
    alice_client, alice, django_capture_on_commit_callbacks
):
    job = _uploaded(alice_client, alice)
    down = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with mock.patch.object(import_job_run_task, "apply_async", side_effect=down) as send:
        with django_capture_on_commit_callbacks(execute=True):
            response = alice_client.post(reverse("contacts:import_preview", args=[job.pk]), {"format": "csv"})
    assert send.call_count == 1
    assert response.status_code == 302 and response.url == reverse("contacts:import_job", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.message) == ("pending", WAITING)
    page = alice_client.get(response.url).content.decode()
    assert WAITING in page  # the flash message and the progress line
    progress = alice_client.get(reverse("contacts:import_progress", args=[job.pk])).content.decode()
    assert WAITING in progress

    # Still down at the next sweep: still waiting, tried again at the one after.
    with mock.patch.object(import_job_run_task, "apply_async", side_effect=down):
        assert import_jobs_sweep() == []
    ImportJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    # The broker is back: the sweeper sends the task once, and not again at once.
    with mock.patch.object(import_job_run_task, "apply_async") as send:
        assert import_jobs_sweep() == [job.pk]
        assert import_jobs_sweep() == []
    send.assert_called_once_with(args=(job.pk,), retry=True, retry_policy={"max_retries": 1})
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.created_count, job.lease_until) == ("done", 2, None)
    assert Contact.objects.filter(owner=alice).count() == 2


def test_confirm_sends_the_task_after_commit(alice_client, alice, django_capture_on_commit_callbacks):
    job = _uploaded(alice_client, alice)
    with mock.patch.object(import_job_run_task, "apply_async") as send:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            alice_client.post(reverse("contacts:import_preview", args=[job.pk]), {"format": "csv"})
        assert send.call_count == 0 and len(callbacks) == 1
        callbacks[0]()
        send.assert_called_once()
    job.refresh_from_db()
    assert (job.status, job.message) == ("pending", QUEUED)
    assert job.lease_until > timezone.now() + QUEUED_RESEND - dt.timedelta(minutes=1)


def test_the_claim_takes_a_job_once_until_its_lease_expires(alice_client, alice):
    job = _uploaded(alice_client, alice)
    ImportJob.objects.filter(pk=job.pk).update(message=QUEUED)
    now = timezone.now()
    until = import_job_claim(job_id=job.pk, now=now)
    assert until == now + IMPORT_LEASE
    # The same task delivered again (or the sweeper's copy) while the lease is live: nothing.
    assert import_job_claim(job_id=job.pk, now=now + IMPORT_LEASE - dt.timedelta(seconds=1)) is None
    import_job_run(job_id=job.pk)  # a second worker given it: leaves it alone
    assert not Contact.objects.exists()
    job.refresh_from_db()
    assert (job.status, job.lease_until) == ("running", until)
    # The worker died: the lease runs out, the next claim takes it over.
    assert import_job_claim(job_id=job.pk, now=now + IMPORT_LEASE + dt.timedelta(seconds=1))


def test_sweeper_requeues_an_expired_lease_and_leaves_a_live_one(alice_client, alice):
    job = _uploaded(alice_client, alice)
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(status="running", message="Importing", lease_until=now)
    with mock.patch.object(import_job_run_task, "apply_async") as send:
        assert import_jobs_sweep(now=now - dt.timedelta(seconds=1)) == []  # live
        assert import_jobs_sweep(now=now + dt.timedelta(seconds=1)) == [job.pk]  # expired
        assert import_jobs_sweep(now=now + dt.timedelta(seconds=2)) == []  # sent already
    assert send.call_count == 1
    job.refresh_from_db()
    assert (job.status, job.message) == ("pending", QUEUED)
    import_job_run_task(job.pk)
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", 2)
    # Finished jobs and jobs never confirmed are never swept.
    ImportJob.objects.create(owner=alice, original_name="x.csv")
    with mock.patch.object(import_job_run_task, "apply_async") as send:
        assert import_jobs_sweep(now=now + dt.timedelta(days=1)) == []
    send.assert_not_called()


def test_a_run_whose_lease_was_taken_over_stops_and_writes_nothing(alice_client, alice, monkeypatch):
    job = _uploaded(alice_client, alice)
    ImportJob.objects.filter(pk=job.pk).update(message=QUEUED)
    real_claim = job_run.import_job_claim

    def claim_then_lose(**kwargs):
        until = real_claim(**kwargs)
        # Another worker takes the job over (this one's heartbeat stalled past the lease).
        ImportJob.objects.filter(pk=job.pk).update(lease_until=until + dt.timedelta(minutes=5))
        return until

    monkeypatch.setattr(job_run, "import_job_claim", claim_then_lose)
    real_check = Lease.check
    monkeypatch.setattr(job_run.Lease, "check", lambda self: (self.renew(), real_check(self)))
    job_run.import_job_run(job_id=job.pk)
    assert not Contact.objects.exists()  # stopped at its first chunk, rolled back
    job.refresh_from_db()
    assert job.status == "running" and job.finished_at is None  # left to the run that holds it


def test_lease_renewal_moves_the_lease_and_detects_a_takeover(alice_client, alice):
    job = _uploaded(alice_client, alice)
    until = import_job_claim(job_id=job.pk)
    lease = Lease.__new__(Lease)  # no thread: renew by hand
    lease.job_id, lease.until = job.pk, until
    import threading

    lease.lost = threading.Event()
    lease.renew()
    job.refresh_from_db()
    assert job.lease_until == lease.until >= until
    ImportJob.objects.filter(pk=job.pk).update(lease_until=until - dt.timedelta(minutes=1))
    lease.renew()
    with pytest.raises(LeaseLost):
        lease.check()


def test_beat_runs_the_sweeper_every_five_minutes():
    from crm.celery import app

    entry = app.conf.beat_schedule["sweep-import-jobs"]
    assert entry["task"] == "contacts.tasks.import_jobs_sweep_task"
    assert entry["schedule"] == jobs.SWEEP_INTERVAL.total_seconds()


def test_the_task_looks_again_when_the_lease_ends_if_another_run_holds_the_job(alice_client, alice):
    """A pool child killed mid-import has its task handed out again at once: the lease is
    still live then, so the task retries when it ends (and takes the job over)."""
    job = _uploaded(alice_client, alice)
    ImportJob.objects.filter(pk=job.pk).update(message=QUEUED)
    import_job_claim(job_id=job.pk)
    with mock.patch.object(import_job_run_task, "retry", return_value=RuntimeError("retry")) as retry:
        with pytest.raises(RuntimeError):
            import_job_run_task(job.pk)
    countdown = retry.call_args.kwargs["countdown"]
    assert IMPORT_LEASE.total_seconds() - 5 < countdown <= IMPORT_LEASE.total_seconds() + 5
    ImportJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    import_job_run_task(job.pk)  # the retry, once the lease has ended: takes it over
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", 2)
    with mock.patch.object(import_job_run_task, "retry") as retry:
        import_job_run_task(job.pk)  # finished: no retry
    retry.assert_not_called()
