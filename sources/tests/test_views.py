"""Settings › Calendar & mailbox, and the dashboard's review list and suggestions, through URLs."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact, Interaction
from contacts.tests.factories import make_contact, make_reminder
from sources import crypto
from sources.calendar_fetch import sync_calendar
from sources.found import MailSeen, record_mail
from sources.models import CalendarSource, FoundEvent, FoundMail, IgnoredAddress, MailboxSource, SeenAddress

from .conftest import NOW
from .feeds import fixture

SETTINGS = reverse("sources:settings")


def test_the_settings_page_lists_sources_with_their_last_success_and_error(alice_client, alice):
    CalendarSource.objects.create(
        owner=alice, url="https://good.example.org/a.ics", name="Work", last_success_at=NOW
    )
    CalendarSource.objects.create(
        owner=alice,
        url="https://bad.example.org/b.ics",
        name="Old club",
        last_error="The server answered 404 Not Found.",
        last_error_at=NOW,
    )
    body = alice_client.get(SETTINGS).content.decode()
    assert "Work" in body and "Old club" in body
    assert "The server answered 404 Not Found." in body and "failing" in body and "working" in body
    assert reverse("sources:settings") in alice_client.get(reverse("settings")).content.decode()


def test_adding_a_calendar_by_address_saves_it_and_queues_a_read(
    alice_client, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = alice_client.post(
            reverse("sources:calendar_add"),
            {"url": "webcal://cal.example.org/x.ics", "name": "Work", "ask_first": "on"},
        )
    assert response.status_code == 302
    source = CalendarSource.objects.get(owner=alice)
    assert (source.url, source.name, source.ask_first, source.store_description) == (
        "https://cal.example.org/x.ics",
        "Work",
        True,
        False,
    )
    assert len(callbacks) == 1  # the background read, after the commit


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"url": "file:///etc/passwd"}, "Only http"),
        ({}, "Give a calendar address or a file"),
    ],
)
def test_a_bad_calendar_is_refused_with_a_reason(alice_client, alice, data, error):
    response = alice_client.post(reverse("sources:calendar_add"), data)
    assert response.status_code == 200 and error in response.content.decode()
    assert not CalendarSource.objects.exists()


def test_an_uploaded_file_must_be_a_calendar_and_is_deleted_with_its_source(
    alice_client, alice, media, django_capture_on_commit_callbacks
):
    bad = SimpleUploadedFile("notes.ics", b"hello")
    assert (
        "not an iCalendar"
        in alice_client.post(reverse("sources:calendar_add"), {"file": bad}).content.decode()
    )
    good = SimpleUploadedFile("work.ics", fixture("weekly.ics"))
    alice_client.post(reverse("sources:calendar_add"), {"file": good})
    source = CalendarSource.objects.get(owner=alice)
    path = media / source.file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("sources:calendar_delete", args=[source.pk]))
    assert not CalendarSource.objects.exists() and not path.exists()


def test_the_switches_save(alice_client, alice):
    source = CalendarSource.objects.create(owner=alice, url="https://x.example.org/a.ics", name="Work")
    alice_client.post(
        reverse("sources:calendar_update", args=[source.pk]), {"name": "Work", "store_description": "on"}
    )
    source.refresh_from_db()
    assert (source.ask_first, source.store_description) == (False, True)


def test_a_mailbox_password_is_stored_encrypted_and_never_shown(alice_client, alice):
    data = {
        "host": "imap.example.org",
        "port": "993",
        "security": "ssl",
        "username": "alice@example.com",
        "password": "app-pass-1234",
        "folders": "Sent, INBOX",
    }
    assert alice_client.post(reverse("sources:mailbox_add"), data).status_code == 302
    box = MailboxSource.objects.get(owner=alice)
    assert (
        "app-pass-1234" not in box.password_encrypted
        and crypto.decrypt(box.password_encrypted) == "app-pass-1234"
    )
    assert box.folders == "Sent,INBOX"
    page = alice_client.get(reverse("sources:mailbox_edit", args=[box.pk])).content.decode()
    assert "app-pass-1234" not in page and box.password_encrypted not in page
    # Saved again without a password: the stored one stays.
    alice_client.post(reverse("sources:mailbox_edit", args=[box.pk]), {**data, "password": "", "port": "143"})
    box.refresh_from_db()
    assert box.port == 143 and crypto.decrypt(box.password_encrypted) == "app-pass-1234"


def test_a_new_mailbox_needs_its_password(alice_client, alice):
    data = {"host": "imap.example.org", "port": "993", "security": "ssl", "username": "a", "folders": "INBOX"}
    response = alice_client.post(reverse("sources:mailbox_add"), data)
    assert response.status_code == 200 and "app password is needed" in response.content.decode()


# --- review list ---------------------------------------------------------------------


@pytest.fixture
def asking(alice, feeds):
    """Alice's calendar that asks first, read once: six meetings with Ada wait for review."""
    make_contact(owner=alice, first_name="Ada", emails=["ada@example.org"])
    source = CalendarSource.objects.create(
        owner=alice, url=feeds.serve("/w.ics", fixture("weekly.ics")), ask_first=True
    )
    counts = sync_calendar(source, now=NOW)
    assert (counts.logged, counts.pending) == (0, 6)
    return source


