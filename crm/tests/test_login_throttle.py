"""Sign-in throttling (django-axes): a password cannot be guessed by trying many."""

import pytest
from django.urls import reverse

from contacts.tests.factories import make_user

pytestmark = pytest.mark.django_db

RIGHT = "pw-keepwarm-123"


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.AXES_FAILURE_LIMIT = 5


def _sign_in(client, username, password, *, ip="203.0.113.7", url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_the_right_password_after_too_many_wrong_ones_is_refused_with_a_clear_page(client):
    make_user("alice")
    for _ in range(4):
        assert _sign_in(client, "alice", "guess").status_code == 200  # the form again, with its error
    locked = _sign_in(client, "alice", "guess")
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()
    assert "Try again in 15 minutes" in locked.content.decode()
    right = _sign_in(client, "alice", RIGHT)
    assert right.status_code == 429 and "_auth_user_id" not in client.session


def test_another_account_at_another_address_is_not_affected(client):
    make_user("alice")
    make_user("bob")
    for _ in range(5):
        _sign_in(client, "alice", "guess")
    assert _sign_in(client, "bob", RIGHT, ip="198.51.100.9").status_code == 302
    assert client.session["_auth_user_id"]


def test_one_address_trying_many_accounts_is_locked_out(client):
    for i in range(5):
        make_user(f"u{i}")
        _sign_in(client, f"u{i}", "guess", ip="192.0.2.66")
    make_user("victim")
    assert _sign_in(client, "victim", RIGHT, ip="192.0.2.66").status_code == 429


def test_a_right_password_resets_the_count(client):
    make_user("alice")
    for _ in range(4):
        _sign_in(client, "alice", "guess")
    assert _sign_in(client, "alice", RIGHT).status_code == 302
    client.logout()
    for _ in range(4):
        assert _sign_in(client, "alice", "guess").status_code == 200


def test_the_admin_login_is_throttled_too(client):
    admin = make_user("root")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    url = reverse("admin:login")
    for _ in range(5):
        _sign_in(client, "root", "guess", url=url)
    assert _sign_in(client, "root", RIGHT, url=url).status_code == 429
