"""The Celery app and the beat schedule (beat runs in UTC, in exactly one process)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

app = Celery("keepwarm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Hourly: every user's local "today" and local digest hour come round once an hour.
app.conf.beat_schedule = {
    "generate-reminders-hourly": {
        "task": "reminders.tasks.generate_reminders_task",
        "schedule": crontab(minute=5),
    },
    "send-digests-hourly": {
        # digests.tasks.digest_fan_out_task: its wire name is the one it had in reminders/.
        "task": "reminders.digest_tasks.send_digests_task",
        "schedule": crontab(minute=10),
    },
    # Warmth and the reconnect rank decay by the day: the stale ones are recomputed in
    # bounded runs (reminders.services.scores_refresh), apart from the reminder job,
    # which reads only what is due.
    "refresh-scores": {
        "task": "reminders.tasks.scores_refresh_task",
        "schedule": 600.0,
    },
    # Import jobs left queued (the broker was down when confirmed) or running with an
    # expired lease (the worker was killed): their task is sent again.
    # contacts.importing.jobs.SWEEP_INTERVAL says the same.
    "sweep-import-jobs": {
        "task": "contacts.tasks.import_jobs_sweep_task",
        "schedule": 300.0,
    },
    # Calendars and mailboxes (sources/, #16): one batch task per few users with a source.
    "sync-sources": {
        "task": "sources.tasks.sources_sync_fan_out_task",
        "schedule": crontab(minute=20),
    },
}
