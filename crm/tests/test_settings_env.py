import pytest
from django.core.exceptions import ImproperlyConfigured

from crm import settings as s


def test_env_bool(monkeypatch):
    monkeypatch.setenv("KW_FLAG", "yes")
    assert s.env_bool("KW_FLAG") is True
    monkeypatch.setenv("KW_FLAG", "0")
    assert s.env_bool("KW_FLAG", True) is False
    monkeypatch.delenv("KW_FLAG")
    assert s.env_bool("KW_FLAG", True) is True
    monkeypatch.setenv("KW_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="KW_FLAG must be a boolean"):
        s.env_bool("KW_FLAG")


def test_env_int_refuses_garbage(monkeypatch):
    monkeypatch.setenv("KW_NUM", "12")
    assert s.env_int("KW_NUM", 3) == 12
    monkeypatch.setenv("KW_NUM", "twelve")
    with pytest.raises(ImproperlyConfigured, match="KW_NUM must be an integer"):
        s.env_int("KW_NUM", 3)


def test_env_list(monkeypatch):
    monkeypatch.setenv("KW_HOSTS", "a.example, b.example ,")
    assert s.env_list("KW_HOSTS", []) == ["a.example", "b.example"]


def test_email_url_parsing():
    smtp = s._email_from_url("smtp://me%40x.org:p%3Ass@mail.example.org:2525?tls=1")
    assert smtp["EMAIL_HOST"] == "mail.example.org"
    assert smtp["EMAIL_PORT"] == 2525
    assert smtp["EMAIL_HOST_USER"] == "me@x.org"
    assert smtp["EMAIL_HOST_PASSWORD"] == "p:ss"
    assert smtp["EMAIL_USE_TLS"] is True and smtp["EMAIL_USE_SSL"] is False
    assert s._email_from_url("smtps://mail.example.org")["EMAIL_PORT"] == 465
    assert s._email_from_url("console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    with pytest.raises(ImproperlyConfigured):
        s._email_from_url("ftp://nope")


def test_sqlite_is_configured_for_concurrent_writers():
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("PostgreSQL run")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
    assert settings.EMAIL_TIMEOUT > 0
