"""The insights page in a real browser: the charts are drawn from /insights/data.json by
static/js/insights.js under the CSP (no violation, no script error), and without
JavaScript the same numbers are there as tables."""

import pytest
from django.utils import timezone

from contacts.demo import demo_network_create
from contacts.models import Contact, Offer
from contacts.tests.factories import make_user
from tests.e2e.test_browser_csp import CspWatch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHARTS = (
    "strength",
    "network",
    "relationship",
    "industry",
    "company",
    "weeks",
    "months",
    "strong",
    "reciprocity",
    "circles",
)


def _network(username: str) -> None:
    """A demo network of 160 people and two years of interactions (contacts/demo.py), and an offer."""
    user = make_user(username, tz="Europe/London")
    today = timezone.localdate()
    demo_network_create(username=username, contacts=160, interactions=1500, seed=3, today=today)
    contact = Contact.objects.filter(owner=user).order_by("id").first()
    Offer.objects.create(owner=user, contact=contact, text="introduce them to a designer", created_on=today)


def test_insights_charts_render_without_a_csp_violation(page, browser, live_server, login, screenshot):
    _network("ines")
    watch = CspWatch(page)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type in ("error", "warning") else None)

    login(page, "ines")
    page.click("nav >> text=Insights")
    page.wait_for_url(f"{live_server.url}/insights/")
    page.wait_for_selector("#insights[data-drawn=true]")
    watch.collect()

    for name in CHARTS:
        canvas = page.locator(f"#chart-{name}")
        assert canvas.is_visible(), name
        box = canvas.bounding_box()
        # Drawn at the size of its box: readable, never page-sized.
        assert box and 100 < box["width"] <= 1000 and 120 <= box["height"] <= 260, (name, box)
    # Chart.js painted something: the canvas is not blank.
    painted = page.evaluate(
        """() => { const c = document.getElementById('chart-weeks');
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"""
    )
    assert painted > 1000
    assert page.locator("#help li").count() >= 1
    assert page.locator("#help").inner_text().count("introduce them to a designer") == 1
    screenshot(page, "insights")
    assert watch.problems == [], watch.problems
    assert errors == [], errors

    # Without JavaScript: no chart, every number in its table.
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        plain = context.new_page()
        plain.goto(f"{live_server.url}/accounts/login/")
        plain.fill("input[name=username]", "ines")
        plain.fill("input[name=password]", "pw-keepwarm-123")
        plain.click("button[type=submit]")
        plain.goto(f"{live_server.url}/insights/")
        for table in (
            "strength",
            "network",
            "relationship",
            "industry",
            "company",
            "months",
            "strong",
            "circles",
        ):
            assert plain.locator(f"#table-{table} tr").count() >= 1, table
        assert not plain.locator("#chart-weeks").is_visible()
        assert "diversity index" in plain.locator("#diversity").inner_text()
    finally:
        context.close()


def test_insights_on_a_phone_fit_the_screen(phone_page, live_server, login, screenshot):
    _network("pia")
    login(phone_page, "pia")
    phone_page.goto(f"{live_server.url}/insights/")
    phone_page.wait_for_selector("#insights[data-drawn=true]")
    # No sideways scrolling: every chart and table fits the 390 px screen.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone_page.locator("#chart-circles").bounding_box()["width"] <= 390
    screenshot(phone_page, "insights-phone")
