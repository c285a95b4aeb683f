"""Duplicates you can trust, in a real browser: "Not a duplicate" removes the pair (htmx)
and it stays gone after a reload; the merge page preselects what was typed by hand; the
new-contact form warns about someone who is there already and adds anyway on request."""

from datetime import date

import pytest

from contacts.models import Contact, NotDuplicate
from contacts.tests.factories import make_contact, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def seed_pairs(owner) -> dict[str, Contact]:
    people = {
        "grace_double": make_contact(
            owner=owner, first_name="Grace", last_name="Okafor-Bello", company="Northwind"
        ),
        "grace": make_contact(owner=owner, first_name="Grace", last_name="Okafor", company="Northwind"),
        "ada_imported": make_contact(
            owner=owner,
            first_name="Ada",
            last_name="Lovelace",
            company="AE Ltd",
            title="Analyst",
            location="London",
            notes="From the LinkedIn export",
            emails=["ada@example.org"],
            first_check_in_on=date(2026, 1, 5),  # what an import writes
        ),
        "ada_typed": make_contact(
            owner=owner,
            first_name="Ada",
            last_name="Lovelace",
            company="Analytical Engines",
            title="Countess",
            location="",
            relationship="friend_family",
            tie_strength="strong",
            notes="Loves poetry",
            emails=["Ada@Example.org"],
        ),
    }
    return people


def test_not_a_duplicate_is_remembered_and_the_merge_keeps_what_was_typed(
    page, live_server, login, screenshot
):
    alice = make_user("alice")
    people = seed_pairs(alice)
    grace_row = f"#pair-{people['grace_double'].pk}-{people['grace'].pk}"
    login(page, "alice")
    page.goto(f"{live_server.url}/contacts/duplicates/")
    badge = page.locator(f"{grace_row} .duplicate-reason")
    assert badge.inner_text() == "similar name at Northwind" and badge.is_visible()
    screenshot(page, "duplicates-trust")

    page.click(f"{grace_row} button:has-text('Not a duplicate')")
    page.wait_for_selector(grace_row, state="detached")
    assert "two different people" in page.locator("#kw-toasts").inner_text()
    page.reload()
    assert page.locator(grace_row).count() == 0
    assert page.locator(".duplicate-pair").count() == 1  # the two Adas are still there
    assert NotDuplicate.objects.filter(
        owner=alice, first=people["grace_double"], second=people["grace"]
    ).exists()

    page.click("text=Compare & merge")
    page.wait_for_selector("#merge-table")
    header = page.locator("#merge-table thead").inner_text()
    assert header.index("added by hand") < header.index("created by an import")  # the typed record is kept
    assert page.locator("input[name=company][value=survivor]").is_checked()
    assert page.locator("input[name=location][value=other]").is_checked()  # filled over empty
    assert page.locator("input[name=notes][value=both]").is_checked()
    table = page.locator("#merge-table").inner_text()
    assert "Friend / family" in table and "friend_family" not in table
    screenshot(page, "duplicate-merge-trust")
    page.click("main button:has-text('Merge')")
    page.wait_for_url(f"{live_server.url}/contacts/{people['ada_typed'].pk}/")
    merged = Contact.objects.get(pk=people["ada_typed"].pk)
    assert (merged.company, merged.title, merged.location) == ("Analytical Engines", "Countess", "London")
    assert merged.notes == "Loves poetry\n\nFrom the LinkedIn export"


def test_adding_someone_who_exists_warns_then_adds_anyway(page, live_server, login, screenshot):
    alice = make_user("alice")
    there = make_contact(
        owner=alice, first_name="Zoë", last_name="Ødegaard", company="Fjord", emails=["zoe@fjord.no"]
    )
    login(page, "alice")
    page.goto(f"{live_server.url}/contacts/new/")
    page.fill("input[name=first_name]", "Zoe")
    page.fill("input[name=last_name]", "Odegaard")
    page.click("#contact-form button[type=submit]")
    warning = page.locator("#duplicate-warning")
    warning.wait_for()
    assert "same name" in warning.inner_text()
    assert warning.locator(f"a[href='/contacts/{there.pk}/']").is_visible()
    screenshot(page, "contact-form-duplicate-warning")
    assert Contact.objects.filter(owner=alice).count() == 1
    warning.locator("button:has-text('Add anyway')").click()
    page.wait_for_url(lambda url: "/contacts/new/" not in url)
    assert Contact.objects.filter(owner=alice).count() == 2
