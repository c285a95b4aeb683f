"""Happy path in a real browser: add a contact, log an interaction inline (htmx), see it."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from contacts.models import Contact, Interaction
from contacts.tests.factories import make_contact, make_interaction, make_tag, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def seed_network(owner) -> None:
    london = make_tag(owner=owner, name="london")
    investors = make_tag(owner=owner, name="investors", checkin_cadence_months=1)
    people = [
        ("Grace", "Hopper", "Navy Labs", "Rear Admiral", "strong", [london]),
        ("Alan", "Turing", "Bletchley Park", "Cryptanalyst", "weak", []),
        ("Katherine", "Johnson", "NASA", "Mathematician", "strong", [investors]),
        ("Tim", "Berners-Lee", "CERN", "Fellow", "weak", [london, investors]),
    ]
    for first, last, company, title, tie, tags in people:
        contact = make_contact(
            owner=owner,
            first_name=first,
            last_name=last,
            company=company,
            title=title,
            tie_strength=tie,
            tags=tags,
            emails=[f"{first.lower()}@example.org"],
        )
        make_interaction(contact=contact, occurred_on=date(2026, 6, 1), summary="Coffee and catch-up")


def test_add_contact_and_log_an_interaction_without_a_reload(page, live_server, login, screenshot):
    alice = make_user("alice", tz="Europe/London")
    seed_network(alice)
    login(page, "alice")

    page.goto(f"{live_server.url}/contacts/")
    page.click("text=+ Add contact")
    page.fill("input[name=first_name]", "Ada")
    page.fill("input[name=last_name]", "Lovelace")
    page.fill("input[name=company]", "Analytical Engines")
    page.fill("input[name=title]", "Analyst")
    page.select_option("select[name=tie_strength]", "strong")
    page.select_option("select[name=relationship]", "mentor")
    page.fill("input[name=tags_text]", "london, mathematicians")
    page.select_option("select[name=birthday_month]", "12")
    page.fill("input[name=birthday_day]", "10")
    page.fill("input[name=emails-0-value]", "ada@example.org")
    page.fill("input[name=emails-1-value]", "ada@home.example.org")
    page.select_option("select[name=emails-1-label]", "home")
    page.click("text=+ Add another >> nth=1")  # a phone row more, cloned client-side
    page.fill("input[name=phones-0-value]", "+44 20 7946 0000")
    page.click("button:has-text('Add contact')")

    ada = Contact.objects.get(owner=alice, first_name="Ada")
    page.wait_for_url(f"{live_server.url}/contacts/{ada.pk}/")
    assert page.locator("h1").inner_text().startswith("Ada Lovelace")
    assert page.locator("text=ada@example.org").is_visible()
    assert page.locator("text=ada@home.example.org").is_visible()
    assert sorted(e.value for e in ada.emails.all()) == ["ada@example.org", "ada@home.example.org"]

    # Log an interaction: one click opens the form, one saves it; the page is not reloaded.
    page.evaluate("window.__sameDocument = true")
    page.click("#log-toggle")
    # A first meeting: the follow-up is suggested 2 days after the date, and follows it.
    met_on = timezone.localdate(timezone=ZoneInfo("Europe/London")) - timedelta(days=21)
    page.fill("input[name=log-occurred_on]", met_on.isoformat())
    page.dispatch_event("input[name=log-occurred_on]", "change")
    assert page.input_value("input[name=log-follow_up_on]") == (met_on + timedelta(days=2)).isoformat()
    page.fill("textarea[name=log-summary]", "Talked about the Analytical Engine")
    page.select_option("select[name=log-kind]", "call")
    page.check("input[name=log-exchange][value=gave]")
    page.fill("input.picker-search", "grac")
    page.click(".picker-pick:has-text('Grace Hopper')")
    page.click("button:has-text('Save interaction')")
    item = page.locator(".timeline-item", has_text="Talked about the Analytical Engine")
    item.wait_for()
    assert page.evaluate("window.__sameDocument === true")
    assert "Call" in item.inner_text() and "gave" in item.inner_text()
    assert page.locator("#logged-note").is_visible()
    assert "3 weeks ago" in page.locator("#contact-card").inner_text()  # "Last talked", swapped out-of-band

    interaction = Interaction.objects.get(owner=alice, summary="Talked about the Analytical Engine")
    assert {c.first_name for c in interaction.contacts.all()} == {"Ada", "Grace"}
    assert interaction.exchange == "gave"
    assert (interaction.occurred_on, interaction.follow_up_on) == (met_on, met_on + timedelta(days=2))
    screenshot(page, "contact_detail")

    page.goto(f"{live_server.url}/contacts/")
    assert page.locator("#contacts tbody tr").count() == 5
    page.fill("#id_q", "lovelace")
    page.wait_for_function("() => document.querySelectorAll('#contacts tbody tr').length === 1")
    page.fill("#id_q", "")
    page.wait_for_function("() => document.querySelectorAll('#contacts tbody tr').length === 5")
    screenshot(page, "contact_list")


def test_bulk_tagging_from_the_list_and_phone_layout(browser, live_server, login, screenshot):
    alice = make_user("alice", tz="Europe/London")
    seed_network(alice)
    context = browser.new_context(viewport={"width": 390, "height": 844}, timezone_id="Europe/London")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        login(page, "alice")
        page.goto(f"{live_server.url}/contacts/")
        page.check("input[name=ids] >> nth=0")
        page.check("input[name=ids] >> nth=1")
        page.select_option("#bulk-action", "add_tag")
        page.fill("#bulk-bar input[name=tag]", "conference-2026")
        page.click("#bulk-apply")
        page.wait_for_selector("text=2 contacts updated")
        tagged = Contact.objects.filter(owner=alice, tags__name="conference-2026")
        assert tagged.count() == 2
        screenshot(page, "contact_list_phone")
        page.goto(f"{live_server.url}/contacts/{tagged.first().pk}/")
        # No horizontal scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, "contact_detail_phone")
    finally:
        context.close()


def test_pick_who_introduced_a_contact(page, live_server, login, screenshot):
    alice = make_user("alice", tz="Europe/London")
    seed_network(alice)
    ada = make_contact(owner=alice, first_name="Ada", last_name="Lovelace")
    login(page, "alice")
    page.goto(f"{live_server.url}/contacts/{ada.pk}/edit/")
    page.fill("#id_introduced_by", "hopp")
    page.click(".picker-pick:has-text('Grace Hopper')")
    screenshot(page, "contact_edit")
    page.click("button:has-text('Save changes')")
    page.wait_for_url(f"{live_server.url}/contacts/{ada.pk}/")
    assert page.locator("#contact-card a:has-text('Grace Hopper')").is_visible()
    ada.refresh_from_db()
    assert ada.introduced_by.first_name == "Grace"


def test_the_log_forms_people_picker_picks_three_people_and_saves(page, live_server, login, screenshot):
    """The picker's search swaps its own results box (hx-swap innerHTML, not the form's
    inherited outerHTML): after a pick the results and text are cleared, a second click on
    someone already chosen adds no second chip, and a third search shows fresh results."""
    alice = make_user("picker")
    ada = make_contact(owner=alice, first_name="Ada", last_name="Lovelace")
    for first, last in [("Bert", "Byte"), ("Cleo", "Cache"), ("Dora", "Disk")]:
        make_contact(owner=alice, first_name=first, last_name=last)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "targetError" in msg.text else None)
    login(page, "picker")
    page.goto(f"{live_server.url}/contacts/{ada.pk}/")
    page.click("#log-toggle")
    for query, name in [("bert", "Bert Byte"), ("cleo", "Cleo Cache"), ("dora", "Dora Disk")]:
        page.fill("input.picker-search", query)
        pick = page.locator(".picker-pick", has_text=name)
        pick.wait_for()
        assert page.locator(".picker-pick").count() == 1  # fresh results, not the last search's
        pick.click()
        assert page.input_value("input.picker-search") == ""
        assert page.locator(".picker-pick").count() == 0
    # Someone already chosen is not offered again (the search sends the chosen ids).
    with page.expect_response(lambda response: "/contacts/picker/" in response.url):
        page.fill("input.picker-search", "bert")
    page.wait_for_timeout(100)  # the swap follows the response
    assert page.locator(".picker-pick", has_text="Bert Byte").count() == 0
    page.fill("input.picker-search", "")
    assert page.locator(".picker-chip", has_text="Bert Byte").count() == 1
    assert page.locator(".picker-chip").count() == 4
    screenshot(page, "log-picker-three-people", full_page=False)
    page.fill("textarea[name=log-summary]", "Team lunch")
    page.click("button:has-text('Save interaction')")
    page.locator(".timeline-item", has_text="Team lunch").wait_for()
    interaction = Interaction.objects.get(owner=alice, summary="Team lunch")
    assert sorted(c.first_name for c in interaction.contacts.all()) == ["Ada", "Bert", "Cleo", "Dora"]
    assert errors == []


def test_contact_form_on_a_phone_asks_for_emails_and_phones_before_notes(
    phone_page, live_server, login, screenshot
):
    make_user("phoneform")
    page = phone_page
    login(page, "phoneform")
    page.goto(f"{live_server.url}/contacts/new/")
    emails = page.locator("input[name=emails-0-value]").bounding_box()
    phones = page.locator("input[name=phones-0-value]").bounding_box()
    notes = page.locator("textarea[name=notes]").bounding_box()
    assert emails["y"] < phones["y"] < notes["y"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "contact-form-phone")
