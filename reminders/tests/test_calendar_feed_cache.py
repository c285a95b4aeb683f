"""The feed is cheap to poll: conditional GET, a cache per user until something changes,
a bounded window of single-day events, and a throttle per token.

Every test has its own cache (a locmem cache named after the test), so fetch counters
and cached bodies never leak between tests, in one process or under xdist.
"""

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from icalendar import Calendar

from contacts import duplicates
from contacts import services as contact_services
from contacts.importing.services import import_run
from contacts.models import Contact
from contacts.tests.factories import make_contact, make_reminder, make_user
from crm.models import Profile
from reminders import calendar, services
from reminders.models import Reminder

HIT_QUERIES = 3  # the profile, the validator's two aggregates: never the build


@pytest.fixture(autouse=True)
def _fresh_cache(settings, request):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }
    cache.clear()


def url(user) -> str:
    return reverse("calendar_feed", args=[user.profile.calendar_token])


def fetch(client, user, **headers):
    return client.get(url(user), headers=headers)


def normal(body: bytes) -> list[str]:
    """The feed's lines without DTSTAMP (the build's moment, the one thing two builds differ by)."""
    return [line for line in body.decode().splitlines() if not line.startswith("DTSTAMP")]


def uids(body: bytes) -> set[str]:
    return {str(e["UID"]) for e in Calendar.from_ical(body).walk("VEVENT")}


def today() -> date:
    return timezone.localdate()  # the test users live in UTC


# --- conditional GET ------------------------------------------------------------


def test_200_carries_etag_last_modified_and_cache_control(client, alice):
    make_contact(owner=alice, birthday_month=5, birthday_day=5)
    response = fetch(client, alice)
    assert response.status_code == 200
    assert response["ETag"].startswith('"') and response["Last-Modified"].endswith("GMT")
    assert response["Cache-Control"] == "private, max-age=900"
    assert response["Content-Type"].startswith("text/calendar")


