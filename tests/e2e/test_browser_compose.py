"""Compose in a real browser: a birthday message from a birthday reminder, Copy, the
mailto: link following edits, and "Sent — log it" closing the reminder."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from contacts.models import Interaction
from contacts.tests.factories import make_contact, make_reminder, make_user
from reminders.models import ReminderStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_birthday_message_from_a_reminder_copied_and_logged(page, live_server, login, screenshot):
    user = make_user("cora")
    user.first_name, user.last_name = "Cora", "Lindqvist"
    user.save()
    today = timezone.localdate()
    ada = make_contact(
        owner=user,
        first_name="Ada",
        last_name="Lovelace",
        company="Analytical Engines",
        title="Analyst",
        how_we_met="PyCon 2024",
        emails=["ada@example.org"],
        birthday_month=today.month,
        birthday_day=today.day,
    )
    reminder = make_reminder(contact=ada, kind="birthday", due_on=today, detail="birthday")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)

    login(page, "cora")
    page.goto(f"{live_server.url}/reminders/")
    page.locator(f"#reminder-{reminder.pk} [data-action=write]").click()
    page.wait_for_url(f"**/contacts/{ada.pk}/compose/**")

    assert page.locator("#template-select").input_value() == "birthday"
    body = page.locator("#id_body")
    assert body.input_value().startswith("Hi Ada,\n\nHappy birthday!")
    assert body.input_value().endswith("Warmly,\nCora Lindqvist")
    assert page.locator("#id_subject").input_value() == "Happy birthday, Ada!"

    page.locator("[data-action=copy]").click()
    page.locator("#copy-status").filter(has_text="Copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == body.input_value()

    # An edit reaches the mailto: link (static/js/compose.js), encoded as RFC 6068 wants.
    body.focus()
    body.press("Control+End")
    body.press_sequentially("\nP.S. Cake & coffee soon?")
    href = page.locator("#compose-mailto").get_attribute("href")
    parts = urlsplit(href)
    assert parts.scheme == "mailto" and parts.path == "ada@example.org"
    query = parse_qs(parts.query)
    assert query["subject"] == ["Happy birthday, Ada!"]
    assert query["body"][0].endswith("Cora Lindqvist\r\nP.S. Cake & coffee soon?")
    screenshot(page, "compose")

    page.locator("[data-action=sent]").click()
    page.wait_for_url(f"{live_server.url}/reminders/")
    assert "Logged your email to Ada Lovelace and closed the reminder." in page.locator("main").inner_text()
    assert page.locator(f"#reminder-{reminder.pk}").count() == 0

    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.DONE
    logged = Interaction.objects.get(kind="email")
    assert logged.summary.startswith("Happy birthday, Ada!\n\nHi Ada,")
    assert logged.summary.endswith("P.S. Cake & coffee soon?")
    page.goto(f"{live_server.url}/templates/")
    assert page.locator("#templates .list-group-item").count() == 5
    screenshot(page, "message_templates")
    assert errors == []