def test_asking_first_puts_meetings_on_the_dashboard_not_in_the_timeline(alice_client, alice, asking):
    body = alice_client.get("/").content.decode()
    assert (
        'id="sources-review"' in body
        and "Weekly sync with Ada" in body
        and "Always ignore ada@example.org" in body
    )
    assert not Interaction.objects.filter(owner=alice).exists()


def test_accepting_logs_it_once(alice_client, alice, asking):
    item = FoundEvent.objects.filter(owner=alice).order_by("occurred_on").first()
    ada = Contact.objects.get(owner=alice, first_name="Ada")
    check_in = make_reminder(contact=ada, kind="check_in", due_on=date(2026, 9, 1))
    url = reverse("sources:review_meeting", args=[item.pk])
    alice_client.post(url, {"action": "accept"})
    alice_client.post(url, {"action": "accept"})  # a double click
    (interaction,) = Interaction.objects.filter(owner=alice)
    assert (interaction.occurred_on, interaction.origin, interaction.kind) == (
        item.occurred_on,
        "calendar",
        "meeting",
    )
    item.refresh_from_db()
    check_in.refresh_from_db()
    assert item.status == "logged" and item.interaction_id == interaction.pk
    assert check_in.status == "done"
    assert "from calendar" in alice_client.get(reverse("contacts:detail", args=[ada.pk])).content.decode()


def test_ignoring_drops_it_for_good(alice_client, alice, asking, feeds):
    item = FoundEvent.objects.filter(owner=alice).first()
    alice_client.post(reverse("sources:review_meeting", args=[item.pk]), {"action": "ignore"})
    item.refresh_from_db()
    assert item.status == "ignored"
    sync_calendar(asking, now=NOW + timedelta(days=1))  # read again: it does not come back
    item.refresh_from_db()
    assert item.status == "ignored" and not Interaction.objects.exists()


def test_always_ignoring_an_address_clears_its_items_and_future_ones(alice_client, alice, asking, feeds):
    item = FoundEvent.objects.filter(owner=alice).first()
    alice_client.post(
        reverse("sources:review_meeting", args=[item.pk]), {"action": "always", "address": "ada@example.org"}
    )
    assert IgnoredAddress.objects.filter(owner=alice, email="ada@example.org").exists()
    assert set(FoundEvent.objects.filter(owner=alice).values_list("status", flat=True)) == {"ignored"}
    later = sync_calendar(asking, now=NOW + timedelta(days=4))  # the 23 Nov meeting: ignored, not queued
    assert (later.pending, later.ignored) == (0, 1)
    assert 'id="sources-review"' not in alice_client.get("/").content.decode()


def test_an_address_that_is_not_the_items_is_refused(alice_client, alice, asking):
    item = FoundEvent.objects.filter(owner=alice).first()
    alice_client.post(
        reverse("sources:review_meeting", args=[item.pk]), {"action": "always", "address": "x@y.org"}
    )
    assert not IgnoredAddress.objects.exists()


