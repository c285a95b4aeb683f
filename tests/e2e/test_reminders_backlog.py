"""A backlog in a real browser (issue 14): /reminders/ shows a window of the overdue ones,
"Show more" appends the next by htmx, and the rows it brings act like the others."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import Contact
from contacts.tests.factories import make_user
from reminders.models import Reminder

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BACKLOG = 120


def _backlog(user) -> list[int]:
    """BACKLOG overdue check-ins, most overdue first (the page's order)."""
    today = timezone.localdate()
    people = Contact.objects.bulk_create(
        [
            Contact(owner=user, first_name=f"Person{i:03d}", last_name="Backlog", company="Acme")
            for i in range(BACKLOG)
        ]
    )
    Reminder.objects.bulk_create(
        [
            Reminder(
                owner=user, contact=person, kind="check_in", due_on=today - timedelta(days=BACKLOG + 1 - i)
            )
            for i, person in enumerate(people)
        ]
    )
    return list(Reminder.objects.filter(owner=user).order_by("due_on", "id").values_list("id", flat=True))


def test_show_more_twice_then_act_on_rows_it_brought(page, live_server, login, screenshot):
    user = make_user("backlogged")
    order = _backlog(user)
    login(page, "backlogged")
    page.goto(f"{live_server.url}/reminders/")
    page.evaluate("window.__marker = 'same page'")  # survives only if there is no reload
    rows = page.locator("#overdue-list .kw-reminder")
    badge = page.locator("[data-count-of='#overdue-list .kw-reminder']")
    more = page.locator("#overdue-more [data-action=more]")
    assert rows.count() == 25 and badge.inner_text() == "120"
    assert more.inner_text() == "Show more (95 left)"
    screenshot(page, "reminders-backlog-top", full_page=False)

    more.click()
    expect(rows).to_have_count(50)
    assert more.inner_text() == "Show more (70 left)"
    more.click()
    expect(rows).to_have_count(75)
    assert more.inner_text() == "Show more (45 left)"
    # In order, each row once, the total unchanged.
    shown = [int(pk.split("-")[1]) for pk in rows.evaluate_all("rows => rows.map(r => r.id)")]
    assert shown == order[:75]
    assert badge.inner_text() == "120"

    # Done on a row of the third window: it goes, the count follows.
    done = page.locator(f"#reminder-{order[60]}")
    done.locator("[data-action=done]").click()
    done.wait_for(state="detached")
    expect(badge).to_have_text("119")
    assert page.locator(".kw-toast").first.inner_text().startswith("Done: Person060 Backlog")

    # Snooze a row of the second window (its menu is filled on first open).
    snoozed = page.locator(f"#reminder-{order[30]}")
    snoozed.locator("[data-action=snooze]").click()
    snoozed.locator("[data-snooze='1 week']").wait_for()
    screenshot(page, "reminders-backlog-snooze-menu", full_page=False)
    snoozed.locator("[data-snooze='1 week']").click()
    snoozed.wait_for(state="detached")
    expect(badge).to_have_text("118")

    # Done + log on another row brought by "more".
    logged = page.locator(f"#reminder-{order[45]}")
    logged.locator("[data-action=log]").click()
    logged.locator(".collapse.show").wait_for()
    logged.locator("select[name=kind]").select_option("call")
    logged.locator("input[name=summary]").fill("Caught up at last")
    logged.locator("button[type=submit]", has_text="Save").click()
    logged.wait_for(state="detached")
    expect(badge).to_have_text("117")

    # The next window starts right after the last row loaded, whatever was closed before it.
    more.click()
    expect(rows).to_have_count(97)
    assert more.inner_text() == "Show more (20 left)"
    assert badge.inner_text() == "117"
    assert page.evaluate("window.__marker") == "same page"

    statuses = dict(
        Reminder.objects.filter(pk__in=[order[60], order[30], order[45]]).values_list("pk", "status")
    )
    assert statuses == {order[60]: "done", order[30]: "snoozed", order[45]: "done"}
    assert user.interactions.filter(summary="Caught up at last", kind="call").exists()
    more.scroll_into_view_if_needed()
    screenshot(page, "reminders-backlog-more", full_page=False)
