"""`add_calendar_source` and `sync_sources`: their output is the public contract."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from contacts.models import Interaction
from crm.models import JobRun
from sources.models import CalendarSource

from .feeds import FIXTURES, fixture


def _run(*args: str) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_add_calendar_source_prints_the_new_id_for_an_address_or_a_file(alice, media):
    by_url = _run("add_calendar_source", "--user", "alice", "https://calendar.example.org/x.ics")
    by_file = _run("add_calendar_source", "--user", "alice", str(FIXTURES / "weekly.ics"))
    first, second = CalendarSource.objects.filter(owner=alice).order_by("pk")
    assert by_url == [str(first.pk)] and by_file == [str(second.pk)]
    assert first.url == "https://calendar.example.org/x.ics"
    assert second.name == "weekly" and (media / second.file.name).read_bytes() == fixture("weekly.ics")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody", "https://x.example.org/a.ics"], "no user named 'nobody'"),
        (["--user", "alice", "file:///etc/passwd"], "Only http"),
        (["--user", "alice", "/no/such/file.ics"], "no such file"),
    ],
)
def test_add_calendar_source_fails_in_one_line_and_writes_nothing(alice, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("add_calendar_source", *args)
    assert not CalendarSource.objects.exists()


def test_sync_sources_prints_the_counts_last_and_a_second_run_logs_nothing(alice, ada, feeds):
    CalendarSource.objects.create(owner=alice, url=feeds.serve("/weekly.ics", fixture("weekly.ics")))
    CalendarSource.objects.create(owner=alice, url=feeds.serve("/broken.ics", fixture("malformed.ics")))

    first = _run("sync_sources", "--user", "alice")
    again = _run("sync_sources")

    # The real clock: every occurrence of the fixture's series up to now has happened.
    logged = Interaction.objects.filter(owner=alice).count()
    assert logged >= 6
    assert first[-1] == f"logged={logged} ignored=0 failed=1"
    assert again[-1] == "logged=0 ignored=0 failed=1"
    assert JobRun.objects.get(name="sync_sources").last_summary == again[-1]


def test_sync_sources_for_an_unknown_user_is_a_one_line_error(db):
    with pytest.raises(CommandError, match="no user named"):
        call_command("sync_sources", "--user", "nobody")


def test_the_hourly_beat_fans_out_one_batch_per_few_users_with_sources(
    db, django_capture_on_commit_callbacks
):
    from contacts.tests.factories import make_user
    from crm.celery import app
    from sources import services

    entry = app.conf.beat_schedule["sync-sources"]
    assert entry["task"] == "sources.tasks.sources_sync_fan_out_task"
    users = [make_user() for _ in range(3)]
    make_user()  # no source: no batch
    for user in users:
        CalendarSource.objects.create(owner=user, url="https://x.example.org/a.ics")
    queued = []
    with django_capture_on_commit_callbacks(execute=True):
        count = services.sources_sync_fan_out(enqueue_batch=queued.append)
    assert count == 1 and queued == [sorted(u.pk for u in users)]


def test_a_beat_with_no_source_to_read_still_records_its_run(db):
    from sources import services

    assert services.sources_sync_fan_out(enqueue_batch=lambda batch: None) == 0
    run = JobRun.objects.get(name="sync_sources")
    assert run.last_finished_at is not None and run.last_summary == "logged=0 ignored=0 failed=0"
