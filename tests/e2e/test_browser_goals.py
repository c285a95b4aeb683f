"""Goals in a real browser: add a suggested goal in one click, see its progress and history."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.tests.factories import make_contact, make_interaction, make_user
from goals.models import Goal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_add_a_suggested_goal_and_see_its_progress(page, live_server, login, screenshot):
    user = make_user("gwen", tz="Europe/London")
    today = timezone.localdate()
    long_ago = timezone.now() - timedelta(days=900)
    people = [
        make_contact(owner=user, first_name=n, last_name="Example", created_at=long_ago)
        for n in ("Ada", "Alan", "Grace")
    ]
    # Two informational interviews this month, and some in the past months.
    for i, person in enumerate(people[:2]):
        make_interaction(
            contact=person,
            kind="informational_interview",
            occurred_on=today.replace(day=1) + timedelta(days=i),
        )
    for months_ago in (1, 1, 1, 2, 4, 4, 4):
        day = (today.replace(day=1) - timedelta(days=1 + 30 * (months_ago - 1))).replace(day=10)
        make_interaction(contact=people[2], kind="informational_interview", occurred_on=day)
    # A goal set a while ago, so the history has periods to show.
    Goal.objects.create(
        owner=user,
        measure="interactions",
        kind="coffee",
        target=1,
        period="week",
        created_on=today - timedelta(days=70),
    )
    for weeks_ago in (1, 2, 3, 5, 6, 8):
        make_interaction(contact=people[0], kind="coffee", occurred_on=today - timedelta(weeks=weeks_ago))

    login(page, "gwen")
    page.click("nav >> text=Goals")
    page.wait_for_url(f"{live_server.url}/goals/")
    page.click("#suggestion-informational-interviews button[type=submit]")
    page.wait_for_selector("text=Goal set: 3 informational interviews a month.")
    goal = page.locator(".kw-goal", has_text="3 informational interviews a month")
    assert "2 of 3" in goal.inner_text()
    assert "kw-goal-w-65" in goal.locator(".progress-bar").get_attribute("class")
    assert page.locator("#suggestion-informational-interviews").inner_text().endswith("Added ✓")
    coffee = page.locator(".kw-goal", has_text="1 coffee a week")
    assert coffee.locator(".kw-goal-cell.kw-goal-met").count() == 6
    assert "in a row" in coffee.inner_text()
    screenshot(page, "goals")

    page.goto(f"{live_server.url}/")
    assert page.locator("#goals", has_text="3 informational interviews a month").count() == 1
    assert Goal.objects.filter(owner=user).count() == 2
