"""The digest preview, the signed one-click links and one-click unsubscribe."""

import datetime as dt

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contacts.tests.factories import make_contact, make_reminder
from digests import tokens
from digests.tests.fixtures import make_network


def action_url(reminder, action: str, *, user=None, at=None) -> str:
    token = tokens.action_token_make(
        user_id=(user or reminder.owner).pk,
        reminder_id=reminder.pk,
        action=action,
        signer=tokens.action_signer(at=at),
    )
    return reverse("digest_action", args=[token])


@pytest.fixture
def reminder(alice):
    contact = make_contact(owner=alice, first_name="Ada", last_name="Lovelace")
    return make_reminder(contact=contact, kind="check_in", due_on=timezone.localdate() - dt.timedelta(days=3))


# --- preview ----------------------------------------------------------------------


def test_preview_needs_a_login(client):
    response = client.get(reverse("digest_preview"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_preview_shows_ones_own_digest_only(alice_client, alice, bob):
    make_contact(owner=bob, first_name="Bobs", last_name="Secret", birthday_month=1, birthday_day=1)
    contact = make_contact(owner=alice, first_name="Ada", last_name="Lovelace")
    make_reminder(contact=contact, kind="check_in", due_on=timezone.localdate())
    response = alice_client.get(reverse("digest_preview"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ada Lovelace" in page and "due today (6-month rhythm)" in page
    assert "Bobs Secret" not in page
    assert response.context["digest"].item_count == 1


def test_preview_says_when_no_email_would_be_sent(alice_client):
    response = alice_client.get(reverse("digest_preview"))
    assert "no email would be sent" in response.content.decode()


# --- one-click actions -------------------------------------------------------------


def test_get_on_an_action_link_only_shows_a_confirm_page(client, reminder):
    response = client.get(action_url(reminder, "done"))
    assert response.status_code == 200
    assert "Mark done" in response.content.decode()
    reminder.refresh_from_db()
    assert reminder.status == "open"


def test_post_done_closes_the_reminder_without_a_login(reminder):
    client = Client(enforce_csrf_checks=True)
    url = action_url(reminder, "done")
    page = client.get(url)  # the confirm page sets the CSRF cookie the form posts back
    token = page.context["csrf_token"]
    response = client.post(url, {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 200 and "Marked done" in response.content.decode()
    reminder.refresh_from_db()
    assert reminder.status == "done" and reminder.completed_at is not None


def test_post_snooze_hides_the_reminder_for_a_week(client, reminder):
    response = client.post(action_url(reminder, "snooze"))
    assert response.status_code == 200
    reminder.refresh_from_db()
    assert reminder.status == "snoozed"
    assert reminder.snoozed_until == timezone.localdate() + dt.timedelta(days=7)


def test_a_second_click_changes_nothing(client, reminder):
    client.post(action_url(reminder, "done"))
    response = client.post(action_url(reminder, "snooze"))
    assert response.status_code == 200 and "Nothing changed" in response.content.decode()
    reminder.refresh_from_db()
    assert reminder.status == "done"


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_is_refused_with_a_clear_page(client, reminder, method):
    url = action_url(reminder, "done")
    prefix, _, signature = url.rpartition(":")
    tampered = prefix + ":" + ("A" if signature[0] != "A" else "B") + signature[1:]
    response = getattr(client, method)(tampered)
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    reminder.refresh_from_db()
    assert reminder.status == "open"


def test_a_signature_moved_onto_another_reminders_payload_is_refused(client, reminder):
    other = make_reminder(contact=reminder.contact, kind="follow_up", due_on=reminder.due_on)
    genuine = tokens.action_token_make(user_id=reminder.owner_id, reminder_id=reminder.pk, action="done")
    other_payload = tokens.action_token_make(user_id=reminder.owner_id, reminder_id=other.pk, action="done")
    forged = other_payload.split(":", 1)[0] + ":" + genuine.split(":", 1)[1]
    assert client.post(reverse("digest_action", args=[forged])).status_code == 400
    other.refresh_from_db()
    assert other.status == "open"


def test_an_expired_link_is_refused_with_a_clear_page(client, reminder):
    url = action_url(reminder, "done", at=timezone.now() - tokens.ACTION_MAX_AGE - dt.timedelta(minutes=1))
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 400
        assert "This link has expired" in response.content.decode()
    reminder.refresh_from_db()
    assert reminder.status == "open"


def test_a_link_still_works_just_before_it_expires(client, reminder):
    url = action_url(reminder, "done", at=timezone.now() - tokens.ACTION_MAX_AGE + dt.timedelta(minutes=1))
    assert client.post(url).status_code == 200
    reminder.refresh_from_db()
    assert reminder.status == "done"


def test_a_link_signed_for_alice_cannot_touch_bobs_reminder(client, alice, bob):
    net = make_network(bob)
    response = client.post(action_url(net.check_in, "done", user=alice))
    assert response.status_code == 400
    net.check_in.refresh_from_db()
    assert net.check_in.status == "open"


def test_garbage_tokens_never_500(client):
    for token in ["x", "a:b:c", "eyJ1IjoxfQ:abc", "%00", "..", "a" * 500]:
        assert client.get(reverse("digest_action", args=[token])).status_code == 400
        assert client.post(reverse("digest_unsubscribe", args=[token])).status_code == 400


def test_an_unsubscribe_token_is_not_an_action_token(client, alice):
    token = tokens.unsubscribe_token_make(user_id=alice.pk)
    assert client.post(reverse("digest_action", args=[token])).status_code == 400


# --- unsubscribe (RFC 8058) --------------------------------------------------------


def test_get_on_unsubscribe_shows_a_confirm_page_and_changes_nothing(client, alice):
    url = reverse("digest_unsubscribe", args=[tokens.unsubscribe_token_make(user_id=alice.pk)])
    response = client.get(url)
    assert response.status_code == 200 and "Stop digest emails?" in response.content.decode()
    alice.profile.refresh_from_db()
    assert alice.profile.digest_frequency == "daily"


def test_one_click_post_turns_digests_off_without_login_or_csrf(alice):
    client = Client(enforce_csrf_checks=True)  # a mail client: no cookie, no CSRF token
    url = reverse("digest_unsubscribe", args=[tokens.unsubscribe_token_make(user_id=alice.pk)])
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    alice.profile.refresh_from_db()
    assert alice.profile.digest_frequency == "off"


def test_a_tampered_unsubscribe_link_changes_nothing(client, alice):
    token = tokens.unsubscribe_token_make(user_id=alice.pk)
    response = client.post(reverse("digest_unsubscribe", args=[token[:-2] + "xx"]))
    assert response.status_code == 400 and "This link does not work" in response.content.decode()
    alice.profile.refresh_from_db()
    assert alice.profile.digest_frequency == "daily"


# --- links in mail sent before the digest moved to its own app ---------------------


def test_the_links_keep_their_paths():
    assert reverse("digest_preview") == "/digest/preview"
    assert reverse("digest_action", args=["T"]) == "/digest/a/T"
    assert reverse("digest_unsubscribe", args=["T"]) == "/unsubscribe/T"


def test_links_signed_the_plain_django_way_still_work(client, reminder, alice):
    """Mail already sent carries TimestampSigner / Signer tokens with these salts."""
    done = signing.TimestampSigner(salt="keepwarm.digest.action").sign(f"{alice.pk}.{reminder.pk}.done")
    assert client.post(f"/digest/a/{done}").status_code == 200
    reminder.refresh_from_db()
    assert reminder.status == "done"
    unsubscribe = signing.Signer(salt="keepwarm.digest.unsubscribe").sign(str(alice.pk))
    assert client.post(f"/unsubscribe/{unsubscribe}").status_code == 200
    alice.profile.refresh_from_db()
    assert alice.profile.digest_frequency == "off"
