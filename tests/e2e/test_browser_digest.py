"""The digest in a real browser: preview, the signed one-click pages, unsubscribe."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.tests.factories import make_contact, make_interaction, make_reminder, make_user
from digests import tokens
from reminders.services import contacts_schedule_refresh

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _network(user):
    today = timezone.localdate()
    ada = make_contact(
        owner=user, first_name="Ada", last_name="Lovelace", company="Analytical Engines", title="Analyst"
    )
    check_in = make_reminder(contact=ada, kind="check_in", due_on=today - dt.timedelta(days=12))
    bert = make_contact(owner=user, first_name="Bert", last_name="Follower", company="Acme", title="CTO")
    make_reminder(contact=bert, kind="follow_up", due_on=today)
    soon = today + dt.timedelta(days=3)
    make_contact(
        owner=user, first_name="Cleo", last_name="Birthday", birthday_month=soon.month, birthday_day=soon.day
    )
    started = (today + dt.timedelta(days=5)).replace(year=today.year - 4)
    make_contact(
        owner=user,
        first_name="Grace",
        last_name="Hopper",
        company="Navy",
        title="Admiral",
        started_on=started,
    )
    dora = make_contact(
        owner=user,
        first_name="Dora",
        last_name="Distant",
        tie_strength="weak",
        title="Designer",
        created_at=timezone.now() - dt.timedelta(days=1500),
    )
    make_interaction(contact=dora, occurred_on=today - dt.timedelta(days=800), exchange="mutual")
    contacts_schedule_refresh(contact_ids=[dora.pk])  # dormant with history: the reconnect pick
    return check_in


def test_preview_then_one_click_done_then_unsubscribe(page, live_server, login, screenshot):
    alice = make_user("alice")
    alice.first_name = "Alice"
    alice.save(update_fields=["first_name"])
    check_in = _network(alice)
    login(page, "alice")

    page.goto(f"{live_server.url}/digest/preview")
    frame = page.frame_locator("iframe[title='Digest email']")
    for name in ["Ada Lovelace", "Bert Follower", "Cleo Birthday", "Grace Hopper", "Dora Distant"]:
        assert frame.get_by_text(name, exact=False).first.is_visible()
    # The digest leads with today's focus: the follow-up promised, then the check-in.
    assert "2 people to keep warm today: Bert and Ada" in page.get_by_test_id("digest-subject").inner_text()
    screenshot(page, "digest_preview")

    done_href = frame.get_by_role("link", name="Done").nth(1).get_attribute("href")  # Ada's check-in
    page.goto(live_server.url + urlsplit(done_href).path)  # SITE_URL is not the live server's
    assert page.get_by_role("button", name="Mark done").is_visible()
    screenshot(page, "digest_action_confirm")
    page.get_by_role("button", name="Mark done").click()
    assert "Marked done" in page.get_by_test_id("result").inner_text()
    check_in.refresh_from_db()
    assert check_in.status == "done"

    expired = tokens.action_token_make(
        user_id=alice.pk,
        reminder_id=check_in.pk,
        action="snooze",
        signer=tokens.action_signer(at=timezone.now() - dt.timedelta(days=30)),
    )
    response = page.goto(live_server.url + reverse("digest_action", args=[expired]))
    assert response.status == 400 and page.get_by_role("heading", name="This link has expired").is_visible()
    screenshot(page, "digest_link_expired")

    page.goto(
        live_server.url
        + reverse("digest_unsubscribe", args=[tokens.unsubscribe_token_make(user_id=alice.pk)])
    )
    screenshot(page, "digest_unsubscribe_confirm")
    page.get_by_role("button", name="Unsubscribe").click()
    assert "No more digest emails" in page.get_by_test_id("result").inner_text()
    alice.profile.refresh_from_db()
    assert alice.profile.digest_frequency == "off"
