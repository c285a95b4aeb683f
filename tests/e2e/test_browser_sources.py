"""Settings › Calendar & mailbox in a real browser: one working and one failing source
(artifacts/sources-settings.png), and the dashboard's review list (artifacts/sources-review.png)."""

import pytest

from contacts.tests.factories import make_contact, make_user
from sources.calendar_fetch import sync_calendar
from sources.models import CalendarSource
from sources.tests.feeds import Running, fixture
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e


@pytest.fixture
def served(settings):
    settings.SOURCES_ALLOW_PRIVATE_NETWORKS = True
    running = Running()
    yield running.feeds
    running.stop()


def test_the_sources_page_shows_a_working_and_a_failing_calendar(
    live_server, page, login, screenshot, served
):
    alice = make_user("alice", tz="Europe/Berlin")
    make_contact(owner=alice, first_name="Ada", last_name="Lovelace", emails=["ada@example.org"])
    work = CalendarSource.objects.create(
        owner=alice, name="Work (Google)", url=served.serve("/w.ics", fixture("weekly.ics"))
    )
    club = CalendarSource.objects.create(owner=alice, name="Old club calendar", url=served.url("/gone.ics"))
    asking = CalendarSource.objects.create(
        owner=alice,
        name="Side projects",
        url=served.serve("/a.ics", fixture("all-hands.ics")),
        ask_first=True,
    )
    make_contact(owner=alice, first_name="Grace", last_name="Hopper", emails=["person01@example.org"])
    for source in (work, club, asking):
        sync_calendar(source)

    login(page, "alice")
    page.goto(f"{live_server.url}/settings/sources/")
    working, failing = page.locator(f"#calendar-{work.pk}"), page.locator(f"#calendar-{club.pk}")
    assert "working" in working.inner_text() and "Last success" in working.inner_text()
    assert "failing" in failing.inner_text() and "The server answered 404 Not Found." in failing.inner_text()
    screenshot(page, "sources-settings")

    page.goto(f"{live_server.url}/")
    review = page.locator("#sources-review")
    assert "Meeting with Grace Hopper" in review.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    review.screenshot(path=str(ARTIFACTS / "sources-review.png"))
    page.click("#sources-review button[value=accept]")
    page.wait_for_url(f"{live_server.url}/")
    assert (
        page.locator("#sources-review").count() == 0
        or "Grace" not in page.locator("#sources-review").inner_text()
    )
