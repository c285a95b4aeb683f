"""The ICS feed: parsed back with the icalendar package."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from contacts.tests.factories import make_contact, make_reminder


@pytest.fixture(autouse=True)
def _fresh_cache(settings, request):
    """A cache of this test's own: feed bodies and fetch counters never leak between tests."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }
    cache.clear()


def feed(client, user) -> Calendar:
    response = client.get(reverse("calendar_feed", args=[user.profile.calendar_token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def events(cal: Calendar) -> dict[str, object]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_feed_has_birthdays_anniversaries_and_open_reminders(client, alice):
    ada = make_contact(
        owner=alice, first_name="Ada", last_name="Lovelace", birthday_month=12, birthday_day=10
    )
    leap = make_contact(
        owner=alice, first_name="Leap", last_name="Day", birthday_month=2, birthday_day=29, birthday_year=1988
    )
    worker = make_contact(
        owner=alice, first_name="Grace", last_name="Hopper", company="Navy", started_on=date(2020, 3, 1)
    )
    # Dated around today: the feed shows single-day events from 30 days ago to 12 months ahead.
    today = timezone.localdate()
    make_reminder(contact=ada, kind="check_in", due_on=today + timedelta(days=5))
    make_reminder(contact=ada, kind="follow_up", due_on=today - timedelta(days=25), status="done")
    make_reminder(
        contact=worker,
        kind="job_change",
        due_on=today - timedelta(days=6),
        status="snoozed",
        snoozed_until=today + timedelta(days=2),
    )
    make_contact(owner=alice, first_name="Gone", birthday_month=1, birthday_day=1, archived=True)
    cal = feed(client, alice)
    assert str(cal["VERSION"]) == "2.0" and cal["PRODID"]
    found = events(cal)
    birthday = found[f"birthday-{ada.pk}@keepwarm"]
    assert birthday.decoded("DTSTART") == date(2000, 12, 10)
    assert birthday.decoded("DTEND") == date(2000, 12, 11)
    assert birthday["RRULE"]["FREQ"] == ["YEARLY"]
    assert "Ada Lovelace" in str(birthday["SUMMARY"])
    feb = found[f"birthday-{leap.pk}@keepwarm"]
    assert feb["RRULE"]["BYMONTHDAY"] == [-1] and feb["RRULE"]["BYMONTH"] == [2]
    anniversary = found[f"work-anniversary-{worker.pk}@keepwarm"]
    assert anniversary.decoded("DTSTART") == date(2021, 3, 1)
    assert "Navy" in str(anniversary["SUMMARY"])
    reminders = [e for uid, e in found.items() if uid.startswith("reminder-")]
    assert sorted(e.decoded("DTSTART") for e in reminders) == [
        today + timedelta(days=2),
        today + timedelta(days=5),
    ]
    assert not any("Gone" in str(e["SUMMARY"]) for e in found.values())
    for event in found.values():
        assert event["DTSTAMP"] and isinstance(event.decoded("DTSTART"), date)


def test_uids_are_stable_between_fetches(client, alice):
    make_contact(owner=alice, birthday_month=5, birthday_day=5)
    assert set(events(feed(client, alice))) == set(events(feed(client, alice)))


def test_feed_shows_only_its_owners_data(client, alice, bob):
    make_contact(owner=bob, first_name="Bobfriend", birthday_month=5, birthday_day=5)
    assert not events(feed(client, alice))


def test_unknown_token_is_404(client, alice):
    assert client.get(reverse("calendar_feed", args=["not-a-token"])).status_code == 404


def test_regenerate_revokes_the_old_url(client, alice):
    old = alice.profile.calendar_token
    client.force_login(alice)
    response = client.post(reverse("calendar_regenerate"))
    assert response.status_code == 302
    alice.profile.refresh_from_db()
    assert alice.profile.calendar_token != old
    anonymous = Client()
    assert anonymous.get(reverse("calendar_feed", args=[old])).status_code == 404
    assert anonymous.get(reverse("calendar_feed", args=[alice.profile.calendar_token])).status_code == 200


def test_regenerate_needs_a_post(client, alice):
    client.force_login(alice)
    assert client.get(reverse("calendar_regenerate")).status_code == 405


@pytest.mark.parametrize("count", [3, 60])
def test_feed_query_count_is_fixed(client, alice, count, django_assert_num_queries):
    for _ in range(count):
        contact = make_contact(owner=alice, birthday_month=3, birthday_day=3, started_on=date(2020, 1, 1))
        make_reminder(contact=contact, kind="check_in", due_on=timezone.localdate())
    # A first fetch builds: profile, the validator's two aggregates, contacts, reminders.
    with django_assert_num_queries(5):
        client.get(reverse("calendar_feed", args=[alice.profile.calendar_token]))
