import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_login_page_renders_with_vendored_css(page, live_server, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("h1").inner_text() == "Sign in"
    # Bootstrap is served from static/vendor: the navbar is styled (not a bare list).
    assert page.evaluate("getComputedStyle(document.querySelector('nav')).display") == "flex"
    screenshot(page, "login")
