"""The Celery entry points: options, fan-out after commit, thin wrappers."""

from datetime import date

import pytest

from contacts.tests.factories import make_contact, make_user
from crm.celery import app
from crm.models import JobRun
from reminders import tasks
from reminders.models import Reminder

from .helpers import at

pytestmark = pytest.mark.django_db


def test_every_task_acks_late_and_is_redelivered_when_a_worker_dies():
    for task in (tasks.reminders_generate_fan_out_task, tasks.reminders_generate_batch_task):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True


def test_beat_schedule_names_the_fan_out_task():
    names = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "reminders.tasks.generate_reminders_task" in names
    assert tasks.reminders_generate_fan_out_task.name == "reminders.tasks.generate_reminders_task"


def test_fan_out_enqueues_one_batch_per_group_of_users_after_commit(
    django_capture_on_commit_callbacks, monkeypatch
):
    users = [make_user() for _ in range(5)]
    sent = []
    monkeypatch.setattr(tasks.reminders_generate_batch_task, "delay", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert tasks.reminders_generate_fan_out_task(today="2027-01-10", batch_size=2) == 3
    assert sent == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert [ids for ids, _ in sent] == [[u.pk for u in users[:2]], [u.pk for u in users[2:4]], [users[4].pk]]
    assert {today for _, today in sent} == {"2027-01-10"}


def test_batch_task_raises_reminders_and_records_the_run():
    user = make_user()
    contact = make_contact(
        owner=user,
        created_at=at(date(2026, 1, 1)),
        checkin_cadence_months=0,
        birthday_month=1,
        birthday_day=10,
    )
    assert tasks.reminders_generate_batch_task([user.pk], "2027-01-10") == 1
    assert Reminder.objects.get().contact_id == contact.pk
    assert "created=1" in JobRun.objects.get(name="generate_reminders").last_summary


def test_beat_runs_the_scores_sweep_every_ten_minutes_within_its_limit():
    entry = app.conf.beat_schedule["refresh-scores"]
    assert entry["task"] == tasks.scores_refresh_task.name and entry["schedule"] == 600.0
    assert entry["task"] in app.tasks
    user = make_user()
    for _ in range(3):
        make_contact(owner=user)
    assert tasks.scores_refresh_task(limit=2) == 2  # bounded
    assert tasks.scores_refresh_task() == 1  # the rest
    assert tasks.scores_refresh_task() == 0  # nothing stale today
