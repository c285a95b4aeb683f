import logging

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from sources import crypto

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


@pytest.fixture
def key_a(monkeypatch):
    monkeypatch.setenv(crypto.ENV_NAME, KEY_A)


@given(plain=st.text())
def test_round_trip_gives_back_any_text(plain):
    assert crypto.decrypt(crypto.encrypt(plain)) == plain


def test_the_stored_token_never_contains_the_password(key_a):
    password = "correct-horse-battery-staple"
    token = crypto.encrypt(password)
    assert password not in token
    assert password.encode() not in token.encode()
    assert token.isascii()
    # A fresh IV each time: the same password never gives the same token.
    assert crypto.encrypt(password) != token


def test_another_key_gives_a_clear_error(monkeypatch, key_a):
    token = crypto.encrypt("s3cret")
    monkeypatch.setenv(crypto.ENV_NAME, KEY_B)
    with pytest.raises(crypto.SecretError, match="encrypted with another key"):
        crypto.decrypt(token)


def test_a_tampered_or_foreign_token_is_refused(key_a):
    token = crypto.encrypt("s3cret")
    with pytest.raises(crypto.SecretError):
        crypto.decrypt(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
    with pytest.raises(crypto.SecretError):
        crypto.decrypt("not a token at all")
    with pytest.raises(crypto.SecretError):
        crypto.decrypt("ünïcode")


def test_rotation_new_key_first_old_key_still_reads(monkeypatch):
    monkeypatch.setenv(crypto.ENV_NAME, KEY_A)
    old_token = crypto.encrypt("s3cret")
    monkeypatch.setenv(crypto.ENV_NAME, f"{KEY_B}, {KEY_A}")
    assert crypto.decrypt(old_token) == "s3cret"
    rotated = crypto.rotate(old_token)
    monkeypatch.setenv(crypto.ENV_NAME, KEY_B)  # the old key dropped
    assert crypto.decrypt(rotated) == "s3cret"
    with pytest.raises(crypto.SecretError):
        crypto.decrypt(old_token)


def test_a_malformed_key_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv(crypto.ENV_NAME, "too-short")
    with pytest.raises(ImproperlyConfigured, match="not a Fernet key"):
        crypto.encrypt("x")


def test_without_the_variable_the_key_comes_from_secret_key_with_a_warning(monkeypatch, settings, caplog):
    monkeypatch.delenv(crypto.ENV_NAME, raising=False)
    settings.SECRET_KEY = "a-secret-key-for-this-test-only"
    crypto._fernet.cache_clear()
    with caplog.at_level(logging.WARNING, logger="sources.crypto"):
        token = crypto.encrypt("s3cret")
    assert "KEEPWARM_SECRETS_KEY is not set" in caplog.text
    # The derived key is a Fernet key of its own, not SECRET_KEY itself.
    assert Fernet(crypto.derived_key(settings.SECRET_KEY)).decrypt(token.encode()) == b"s3cret"
    settings.SECRET_KEY = "another-secret-key"
    with pytest.raises(crypto.SecretError):
        crypto.decrypt(token)


def test_rotate_secrets_re_encrypts_stored_passwords_under_the_new_key(monkeypatch, alice, capsys):
    from django.core.management import call_command

    from sources.models import MailboxSource

    monkeypatch.setenv(crypto.ENV_NAME, KEY_A)
    box = MailboxSource.objects.create(
        owner=alice, host="imap.example.com", username="alice", password_encrypted=crypto.encrypt("s3cret")
    )
    foreign = MailboxSource.objects.create(
        owner=alice, host="imap.example.com", username="other", password_encrypted="not-a-token"
    )
    monkeypatch.setenv(crypto.ENV_NAME, f"{KEY_B},{KEY_A}")

    call_command("rotate_secrets")

    assert capsys.readouterr().out.strip().splitlines()[-1] == "rotated=1 unreadable=1"
    monkeypatch.setenv(crypto.ENV_NAME, KEY_B)  # the old key removed
    box.refresh_from_db()
    assert crypto.decrypt(box.password_encrypted) == "s3cret"
    foreign.refresh_from_db()
    assert foreign.password_encrypted == "not-a-token"
