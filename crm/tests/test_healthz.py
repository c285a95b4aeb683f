from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from crm.models import JobRun


def test_healthz_reports_database_broker_and_jobs(client, db):
    JobRun.objects.create(
        name="generate_reminders",
        last_finished_at=timezone.now() - timedelta(minutes=4),
        last_summary="created=3",
    )
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"] == {"ok": True, "transport": "filesystem"}
    job = body["jobs"]["generate_reminders"]
    assert 235 <= job["seconds_ago"] <= 300
    assert job["summary"] == "created=3"


def test_healthz_is_503_when_the_broker_is_down(client, db):
    from crm.celery import app

    old = app.conf.broker_url
    # Nothing listens on port 1: the broker check must fail fast and say so.
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        with override_settings():
            response = client.get("/healthz")
    finally:
        app.conf.broker_url = old
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["broker"]["ok"] is False
    assert body["broker"]["transport"] == "redis"
    assert body["database"]["ok"] is True


def test_healthz_with_the_real_redis_broker(client, db, redis_url):
    from crm.celery import app

    old = app.conf.broker_url
    app.conf.broker_url = redis_url
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = old
    assert response.status_code == 200
    assert response.json()["broker"] == {"ok": True, "transport": "redis"}
