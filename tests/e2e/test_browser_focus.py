"""Today's focus, warmth and reconnect in a real browser: a list you can finish."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.models import Contact
from contacts.tests.factories import make_contact, make_interaction, make_user
from reminders import focus, services
from reminders.models import Reminder

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _backlog(user, n: int) -> None:
    """n contacts added two years ago and never seen since: n overdue check-ins."""
    created = timezone.now() - timedelta(days=730)
    for i in range(n):
        make_contact(
            owner=user,
            first_name=f"Stale{i:02d}",
            last_name="Person",
            tie_strength="strong" if i % 3 == 0 else "weak",
            created_at=created,
        )


def _dormant_with_history(user, *, cadence: int | None = None) -> Contact:
    today = timezone.localdate()
    long_ago = timezone.now() - timedelta(days=2000)
    mentor = make_contact(
        owner=user,
        first_name="Grace",
        last_name="Hopper",
        title="VP Engineering",
        company="Northwind",
        created_at=long_ago,
        checkin_cadence_months=cadence,
    )
    make_interaction(contact=mentor, occurred_on=today - timedelta(days=1100), exchange="asked")
    return mentor


def test_focus_is_a_short_list_you_can_finish(page, live_server, login, screenshot):
    user = make_user("fiona")
    _backlog(user, 12)
    grace = _dormant_with_history(user, cadence=0)  # no check-in: not in today's focus, only to reconnect
    services.reminders_generate(today=timezone.localdate())
    ids = list(Contact.objects.filter(owner=user).values_list("pk", flat=True))
    services.contacts_schedule_refresh(contact_ids=ids)
    focus.focus_pick(owner_id=user.pk, today=timezone.localdate())  # what the first dashboard visit does
    expected = focus.focus_today(owner_id=user.pk, today=timezone.localdate())
    assert len(expected.items) == user.profile.daily_focus == 5

    login(page, "fiona")
    screenshot(page, "focus-dashboard")
    links = page.locator("#focus .kw-reminder a.fw-semibold")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    # Each person links to their page, in the rank order the engine computed.
    assert hrefs == [f"/contacts/{r.contact_id}/" for r in expected.items]
    rows = page.locator("#focus .kw-reminder")
    assert rows.count() == 5
    # Each row says why it is there.
    assert re.search(r"(strong|weak) tie · .* past its \d+-month rhythm", rows.first.inner_text())
    waiting = Reminder.objects.active(timezone.localdate()).filter(owner=user).count() - 5
    assert page.locator("#count-waiting").inner_text() == str(waiting)

    # Warmth: a coloured dot with its parts in words on focus (a tap on a phone).
    dot = page.locator("#focus .kw-warmth").first
    dot.focus()
    assert "last talked" in dot.get_attribute("data-why") or "never talked" in dot.get_attribute("data-why")
    screenshot(page, "focus-warmth-tooltip", full_page=False)

    # Reconnect: the dormant tie with history comes first, with its reasons.
    first = page.locator("#reconnect .kw-reconnect").first
    assert first.locator("a.fw-semibold").get_attribute("href") == f"/contacts/{grace.pk}/"
    assert "helped you in" in first.inner_text() and "senior role" in first.inner_text()

    # Finish the list: every Done removes its row without a reload.
    page.evaluate("window.__marker = 'same page'")
    for _ in range(5):
        row = page.locator("#" + page.locator("#focus .kw-reminder").first.get_attribute("id"))
        row.locator("[data-action=done]").click()
        row.wait_for(state="detached")
    assert page.evaluate("window.__marker") == "same page"
    finished = page.locator("#focus-finished")
    assert finished.is_visible() and "Done for today" in finished.inner_text()
    assert page.locator("#count-focus").inner_text() == "0"
    screenshot(page, "focus-finished")

    # "One more" adds exactly one person, the next in rank order.
    page.locator("#focus-one-more").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("#focus .kw-reminder").count() == 1
    assert "Done today:" in page.locator("#focus-done").inner_text()
    assert Reminder.objects.filter(owner=user, focus_on=timezone.localdate()).count() == 6
    screenshot(page, "focus-one-more")

    # Snooze a reconnect suggestion: it leaves the panel at once.
    page.locator(f"#reconnect-{grace.pk} [data-action=snooze]").click()
    page.locator(f"#reconnect-{grace.pk}").wait_for(state="detached")
    grace.refresh_from_db()
    assert grace.reconnect_hidden_until > timezone.localdate()


def test_reconnect_page_and_warmth_sort(page, live_server, login, screenshot):
    user = make_user("rhea")
    _backlog(user, 4)
    grace = _dormant_with_history(user)
    services.contacts_schedule_refresh(
        contact_ids=Contact.objects.filter(owner=user).values_list("pk", flat=True)
    )
    login(page, "rhea")
    page.goto(f"{live_server.url}/reconnect/")
    screenshot(page, "reconnect")
    names = page.locator("#reconnect-list a.fw-semibold").all_inner_texts()
    assert names[0] == "Grace Hopper" and len(names) == 5
    page.locator(f"#reconnect-{grace.pk} [data-action=not-now]").click()
    page.locator(f"#reconnect-{grace.pk}").wait_for(state="detached")

    page.goto(f"{live_server.url}/contacts/{grace.pk}/")
    assert page.locator("#cadence").inner_text().startswith("every 6 months — your default for weak ties")
    assert "overdue since" in page.locator("#cadence").inner_text()
    assert "last talked 3 years ago" in page.locator("#warmth").inner_text()
    screenshot(page, "contact-warmth-cadence")

    page.goto(f"{live_server.url}/contacts/?sort=-warmth")
    screenshot(page, "contacts-by-warmth")
    scores = [int(t) for t in page.locator("#contacts .kw-warmth-num").all_inner_texts()]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0


def test_contact_pages_reminders_panel_has_the_same_actions(page, live_server, login, screenshot):
    user = make_user("panel")
    ada = make_contact(owner=user, first_name="Ada", last_name="Lovelace")
    today = timezone.localdate()
    check_in = Reminder.objects.create(
        owner=user, contact=ada, kind="check_in", due_on=today - timedelta(days=9)
    )
    birthday = Reminder.objects.create(
        owner=user, contact=ada, kind="birthday", due_on=today, detail="turns 36"
    )
    login(page, "panel")
    page.goto(f"{live_server.url}/contacts/{ada.pk}/")
    screenshot(page, "contact-reminders-panel", full_page=False)
    panel = page.locator("#contact-reminders")
    assert "overdue since" in panel.inner_text() and "turns 36" in panel.inner_text()
    page.locator(f"#panel-reminder-{check_in.pk} [data-action=done]").click()
    page.locator(f"#panel-reminder-{check_in.pk}").wait_for(state="detached")
    page.locator(f"#panel-reminder-{birthday.pk} [data-snooze='1 week']").click()
    page.locator(f"#panel-reminder-{birthday.pk}").wait_for(state="detached")
    statuses = dict(Reminder.objects.values_list("pk", "status"))
    assert statuses == {check_in.pk: "done", birthday.pk: "snoozed"}