def test_mail_days_are_reviewed_the_same_way(alice_client, alice):
    ada = make_contact(owner=alice, first_name="Ada", emails=["ada@example.org"])
    box = MailboxSource.objects.create(owner=alice, host="h", username="alice@example.com", ask_first=True)
    day = timezone.localdate() - timedelta(days=1)
    record_mail(source=box, messages=[MailSeen(day, frozenset({"ada@example.org"}))] * 3)
    (item,) = FoundMail.objects.filter(owner=alice)
    assert "Email" in alice_client.get("/").content.decode()
    alice_client.post(reverse("sources:review_email", args=[item.pk]), {"action": "accept"})
    (interaction,) = Interaction.objects.filter(owner=alice)
    assert (interaction.kind, interaction.origin, list(interaction.contacts.all())) == (
        "email",
        "mailbox",
        [ada],
    )


# --- suggestions ---------------------------------------------------------------------


def _seen(owner, email: str, times: int, *, days_ago: int = 1) -> None:
    day = timezone.localdate() - timedelta(days=days_ago)
    SeenAddress.objects.bulk_create(
        [SeenAddress(owner=owner, email=email, key=f"k{n}", day=day) for n in range(times)]
    )


def test_an_address_seen_three_times_in_90_days_is_suggested(alice_client, alice, bob):
    _seen(alice, "often@example.org", 3)
    _seen(alice, "twice@example.org", 2)
    _seen(alice, "long-ago@example.org", 5, days_ago=120)
    _seen(alice, "known@example.org", 4)
    make_contact(owner=alice, emails=["Known@Example.org"])
    _seen(alice, "muted@example.org", 4)
    IgnoredAddress.objects.create(owner=alice, email="muted@example.org")
    _seen(bob, "bobs@example.org", 9)
    body = alice_client.get("/").content.decode()
    assert "often@example.org" in body
    for other in ("twice@", "long-ago@", "known@", "muted@", "bobs@"):
        assert other not in body


def test_add_as_contact_creates_it_and_opens_its_form(alice_client, alice):
    _seen(alice, "grace.hopper@example.org", 3)
    response = alice_client.post(
        reverse("sources:suggestion"), {"email": "grace.hopper@example.org", "action": "add"}
    )
    contact = Contact.objects.get(owner=alice)
    assert (contact.first_name, contact.last_name) == ("Grace", "Hopper")
    assert response["Location"] == reverse("contacts:edit", args=[contact.pk])
    assert "grace.hopper@example.org" not in alice_client.get("/").content.decode()


def test_a_suggestion_can_be_ignored_and_another_users_address_cannot_be_added(alice_client, alice, bob):
    _seen(alice, "often@example.org", 3)
    _seen(bob, "bobs@example.org", 3)
    alice_client.post(reverse("sources:suggestion"), {"email": "often@example.org", "action": "ignore"})
    alice_client.post(reverse("sources:suggestion"), {"email": "bobs@example.org", "action": "add"})
    assert IgnoredAddress.objects.filter(owner=alice, email="often@example.org").exists()
    assert not Contact.objects.filter(owner=alice).exists()


def test_the_dashboard_costs_the_same_queries_with_more_to_review(alice_client, alice):
    box = MailboxSource.objects.create(owner=alice, host="h", username="alice@example.com", ask_first=True)
    day = timezone.localdate() - timedelta(days=1)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get("/").status_code == 200
        return len(captured.captured_queries)

    contacts = [make_contact(owner=alice, emails=[f"p{n}@example.org"]) for n in range(12)]
    record_mail(source=box, messages=[MailSeen(day, frozenset({"p0@example.org"}))])
    _seen(alice, "often@example.org", 3)
    small = queries()
    record_mail(
        source=box, messages=[MailSeen(day, frozenset({f"p{n}@example.org"})) for n in range(len(contacts))]
    )
    _seen(alice, "often2@example.org", 4)
    assert queries() == small


def test_a_mailbox_without_tls_is_refused_unless_it_is_on_this_machine(alice_client, alice):
    data = {"port": "143", "security": "none", "username": "a", "password": "p", "folders": "INBOX"}
    refused = alice_client.post(reverse("sources:mailbox_add"), {**data, "host": "imap.example.org"})
    assert refused.status_code == 200 and "only for localhost" in refused.content.decode()
    assert alice_client.post(reverse("sources:mailbox_add"), {**data, "host": "127.0.0.1"}).status_code == 302
    assert list(MailboxSource.objects.values_list("host", flat=True)) == ["127.0.0.1"]