def test_matching_if_none_match_is_a_304_without_a_body(client, alice):
    make_contact(owner=alice, birthday_month=5, birthday_day=5)
    first = fetch(client, alice)
    again = fetch(client, alice, if_none_match=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"] and again["Cache-Control"] == "private, max-age=900"
    assert fetch(client, alice, if_none_match='"something-else"').status_code == 200


def test_if_modified_since_not_older_is_a_304(client, alice):
    make_contact(owner=alice, birthday_month=5, birthday_day=5)
    first = fetch(client, alice)
    assert fetch(client, alice, if_modified_since=first["Last-Modified"]).status_code == 304
    later = http_date(timezone.now().timestamp() + 60)
    assert fetch(client, alice, if_modified_since=later).status_code == 304
    earlier = http_date(timezone.now().timestamp() - 3600)
    assert fetch(client, alice, if_modified_since=earlier).status_code == 200


def test_a_change_within_the_same_second_still_moves_last_modified(client, alice):
    """HTTP dates have whole seconds: a client that only sends If-Modified-Since must not
    get a 304 for a feed that changed in the second it fetched."""
    ada = make_contact(owner=alice, first_name="Ada", birthday_month=5, birthday_day=5)
    first = fetch(client, alice)
    contact_services.contact_update(contact=ada, fields={"first_name": "Adah"}, today=today())
    second = fetch(client, alice, if_modified_since=first["Last-Modified"])
    assert second.status_code == 200 and b"Adah" in second.content
    assert second["Last-Modified"] != first["Last-Modified"]


def test_a_304_and_a_cached_hit_cost_the_same_few_queries_at_any_size(
    client, alice, django_assert_num_queries
):
    bob = make_user("bigger")
    for owner, size in ((alice, 5), (bob, 50)):
        for _ in range(size):
            contact = make_contact(owner=owner, birthday_month=3, birthday_day=3, started_on=date(2020, 1, 1))
            make_reminder(contact=contact, kind="check_in", due_on=today())
    for owner in (alice, bob):
        with django_assert_num_queries(HIT_QUERIES + 2):  # the first fetch builds: contacts, reminders
            first = fetch(client, owner)
        with django_assert_num_queries(HIT_QUERIES):  # cached: no build
            hit = fetch(client, owner)
        assert hit.status_code == 200 and hit.content == first.content
        with django_assert_num_queries(HIT_QUERIES):  # not modified: no build either
            assert fetch(client, owner, if_none_match=first["ETag"]).status_code == 304


def test_a_304_is_answered_even_when_the_cached_body_is_gone(client, alice, django_assert_num_queries):
    """The 304 never needs the body: with the cache emptied it still builds nothing."""
    make_contact(owner=alice, birthday_month=5, birthday_day=5)
    first = fetch(client, alice)
    cache.clear()
    with django_assert_num_queries(HIT_QUERIES):
        assert fetch(client, alice, if_none_match=first["ETag"]).status_code == 304


# --- the validator changes with every kind of write -------------------------------


def _form_post(contact: Contact, **overrides) -> dict:
    data = {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "company": contact.company,
        "title": contact.title,
        "relationship": contact.relationship,
        "network": contact.network,
        "tie_strength": contact.tie_strength,
        "emails-TOTAL_FORMS": "0",
        "emails-INITIAL_FORMS": "0",
        "phones-TOTAL_FORMS": "0",
        "phones-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def edit_name_with_the_form(w):
    response = _logged_in(w.alice).post(
        reverse("contacts:edit", args=[w.ada.pk]), _form_post(w.ada, first_name="Augusta")
    )
    assert response.status_code == 302


def edit_company(w):
    contact_services.contact_update(contact=w.grace, fields={"company": "Navy Yard"}, today=today())


def edit_birthday(w):
    contact_services.contact_update(
        contact=w.ada, fields={"birthday_month": 6, "birthday_day": 7}, today=today()
    )


def edit_started_on(w):
    contact_services.contact_update(contact=w.grace, fields={"started_on": date(2021, 4, 1)}, today=today())


def archive_one(w):
    contact_services.contact_set_archived(contact=w.ada, archived=True)


def archive_in_bulk(w):
    response = _logged_in(w.alice).post(reverse("contacts:bulk"), {"ids": [w.grace.pk], "action": "archive"})
    assert response.status_code == 302


def unarchive_in_bulk(w):
    contact_services.contacts_bulk_update(
        owner=w.alice, contact_ids=[w.grace.pk], action="archive", value=None
    )
    w.etag = None  # archiving changed the feed already: compare with the feed after it
    w.settle()
    contact_services.contacts_bulk_update(
        owner=w.alice, contact_ids=[w.grace.pk], action="unarchive", value=None
    )


def add_contact(w):
    contact_services.contact_create(
        owner=w.alice, fields={"first_name": "New", "birthday_month": 1, "birthday_day": 2}
    )


def delete_contact(w):
    response = _logged_in(w.alice).post(reverse("contacts:delete", args=[w.ada.pk]))
    assert response.status_code == 302


def merge_duplicates(w):
    duplicates.contact_merge(
        owner=w.alice, survivor_id=w.grace.pk, other_id=w.ada.pk, picks={"birthday": "other"}
    )


def import_new_contacts(w):
    csv = b"first_name,last_name,email,birthday\nHedy,Lamarr,hedy@example.com,1914-11-09\n"
    import_run(owner=w.alice, data=csv, filename="new.csv", today=today())


def import_fills_a_birthday(w):
    """An import that matches an existing contact and fills its birthday: a bulk_update."""
    csv = b"first_name,last_name,email,birthday\nGrace,Hopper,grace@navy.example,1906-12-09\n"
    report = import_run(owner=w.alice, data=csv, filename="fill.csv", today=today())
    assert report.updated == 1 and report.created == 0


def import_job_change(w):
    csv = (
        b'Notes:\n"x"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\n'
        b"Grace,Hopper,https://www.linkedin.com/in/gracehopper,grace@navy.example,Remington Rand,"
        b"Programmer,14 Feb 2023\n"
    )
    report = import_run(owner=w.alice, data=csv, filename="Connections.csv", today=today())
    assert report.updated == 1


def generate_check_ins(w):
    make_contact(owner=w.alice, tie_strength="strong", created_at=timezone.now() - timedelta(days=800))
    w.etag = None
    w.settle()
    assert services.reminders_generate(user_ids=[w.alice.pk]) > 0


def generate_wakes_a_snoozed_one(w):
    Reminder.objects.filter(pk=w.check_in.pk).update(status="snoozed", snoozed_until=today())
    w.etag = None
    w.settle()
    services.reminders_generate(user_ids=[w.alice.pk])
    assert Reminder.objects.get(pk=w.check_in.pk).status == "open"


def done_view(w):
    assert _logged_in(w.alice).post(reverse("reminders:done", args=[w.check_in.pk])).status_code == 302


def done_and_log_view(w):
    response = _logged_in(w.alice).post(
        reverse("reminders:done_log", args=[w.follow_up.pk]), {"kind": "call", "summary": "caught up"}
    )
    assert response.status_code == 302
    assert Reminder.objects.get(pk=w.follow_up.pk).status == "done"


def dismiss_view(w):
    assert _logged_in(w.alice).post(reverse("reminders:dismiss", args=[w.check_in.pk])).status_code == 302


def snooze_view(w):
    until = today() + timedelta(days=7)
    response = _logged_in(w.alice).post(reverse("reminders:snooze", args=[w.check_in.pk]), {"until": until})
    assert response.status_code == 302


def snooze_again_to_another_date(w):
    services.reminder_snooze(reminder=w.check_in, until=today() + timedelta(days=7), today=today())
    w.etag = None
    w.settle()
    services.reminder_snooze(reminder=w.check_in, until=today() + timedelta(days=9), today=today())


def reopen_view(w):
    services.reminder_done(reminder=w.check_in, today=today())
    w.etag = None
    w.settle()
    assert _logged_in(w.alice).post(reverse("reminders:reopen", args=[w.check_in.pk])).status_code == 302


def log_an_interaction(w):
    contact_services.interaction_create(
        owner=w.alice, contact_ids=[w.ada.pk], occurred_on=today(), today=today(), kind="call"
    )
    assert Reminder.objects.get(pk=w.check_in.pk).status == "done"


def raise_a_job_change(w):
    contact_services.contact_update(contact=w.ada, fields={"company": "Babbage & Co"}, today=today())
    assert Reminder.objects.filter(contact=w.ada, kind="job_change").exists()


def delete_a_reminder(w):
    Reminder.objects.filter(pk=w.follow_up.pk).delete()


def a_new_local_day(w):
    w.now = timezone.now() + timedelta(days=1)


def a_new_time_zone(w):
    Profile.objects.filter(user=w.alice).update(timezone="Pacific/Kiritimati")  # UTC+14: already tomorrow
    w.alice.profile.refresh_from_db()
    w.now = timezone.now().replace(hour=12)


CHANGES = [
    edit_name_with_the_form,
    edit_company,
    edit_birthday,
    edit_started_on,
    archive_one,
    archive_in_bulk,
    unarchive_in_bulk,
    add_contact,
    delete_contact,
    merge_duplicates,
    import_new_contacts,
    import_fills_a_birthday,
    import_job_change,
    generate_check_ins,
    generate_wakes_a_snoozed_one,
    done_view,
    done_and_log_view,
    dismiss_view,
    snooze_view,
    snooze_again_to_another_date,
    reopen_view,
    log_an_interaction,
    raise_a_job_change,
    delete_a_reminder,
]


class World:
    """Alice's account: two contacts with dated events, an open check-in and a follow-up."""

    def __init__(self, client, alice) -> None:
        self.client, self.alice, self.now = client, alice, None
        self.ada = make_contact(
            owner=alice,
            first_name="Ada",
            last_name="Lovelace",
            company="Engines",
            birthday_month=12,
            birthday_day=10,
        )
        self.grace = make_contact(
            owner=alice,
            first_name="Grace",
            last_name="Hopper",
            company="Navy",
            title="Admiral",
            started_on=date(2020, 3, 1),
            emails=["grace@navy.example"],
        )
        self.check_in = make_reminder(contact=self.ada, kind="check_in", due_on=today() - timedelta(days=2))
        self.follow_up = make_reminder(contact=self.grace, kind="follow_up", due_on=today())
        self.etag = None
        self.settle()

    def settle(self) -> None:
        """Fetch until cached; remember the ETag."""
        response = fetch(self.client, self.alice)
        assert response.status_code == 200
        assert self.etag is None or response["ETag"] == self.etag
        self.etag = response["ETag"]
        assert fetch(self.client, self.alice, if_none_match=self.etag).status_code == 304


@pytest.mark.parametrize("change", CHANGES, ids=lambda f: f.__name__)
def test_every_write_path_changes_the_etag_and_the_served_feed_is_fresh(client, alice, change):
    world = World(client, alice)
    change(world)
    stale = world.etag  # (a two-step change settles in between: the ETag just before the write)
    response = fetch(client, alice, if_none_match=stale)
    assert response.status_code == 200, f"{change.__name__}: the feed changed but the ETag did not"
    assert response["ETag"] != stale
    fresh = calendar.calendar_feed_build(user=alice)
    assert normal(response.content) == normal(fresh)
    cached = fetch(client, alice)  # from the cache now
    assert cached["ETag"] == response["ETag"] and normal(cached.content) == normal(fresh)


@pytest.mark.parametrize("change", [a_new_local_day, a_new_time_zone], ids=lambda f: f.__name__)
def test_the_validator_holds_the_users_local_date(client, alice, change):
    world = World(client, alice)
    profile = Profile.objects.select_related("user").get(user=alice)
    before = calendar.calendar_feed_state(profile)
    change(world)
    profile = Profile.objects.select_related("user").get(user=alice)
    after = calendar.calendar_feed_state(profile, now=world.now)
    assert after.today != before.today and after.validator != before.validator


def test_a_write_committed_after_a_later_one_still_changes_the_etag(client, alice):
    """Two transactions: one stamps `updated_at` at t1, another at t2 > t1 and commits first.
    The feed fetched in between saw t2 as the latest; the t1 write must still be seen."""
    world = World(client, alice)
    contact_services.contact_update(contact=world.ada, fields={"first_name": "Augusta"}, today=today())
    world.etag = None
    world.settle()
    earlier = Contact.objects.get(pk=world.ada.pk).updated_at - timedelta(seconds=1)
    Contact.objects.filter(pk=world.grace.pk).update(company="Remington Rand", updated_at=earlier)
    response = fetch(client, alice, if_none_match=world.etag)
    assert response.status_code == 200 and b"Remington Rand" in response.content


def test_nothing_changed_keeps_the_etag(client, alice):
    world = World(client, alice)
    contact_services.reconnect_hide(contact=world.ada, until=today() + timedelta(days=30))  # not in the feed
    assert fetch(client, alice, if_none_match=world.etag).status_code == 304


# --- the window -------------------------------------------------------------------


def test_single_day_events_stay_within_30_days_back_and_12_months_ahead(client, alice):
    ada = make_contact(
        owner=alice, first_name="Ada", birthday_month=1, birthday_day=31, started_on=date(2010, 1, 1)
    )
    now = today()
    dated = {
        "in_11_months": make_reminder(contact=ada, kind="check_in", due_on=now + relativedelta(months=11)),
        "in_13_months": make_reminder(contact=ada, kind="follow_up", due_on=now + relativedelta(months=13)),
        "overdue_29_days": make_reminder(contact=ada, kind="job_change", due_on=now - timedelta(days=29)),
        "overdue_31_days": make_reminder(contact=ada, kind="follow_up", due_on=now - timedelta(days=31)),
        "snoozed_to_13_months": make_reminder(
            contact=ada,
            kind="check_in",
            due_on=now - timedelta(days=1),
            status="snoozed",
            snoozed_until=now + relativedelta(months=13),
        ),
        "snoozed_overdue_but_until_next_week": make_reminder(
            contact=ada,
            kind="job_change",
            due_on=now - timedelta(days=90),
            status="snoozed",
            snoozed_until=now + timedelta(days=7),
        ),
        "edge_30_days_back": make_reminder(contact=ada, kind="check_in", due_on=now - timedelta(days=30)),
        "edge_12_months_ahead": make_reminder(
            contact=ada, kind="check_in", due_on=now + relativedelta(months=12)
        ),
    }
    shown = uids(fetch(client, alice).content)
    present = {name for name, r in dated.items() if f"reminder-{r.pk}@keepwarm" in shown}
    assert present == {
        "in_11_months",
        "overdue_29_days",
        "snoozed_overdue_but_until_next_week",
        "edge_30_days_back",
        "edge_12_months_ahead",
    }
    # Yearly events are one per contact, whatever the window.
    assert {f"birthday-{ada.pk}@keepwarm", f"work-anniversary-{ada.pk}@keepwarm"} <= shown


# --- the throttle -----------------------------------------------------------------


def test_the_61st_fetch_in_an_hour_is_a_429_and_other_tokens_are_unaffected(client, alice, bob):
    first = fetch(client, alice)
    for _ in range(calendar.FEED_FETCHES_PER_WINDOW - 2):
        assert fetch(client, alice).status_code == 200
    assert fetch(client, alice, if_none_match=first["ETag"]).status_code == 304  # the 60th, counted too
    refused = fetch(client, alice)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= calendar.FEED_THROTTLE_WINDOW_SECONDS
    assert refused["Content-Type"].startswith("text/plain")
    assert refused.content.decode().count("\n") == 1
    assert fetch(client, alice, if_none_match=first["ETag"]).status_code == 429
    assert fetch(client, bob).status_code == 200
    assert client.get(reverse("calendar_feed", args=["not-a-token"])).status_code == 404


def test_wrong_tokens_are_404_and_count_against_nobody(client, alice):
    for _ in range(calendar.FEED_FETCHES_PER_WINDOW + 5):
        assert client.get(reverse("calendar_feed", args=["not-a-token"])).status_code == 404
    assert fetch(client, alice).status_code == 200


def test_the_window_is_a_clock_hour(alice):
    token = alice.profile.calendar_token
    start = 1_795_000_000 - 1_795_000_000 % calendar.FEED_THROTTLE_WINDOW_SECONDS  # an hour starts
    for i in range(calendar.FEED_FETCHES_PER_WINDOW):
        assert calendar.calendar_feed_throttle(token, now=start + i) is None
    assert (
        calendar.calendar_feed_throttle(token, now=start + 600) == calendar.FEED_THROTTLE_WINDOW_SECONDS - 600
    )
    assert calendar.calendar_feed_throttle(token, now=start + calendar.FEED_THROTTLE_WINDOW_SECONDS) is None
