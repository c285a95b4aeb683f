import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.urls import reverse

from crm.models import Profile


def test_profile_is_created_with_every_user(db):
    user = User.objects.create_user("carol", password="x-long-password-1")
    assert Profile.objects.get(user=user).timezone == "UTC"
    assert user.profile.strong_cadence_months == 3
    assert user.profile.weak_cadence_months == 6


def test_signup_creates_user_logs_in_and_sends_to_settings(client, db):
    response = client.post(
        reverse("signup"),
        {
            "username": "dana",
            "email": "dana@example.com",
            "password1": "a-Long-pass-9911",
            "password2": "a-Long-pass-9911",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("settings")
    user = User.objects.get(username="dana")
    assert user.email == "dana@example.com"
    assert client.get(reverse("settings")).status_code == 200


def test_signup_shows_field_errors(client, db):
    response = client.post(
        reverse("signup"), {"username": "", "email": "not-an-email", "password1": "a", "password2": "b"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert {"username", "email", "password2"} <= set(form.errors)
    assert not User.objects.exists()


@override_settings(SIGNUP_ENABLED=False)
def test_signup_can_be_turned_off(client, db):
    assert client.get(reverse("signup")).status_code == 404
    response = client.post(
        reverse("signup"),
        {
            "username": "eve",
            "email": "eve@example.com",
            "password1": "a-Long-pass-9911",
            "password2": "a-Long-pass-9911",
        },
    )
    assert response.status_code == 404
    assert not User.objects.filter(username="eve").exists()
    assert b"Create an account" not in client.get(reverse("login")).content


def test_login_and_logout(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "pw-keepwarm-123"})
    assert response.status_code == 302
    assert client.get(reverse("settings")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("settings")).status_code == 302


def test_wrong_password_is_refused_with_a_message(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_change_password(alice_client, alice):
    response = alice_client.post(
        reverse("password_change"),
        {
            "old_password": "pw-keepwarm-123",
            "new_password1": "n3w-Secret-pass",
            "new_password2": "n3w-Secret-pass",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("n3w-Secret-pass")


@pytest.mark.parametrize("name", ["dashboard", "settings", "password_change"])
def test_pages_need_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_signup_asks_for_a_name_the_greeting_uses_it_and_the_next_step_is_offered(client, db):
    client.post(
        reverse("signup"),
        {
            "first_name": "Dana",
            "username": "dana2",
            "email": "dana2@example.com",
            "password1": "a-Long-pass-9911",
            "password2": "a-Long-pass-9911",
        },
    )
    assert User.objects.get(username="dana2").first_name == "Dana"
    settings_page = client.get(reverse("settings")).content.decode()
    assert 'id="next-step"' in settings_page and 'href="/contacts/import/"' in settings_page
    assert ", Dana</h1>" in client.get("/").content.decode()
