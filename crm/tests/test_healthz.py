from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from crm.models import JobRun

TOKEN = {"HTTP_AUTHORIZATION": "Bearer s3cret-health"}


@pytest.fixture(autouse=True)
def healthz_token(settings):
    settings.HEALTHZ_TOKEN = "s3cret-health"


def test_healthz_reports_database_broker_and_jobs(client, db):
    JobRun.objects.create(
        name="generate_reminders",
        last_finished_at=timezone.now() - timedelta(minutes=4),
        last_summary="created=3",
    )
    response = client.get("/healthz", **TOKEN)
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
            response = client.get("/healthz", **TOKEN)
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
        response = client.get("/healthz", **TOKEN)
    finally:
        app.conf.broker_url = old
    assert response.status_code == 200
    assert response.json()["broker"] == {"ok": True, "transport": "redis"}


def test_healthz_tells_the_public_only_ok_or_not(client, db, django_user_model):
    JobRun.objects.create(name="generate_reminders", last_finished_at=timezone.now(), last_summary="x")
    assert client.get("/healthz").json() == {"status": "ok"}
    wrong = client.get("/healthz", HTTP_AUTHORIZATION="Bearer guess")
    assert wrong.json() == {"status": "ok"}
    user = django_user_model.objects.create_user("plain", password="pw-keepwarm-123")
    client.force_login(user)
    assert client.get("/healthz").json() == {"status": "ok"}
    user.is_staff = True
    user.save()
    assert set(client.get("/healthz").json()) == {"status", "database", "broker", "jobs"}


def test_without_a_token_configured_no_header_unlocks_the_details(client, db, settings):
    settings.HEALTHZ_TOKEN = ""
    assert client.get("/healthz", HTTP_AUTHORIZATION="Bearer ").json() == {"status": "ok"}


def test_the_public_answer_when_down_is_503_without_the_broker_address(client, db):
    from crm.celery import app

    old = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = old
    assert response.status_code == 503 and response.json() == {"status": "error"}
