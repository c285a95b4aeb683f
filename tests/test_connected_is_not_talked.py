"""A LinkedIn "Connected on" is not a conversation: no page, list or email calls it one."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import CONNECTED_SUMMARY, Contact
from contacts.tests.factories import make_contact, make_interaction
from digests.selectors import digest_contexts
from reminders import focus, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def connected(alice):
    """Grace: connected on LinkedIn in January 2012, never talked; Ada: talked last month."""
    today = timezone.localdate()
    grace = make_contact(owner=alice, first_name="Grace", last_name="Linked", tie_strength="strong")
    make_interaction(contact=grace, occurred_on=date(2012, 1, 28), kind="other", summary=CONNECTED_SUMMARY)
    ada = make_contact(owner=alice, first_name="Ada", last_name="Talked", tie_strength="strong")
    make_interaction(contact=ada, occurred_on=date(2012, 1, 28), kind="other", summary=CONNECTED_SUMMARY)
    make_interaction(contact=ada, occurred_on=today - timedelta(days=400))
    Contact.objects.filter(pk__in=[grace.pk, ada.pk]).update(created_at=timezone.now() - timedelta(days=900))
    services.owner_schedule_refresh(owner_id=alice.pk)
    services.reminders_generate(user_ids=[alice.pk])
    grace.refresh_from_db()
    ada.refresh_from_db()
    return grace, ada


def test_the_schedule_keeps_the_last_conversation_apart_from_the_connection(connected):
    grace, ada = connected
    assert grace.last_interaction_on == date(2012, 1, 28) and grace.last_talked_on is None
    assert ada.last_talked_on == timezone.localdate() - timedelta(days=400)
    assert "never talked" in grace.warmth_why


def test_focus_and_digest_say_connected_never_talked(alice, connected):
    today = timezone.localdate()
    focus.focus_pick(owner_id=alice.pk, today=today)
    why = {r.contact.first_name: r.why for r in focus.focus_today(owner_id=alice.pk, today=today).items}
    assert why["Grace"].startswith("connected 14 years ago, never talked"), why
    assert "last talked" not in why["Grace"]
    assert why["Ada"].startswith("last talked 1 year ago"), why
    (digest,) = digest_contexts(users_today={alice.pk: today})
    notes = {item.first_name: item.note for section in digest.sections for item in section.items}
    assert "last talked" not in notes["Grace"] and "never talked" in notes["Grace"]


def test_contact_page_list_and_reminders_page_never_say_last_talked_for_a_connection(alice_client, connected):
    grace, _ada = connected
    page = alice_client.get(reverse("contacts:detail", args=[grace.pk])).content.decode()
    last_talked = page[page.index('id="last-talked"') : page.index("</dd>", page.index('id="last-talked"'))]
    assert ">never" in last_talked and "connected on LinkedIn 14 years ago" in last_talked
    listing = alice_client.get(reverse("contacts:list")).content.decode()
    row = listing[listing.index("Grace Linked") :]
    row = row[: row.index("</tr>")]
    assert "connected 14 years ago" in row and "talked 14 years" not in row
    reminders = alice_client.get(reverse("reminders:list")).content.decode()
    assert "connected 14 years ago, never talked" in reminders
    assert "last talked 14 years ago" not in reminders
