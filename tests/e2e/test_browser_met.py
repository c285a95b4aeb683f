"""Met at an event and "give before you ask" in a real browser: the met form gets a sixth
row from "+ Add another person" (static/js/met.js), saves two people (one new, one
matched) and shows the summary; on a contact page, "I asked a favour" reveals "What can
you offer in return?" (static/js/log_form.js), the offer appears on the page, and
"Given" marks it with an Undo toast. No console errors or CSP violations on the way."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.models import Contact, Interaction, Offer
from contacts.tests.factories import make_contact, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"{page.url}: {msg.text}"))
    page.on("pageerror", lambda exc: problems.append(f"{page.url}: page error {exc}"))
    return problems


def test_met_at_an_event_adds_a_row_by_script_and_shows_who_was_created_and_matched(
    page, live_server, login, screenshot
):
    alice = make_user("alice", tz="Europe/London")
    grace = make_contact(
        owner=alice,
        first_name="Grace",
        last_name="Hopper",
        company="US Navy",
        linkedin_url="https://www.linkedin.com/in/grace-hopper",
    )
    problems = _watch(page)
    login(page, "alice")
    page.goto(f"{live_server.url}/contacts/")
    page.click("#link-met")
    page.wait_for_url(f"{live_server.url}/contacts/met/")

    day = timezone.localdate() - timedelta(days=1)
    page.fill("input[name=event]", "PyData London meetup")
    page.fill("input[name=occurred_on]", day.isoformat())
    page.fill("input[name=people-0-name]", "Ada Lovelace")
    page.fill("input[name=people-0-company]", "Analytical Engines")
    page.fill("input[name=people-0-handle]", "ada@example.org")
    page.fill("input[name=people-0-notes]", "Wants intros to fintech people")

    assert page.locator("[data-met-row]").count() == 5
    page.click("#met-add")
    assert page.locator("[data-met-row]").count() == 6
    assert page.input_value("input[name=people-TOTAL_FORMS]") == "6"
    new_name = page.locator("input[name=people-5-name]")
    assert new_name.evaluate("el => el === document.activeElement")  # focus moves to the new row
    new_name.fill("Grace Hopper")
    page.fill("input[name=people-5-handle]", "http://uk.linkedin.com/in/Grace-Hopper/?trk=x")
    page.fill("input[name=people-5-notes]", "Compilers; send her the COBOL talk")
    screenshot(page, "met-at-event-form")

    # A row with a company but no name: nothing is saved, the row says why, what was typed stays.
    page.fill("input[name=people-2-company]", "Navy")
    page.click("#met-save")
    assert "Check row 3 below." in page.locator("#met-errors").inner_text()
    assert "Row 3: give this person's name" in page.locator("[data-met-row]").nth(2).inner_text()
    assert page.input_value("input[name=people-5-name]") == "Grace Hopper"
    assert not Contact.objects.filter(owner=alice, first_name="Ada").exists()
    screenshot(page, "met-at-event-error")
    page.fill("input[name=people-2-company]", "")
    page.click("#met-save")
    page.wait_for_url(f"{live_server.url}/contacts/met/done/")
    assert "1 new contact, 1 already in your contacts" in page.locator("#met-summary").inner_text()
    ada = Contact.objects.get(owner=alice, first_name="Ada")
    assert page.locator(f"#met-created a[href='/contacts/{ada.pk}/']").inner_text() == "Ada Lovelace"
    assert page.locator(f"#met-matched a[href='/contacts/{grace.pk}/']").inner_text() == "Grace Hopper"
    screenshot(page, "met-at-event")

    for contact in (ada, grace):
        (interaction,) = Interaction.objects.filter(contacts=contact)
        assert (interaction.kind, interaction.occurred_on) == ("event", day)
        assert interaction.follow_up_on == day + timedelta(days=2)

    page.click(f"#met-created a[href='/contacts/{ada.pk}/']")
    page.wait_for_url(f"{live_server.url}/contacts/{ada.pk}/")
    assert "Met at PyData London meetup" in page.locator("#timeline").inner_text()
    assert problems == []


def test_offers_appear_for_asked_favours_and_can_be_marked_given(page, live_server, login, screenshot):
    alice = make_user("alice", tz="Europe/London")
    ada = make_contact(owner=alice, first_name="Ada", last_name="Lovelace", company="Analytical Engines")
    problems = _watch(page)
    login(page, "alice")
    page.goto(f"{live_server.url}/contacts/{ada.pk}/")
    page.evaluate("window.__sameDocument = true")
    page.click("#log-toggle")
    offers = page.locator("#log-offers")
    offers.wait_for(state="attached")
    assert not offers.is_visible()  # only for "I asked a favour"
    page.fill("textarea[name=log-summary]", "Asked for an intro to their CTO")
    page.check("input[name=log-exchange][value=asked]")
    assert offers.is_visible()
    assert "What can you offer in return?" in offers.inner_text()
    page.fill("input[name=log-offer_1]", "Intro to a designer I know")
    page.fill("input[name=log-offer_2]", "Review their pitch deck")
    page.check("input[name=log-exchange][value=gave]")
    assert not offers.is_visible()
    page.check("input[name=log-exchange][value=asked]")
    assert page.input_value("input[name=log-offer_1]") == "Intro to a designer I know"  # kept
    screenshot(page, "offers-log-form")
    page.click("button:has-text('Save interaction')")

    panel = page.locator("#contact-offers")
    panel.locator("text=Intro to a designer I know").wait_for()
    assert page.evaluate("window.__sameDocument === true")  # swapped in, no reload
    assert panel.locator("[data-offer=open]").count() == 2
    assert Offer.objects.filter(owner=alice, contact=ada, given_on=None).count() == 2
    screenshot(page, "offers")

    page.locator("[data-offer=open]", has_text="Review their pitch deck").locator(
        "button[data-action=given]"
    ).click()
    page.locator(".kw-toast", has_text="Given: Review their pitch deck").wait_for()
    panel.locator("[data-offer=given]", has_text="Review their pitch deck").wait_for()
    assert Offer.objects.get(text="Review their pitch deck").given_on is not None

    page.click(".kw-toast .kw-undo")  # Undo: open again (the page reloads)
    page.wait_for_function(
        "() => document.querySelectorAll('#contact-offers [data-offer=open]').length === 2"
    )
    assert Offer.objects.get(text="Review their pitch deck").given_on is None
    assert problems == []
