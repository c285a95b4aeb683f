"""The phone: at 390 px a long company name is cut with an ellipsis, never widens a page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.tests.factories import make_contact, make_interaction, make_user
from reminders import services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LONG_COMPANY = "International Business Machines Corporation Research and Development Laboratories Zürich"
LONG_TITLE = "Principal Distinguished Engineer for Developer Experience and Platform Reliability"


def _people(user):
    today = timezone.localdate()
    created = timezone.now() - timedelta(days=800)
    people = []
    for i, first in enumerate(("Ada", "Grace", "Hedy")):
        contact = make_contact(
            owner=user,
            first_name=first,
            last_name="Longcompany-Surname-Withhyphens",
            company=LONG_COMPANY,
            title=LONG_TITLE,
            tie_strength="strong",
            created_at=created,
            birthday_month=(today + timedelta(days=2 + i)).month,
            birthday_day=(today + timedelta(days=2 + i)).day,
        )
        make_interaction(
            contact=contact, occurred_on=today - timedelta(days=300), follow_up_on=today + timedelta(days=1)
        )
        people.append(contact)
    services.owner_schedule_refresh(owner_id=user.pk)
    services.reminders_generate(user_ids=[user.pk])
    return people


def _truncated(page, selector: str) -> list[dict]:
    """For each element matching `selector` holding the long company: does it fit, and is it cut with '…'?"""
    return page.evaluate(
        """([selector, company]) => [...document.querySelectorAll(selector)]
            .filter(el => el.offsetParent !== null && el.textContent.includes(company.slice(0, 20)))
            .map(el => ({fits: el.getBoundingClientRect().right <= window.innerWidth + 1,
                         ellipsis: getComputedStyle(el).textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth}))""",
        [selector, LONG_COMPANY],
    )


@pytest.mark.parametrize(
    ("path", "selector"),
    [
        ("/", "#focus .text-truncate, #week .text-truncate"),
        ("/reminders/", ".kw-reminder .text-truncate, .kw-company"),
        ("/contacts/", "#contacts .text-truncate"),
    ],
)
def test_long_company_names_are_cut_with_an_ellipsis_on_a_phone(
    phone_page, live_server, login, screenshot, path, selector
):
    user = make_user("longco")
    _people(user)
    page = phone_page
    login(page, "longco")
    page.goto(f"{live_server.url}{path}")
    screenshot(
        page, f"phone-long-company{path.replace('/', '-').rstrip('-') or '-dashboard'}", full_page=False
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    cut = _truncated(page, selector)
    if path == "/contacts/":  # the list shows the company on a phone; the reminder rows leave it out
        assert cut, f"no company line found on {path}"
    assert all(c["fits"] and c["ellipsis"] for c in cut), (path, cut)


def test_contact_page_on_a_phone_shows_details_before_the_timeline(
    phone_page, live_server, login, screenshot
):
    user = make_user("longco2")
    ada, *_ = _people(user)
    page = phone_page
    login(page, "longco2")
    page.goto(f"{live_server.url}/contacts/{ada.pk}/")
    screenshot(page, "phone-contact-page")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    card = page.locator("#contact-card").bounding_box()
    timeline = page.locator("#timeline").bounding_box()
    assert card["y"] < timeline["y"]
