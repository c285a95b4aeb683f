"""Reminders in a real browser: htmx actions remove rows without a page reload."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from contacts.tests.factories import make_contact, make_interaction, make_reminder, make_user
from reminders.models import Reminder

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _network(user) -> dict[str, Reminder]:
    today = timezone.localdate()
    created = timezone.now() - timedelta(days=400)
    ada = make_contact(
        owner=user, first_name="Ada", last_name="Lovelace", company="Analytical Engines", created_at=created
    )
    make_interaction(contact=ada, occurred_on=today - timedelta(days=130))
    ada.last_interaction_on = ada.last_talked_on = today - timedelta(days=130)
    ada.save()
    grace = make_contact(
        owner=user, first_name="Grace", last_name="Hopper", company="Navy", created_at=created
    )
    linus = make_contact(
        owner=user, first_name="Linus", last_name="Torvalds", company="Linux Foundation", created_at=created
    )
    margaret = make_contact(
        owner=user, first_name="Margaret", last_name="Hamilton", company="MIT", created_at=created
    )
    soon = today + timedelta(days=3)
    make_contact(
        owner=user,
        first_name="Alan",
        last_name="Kay",
        birthday_month=soon.month,
        birthday_day=soon.day,
        birthday_year=1940,
    )
    week = today + timedelta(days=5)
    make_contact(
        owner=user,
        first_name="Barbara",
        last_name="Liskov",
        company="MIT",
        started_on=date(week.year - 5, week.month, min(week.day, 28)),
    )
    return {
        "ada": make_reminder(contact=ada, due_on=today - timedelta(days=40)),
        "grace": make_reminder(contact=grace, kind="birthday", due_on=today, detail="turns 120"),
        "linus": make_reminder(
            contact=linus, kind="work_anniversary", due_on=today, detail="5 years at Linux Foundation"
        ),
        "margaret": make_reminder(
            contact=margaret,
            kind="job_change",
            due_on=today - timedelta(days=1),
            detail="new role: Director at MIT — congratulate them",
        ),
    }


def test_done_and_snooze_remove_rows_without_reload(page, live_server, login, screenshot):
    user = make_user("rita")
    rows = _network(user)
    login(page, "rita")
    screenshot(page, "dashboard")
    assert page.locator("#focus .kw-reminder").count() == 4

    page.goto(f"{live_server.url}/reminders/")
    page.evaluate("window.__marker = 'same page'")  # survives only if there is no reload
    screenshot(page, "reminders")

    ada = page.locator(f"#reminder-{rows['ada'].pk}")
    assert "last talked 4 months ago" in ada.inner_text()
    ada.locator("[data-action=done]").click()
    ada.wait_for(state="detached")

    grace = page.locator(f"#reminder-{rows['grace'].pk}")
    grace.locator("[data-action=snooze]").click()
    screenshot(page, "reminders-snooze", full_page=False)
    grace.locator("[data-snooze='1 week']").click()
    grace.wait_for(state="detached")

    linus = page.locator(f"#reminder-{rows['linus'].pk}")
    linus.locator("[data-action=log]").click()
    linus.locator(".collapse.show").wait_for()
    linus.locator("select[name=kind]").select_option("call")
    linus.locator("input[name=summary]").fill("Congratulated him")
    screenshot(page, "reminders-log", full_page=False)
    linus.locator("button[type=submit]", has_text="Save").click()
    linus.wait_for(state="detached")

    assert page.evaluate("window.__marker") == "same page"
    statuses = dict(Reminder.objects.values_list("pk", "status"))
    assert statuses[rows["ada"].pk] == "done"
    assert statuses[rows["grace"].pk] == "snoozed"
    assert statuses[rows["linus"].pk] == "done"
    assert statuses[rows["margaret"].pk] == "open"
    assert page.locator("#overdue-list .kw-reminder").count() == 1
    # The section counts follow without a reload.
    assert page.locator("[data-count-of='#overdue-list .kw-reminder']").inner_text() == "1"
    assert page.locator("[data-count-of='#today-list .kw-reminder']").inner_text() == "0"
    screenshot(page, "reminders-after")


def test_dashboard_on_a_phone(phone_page, login, screenshot):
    user = make_user("phoebe")
    _network(user)
    page = phone_page
    login(page, "phoebe")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # A row's actions stay on one line ("Dismiss" used to wrap), and a row is a few lines tall.
    row = page.locator("#focus .kw-reminder").first
    done = row.locator("[data-action=done]").bounding_box()
    dismiss = row.locator("[data-action=dismiss]").bounding_box()
    assert abs(done["y"] - dismiss["y"]) < 4
    assert row.bounding_box()["height"] < 844 / 5
    screenshot(page, "dashboard-phone")


def test_empty_dashboard_says_what_to_do(page, live_server, login, screenshot):
    make_user("newbie")
    login(page, "newbie")
    assert page.locator("#empty-state").is_visible()
    assert page.get_by_role("link", name="Add a contact").is_visible()
    screenshot(page, "dashboard-empty")


def test_a_toast_offers_undo_after_done(page, live_server, login, screenshot):
    user = make_user("undo")
    rows = _network(user)
    login(page, "undo")
    page.goto(f"{live_server.url}/reminders/")
    ada = page.locator(f"#reminder-{rows['ada'].pk}")
    ada.locator("[data-action=done]").click()
    ada.wait_for(state="detached")
    toast = page.locator(".kw-toast")
    toast.wait_for()
    assert "Done: Ada Lovelace" in toast.inner_text()
    screenshot(page, "reminders-undo-toast", full_page=False)
    with page.expect_navigation():
        toast.locator(".kw-undo").click()
    page.locator(f"#reminder-{rows['ada'].pk}").wait_for()
    assert Reminder.objects.get(pk=rows["ada"].pk).status == "open"
