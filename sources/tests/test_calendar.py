"""Calendar sources against a real HTTP server on loopback, through the real fetch code."""

import time
from datetime import UTC, date, datetime, timedelta

import pytest

from contacts.models import Interaction
from contacts.tests.factories import make_contact, make_reminder
from reminders.models import Reminder
from sources.calendar_fetch import SourceError, content_hash, fetch, sync_calendar
from sources.found import Counts
from sources.models import CalendarSource, FoundEvent, SeenAddress
from sources.services import calendar_source_add, sources_sync_for_users

from .conftest import NOW
from .feeds import LAST_MODIFIED, fixture

WEEKLY_DATES = [date(2026, 10, 5), date(2026, 10, 13), date(2026, 10, 19)] + [
    date(2026, 11, d) for d in (2, 9, 16)
]


def _tz(user, name: str) -> None:
    user.profile.timezone = name
    user.profile.save(update_fields=["timezone"])


def _source(owner, url: str, **fields) -> CalendarSource:
    return CalendarSource.objects.create(owner=owner, url=url, **fields)


def _meetings(owner) -> list[tuple[date, str, list[str]]]:
    return [
        (i.occurred_on, i.summary, sorted(c.first_name for c in i.contacts.all()))
        for i in Interaction.objects.filter(owner=owner, origin="calendar").order_by("occurred_on", "id")
    ]


def test_a_weekly_meeting_logs_each_past_occurrence_once_moved_and_cancelled_ones_too(alice, ada, feeds):
    _tz(alice, "Europe/Berlin")
    source = _source(alice, feeds.serve("/weekly.ics", fixture("weekly.ics")))

    counts = sync_calendar(source, now=NOW)

    assert counts == Counts(logged=6)
    meetings = _meetings(alice)
    assert [day for day, _, _ in meetings] == WEEKLY_DATES  # Oct 12 moved to the 13th, Oct 26 cancelled
    assert meetings[1][1] == "Weekly sync with Ada (moved to Tuesday)"
    assert all(names == ["Ada"] for _, _, names in meetings)
    assert set(Interaction.objects.filter(owner=alice).values_list("kind", flat=True)) == {"meeting"}
    assert "Agenda" not in meetings[0][1]  # the description is not stored unless asked
    source.refresh_from_db()
    assert source.last_success_at == NOW and source.last_error == ""


def test_fetching_again_logs_nothing_twice_and_a_304_skips_the_parse(alice, ada, feeds):
    source = _source(alice, feeds.serve("/weekly.ics", fixture("weekly.ics")))
    sync_calendar(source, now=NOW)
    source.refresh_from_db()
    assert source.etag.startswith('"') and source.last_modified == LAST_MODIFIED

    again = sync_calendar(source, now=NOW + timedelta(hours=1))

    assert again == Counts()
    assert feeds.statuses("/weekly.ics") == [200, 304]
    sent = feeds.log[-1][2]
    assert sent["If-None-Match"] == source.etag and sent["If-Modified-Since"] == LAST_MODIFIED
    assert Interaction.objects.filter(owner=alice).count() == 6


def test_a_meeting_is_logged_once_it_has_happened_even_when_the_feed_has_not_changed(alice, ada, feeds):
    _tz(alice, "Europe/Berlin")
    source = _source(alice, feeds.serve("/weekly.ics", fixture("weekly.ics")))
    sync_calendar(source, now=NOW)
    source.refresh_from_db()
    assert source.parse_again_at == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # next Monday 10:30 Berlin

    during = sync_calendar(source, now=datetime(2026, 11, 23, 9, 15, tzinfo=UTC))  # still going on
    after = sync_calendar(source, now=datetime(2026, 11, 23, 10, 0, tzinfo=UTC))

    assert (during, after) == (Counts(), Counts(logged=1))
    assert feeds.statuses("/weekly.ics") == [200, 304, 200]  # asked without If-None-Match once due
    assert [d for d, _, _ in _meetings(alice)][-1] == date(2026, 11, 23)


def test_a_reordered_and_edited_feed_logs_nothing_again(alice, ada, feeds):
    source = _source(alice, feeds.serve("/weekly.ics", fixture("weekly.ics")))
    sync_calendar(source, now=NOW)
    body = fixture("weekly.ics").decode()
    head, *events = body.split("BEGIN:VEVENT")
    events[-1] = events[-1].replace("END:VCALENDAR", "")
    edited = head + "".join("BEGIN:VEVENT" + e for e in reversed(events)) + "END:VCALENDAR\r\n"
    edited = edited.replace("Weekly sync with Ada", "Weekly sync (renamed)").replace(
        "DTSTAMP:2026", "DTSTAMP:2027"
    )
    feeds.serve("/weekly.ics", edited.encode())

    assert sync_calendar(source, now=NOW + timedelta(hours=1)) == Counts()
    assert len(_meetings(alice)) == 6


def test_an_event_deleted_before_it_happened_logs_nothing(alice, ada, feeds):
    single = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VEVENT\r\nUID:lunch@x\r\n"
        "DTSTART:20261125T120000Z\r\nDTEND:20261125T130000Z\r\nSUMMARY:Lunch\r\n"
        "ORGANIZER:mailto:ada@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    source = _source(alice, feeds.serve("/cal.ics", single.encode()))
    assert sync_calendar(source, now=NOW) == Counts()  # not yet happened
    feeds.serve("/cal.ics", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nEND:VCALENDAR\r\n")

    assert sync_calendar(source, now=datetime(2026, 11, 26, tzinfo=UTC)) == Counts()
    assert not Interaction.objects.filter(owner=alice).exists()


def test_all_day_events_count_on_their_date_and_the_future_waits(alice, feeds):
    _tz(alice, "America/Los_Angeles")
    make_contact(owner=alice, first_name="Grace", emails=["grace@example.org"])
    source = _source(alice, feeds.serve("/allday.ics", fixture("allday.ics")))

    assert sync_calendar(source, now=NOW) == Counts(logged=2)
    assert [(d, s) for d, s, _ in _meetings(alice)] == [
        (date(2026, 11, 10), "Team offsite"),
        (date(2026, 11, 12), "Conference"),  # three days, one touchpoint, on its first day
    ]


@pytest.mark.parametrize(
    ("zone", "dates"),
    [
        ("America/New_York", [date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 3)]),
        ("Europe/Berlin", [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]),
        ("Asia/Tokyo", [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]),
    ],
)
def test_the_date_is_the_users_local_date_across_dst_and_outlook_zone_names(alice, feeds, zone, dates):
    """23:30 on 31 Oct in New York ("Eastern Standard Time", the night the clocks go back)
    is 1 Nov in Berlin and Tokyo; a floating time is the user's own wall clock."""
    _tz(alice, zone)
    make_contact(owner=alice, first_name="Linus", emails=["linus@example.org"])
    source = _source(alice, feeds.serve("/tz.ics", fixture("timezones.ics")))
    sync_calendar(source, now=NOW)
    assert [d for d, _, _ in _meetings(alice)] == dates


def test_an_all_hands_of_40_logs_one_meeting_with_the_contacts_and_declined_ones_nothing(alice, feeds):
    people = [
        make_contact(owner=alice, first_name=f"P{n}", emails=[f"person{n:02d}@example.org"])
        for n in (1, 2, 3)
    ]
    source = _source(alice, feeds.serve("/all.ics", fixture("all-hands.ics")))

    assert sync_calendar(source, now=NOW) == Counts(logged=1)
    (meeting,) = Interaction.objects.filter(owner=alice)
    assert {c.pk for c in meeting.contacts.all()} == {c.pk for c in people}
    assert meeting.occurred_on == date(2026, 11, 5)
    # The 37 others (36 people and the CEO) are remembered for suggestions; Alice is not.
    seen = set(SeenAddress.objects.filter(owner=alice).values_list("email", flat=True))
    assert len(seen) == 37 and "alice@example.com" not in seen and "ceo@example.org" in seen


def test_the_description_is_kept_only_when_the_user_asks(alice, ada, feeds):
    source = _source(alice, feeds.serve("/weekly.ics", fixture("weekly.ics")), store_description=True)
    sync_calendar(source, now=NOW)
    first = Interaction.objects.filter(owner=alice).order_by("occurred_on").first()
    assert first.summary == "Weekly sync with Ada\n\nAgenda: roadmap and hiring"


def test_a_logged_meeting_closes_the_open_check_in_and_moves_last_talked(alice, ada, feeds):
    check_in = make_reminder(contact=ada, kind="check_in", due_on=date(2026, 9, 1))
    source = _source(alice, feeds.serve("/weekly.ics", fixture("weekly.ics")))

    sync_calendar(source, now=NOW)

    check_in.refresh_from_db()
    ada.refresh_from_db()
    assert check_in.status == "done" and check_in.completed_at is not None
    assert ada.last_interaction_on == date(2026, 11, 16)
    assert ada.next_check_in > date(2026, 11, 16)
    assert not Reminder.objects.filter(contact=ada, status="open").exists()


def test_a_malformed_file_records_its_error_and_the_other_sources_go_on(alice, ada, feeds):
    broken = _source(alice, feeds.serve("/broken.ics", fixture("malformed.ics")), name="broken")
    missing = _source(alice, feeds.url("/gone.ics"), name="gone")
    good = _source(alice, feeds.serve("/weekly.ics", fixture("weekly.ics")), name="good")

    counts = sources_sync_for_users(user_ids=[alice.pk], now=NOW)

    assert counts == Counts(logged=6, failed=2)
    broken.refresh_from_db()
    missing.refresh_from_db()
    good.refresh_from_db()
    assert (
        broken.last_error.startswith("This is not a valid iCalendar file") and broken.last_success_at is None
    )
    assert broken.failing and missing.failing and not good.failing
    assert missing.last_error == "The server answered 404 Not Found."
    assert good.last_success_at is not None and good.last_error == ""


def test_a_50_mb_calendar_is_cut_off_at_the_size_limit(alice, feeds):
    source = _source(alice, feeds.url("/big.ics"))
    feeds.serve("/big.ics", b"", stream_mb=50)
    started = time.monotonic()

    assert sync_calendar(source, now=NOW) == Counts(failed=1)

    source.refresh_from_db()
    assert source.last_error == "The calendar is larger than 10 MB."
    assert time.monotonic() - started < 10


def test_a_declared_size_over_the_limit_is_refused_before_reading(alice, feeds, settings):
    settings.SOURCES_MAX_BYTES = 1000
    url = feeds.serve("/weekly.ics", fixture("weekly.ics"))
    with pytest.raises(SourceError, match="larger than"):
        fetch(url)


def test_a_slow_server_times_out(alice, feeds, settings):
    settings.SOURCES_FETCH_TIMEOUT = 1
    source = _source(alice, feeds.serve("/slow.ics", fixture("weekly.ics"), delay=3))
    started = time.monotonic()

    assert sync_calendar(source, now=NOW) == Counts(failed=1)

    source.refresh_from_db()
    assert source.last_error == "The server did not answer within 1 s."
    assert time.monotonic() - started < 2.5


def test_a_server_that_trickles_is_cut_off_at_the_total_timeout(feeds, settings):
    settings.SOURCES_FETCH_TIMEOUT = 1
    url = feeds.serve("/trickle.ics", b"B" * 40, trickle=0.1)
    started = time.monotonic()
    with pytest.raises(SourceError, match="took longer than 1 s"):
        fetch(url)
    assert time.monotonic() - started < 2.5


def test_redirects_are_followed_a_few_times_only(alice, ada, feeds):
    feeds.serve("/weekly.ics", fixture("weekly.ics"))
    feeds.serve("/moved.ics", b"", status=301, location=feeds.url("/weekly.ics"))
    assert fetch(feeds.url("/moved.ics")).body == fixture("weekly.ics")
    feeds.serve("/loop.ics", b"", status=302, location=feeds.url("/loop.ics"))
    with pytest.raises(SourceError, match="302"):
        fetch(feeds.url("/loop.ics"))


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/cal.ics", "gopher://x/", "javascript:alert(1)"]
)
def test_only_http_addresses_are_read(alice, url):
    with pytest.raises(SourceError, match="Only http"):
        calendar_source_add(owner=alice, url=url)


def test_webcal_addresses_are_read_as_https(alice):
    source = calendar_source_add(owner=alice, url="webcal://calendar.example.org/private/basic.ics")
    assert source.url == "https://calendar.example.org/private/basic.ics"


def test_private_addresses_are_refused_unless_allowed(feeds, settings):
    url = feeds.serve("/weekly.ics", fixture("weekly.ics"))
    settings.SOURCES_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(SourceError, match="private or local network"):
        fetch(url)
    with pytest.raises(SourceError, match="private or local network"):
        fetch("http://[::1]:9/x.ics")
    with pytest.raises(SourceError, match="private or local network"):
        fetch("http://169.254.169.254/latest/meta-data/")  # the cloud metadata address


def test_a_redirect_to_another_scheme_is_refused(feeds):
    feeds.serve("/hop.ics", b"", status=302, location="ftp://example.org/internal.ics")
    with pytest.raises(SourceError, match="Only http"):
        fetch(feeds.url("/hop.ics"))


def test_an_unknown_host_is_an_error_not_a_crash(alice):
    source = _source(alice, "https://calendar.invalid/basic.ics")
    assert sync_calendar(source, now=NOW) == Counts(failed=1)
    source.refresh_from_db()
    assert source.last_error.startswith(("Cannot resolve", "Cannot reach"))


def test_an_uploaded_file_is_read_like_an_address(alice, ada, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    source = calendar_source_add(owner=alice, file=SimpleUploadedFile("work.ics", fixture("weekly.ics")))
    assert (media / source.file.name).exists()
    assert sync_calendar(source, now=NOW) == Counts(logged=6)
    assert sync_calendar(source, now=NOW + timedelta(hours=1)) == Counts()  # same file: not parsed again
    assert FoundEvent.objects.filter(source=source).count() == 6


def test_a_re_export_that_only_changes_dtstamp_is_not_parsed_again(alice, ada, feeds):
    source = _source(alice, feeds.serve("/weekly.ics", fixture("weekly.ics")))
    sync_calendar(source, now=NOW)
    source.refresh_from_db()
    before = source.body_hash
    feeds.serve(
        "/weekly.ics", fixture("weekly.ics").replace(b"DTSTAMP:20260901T080000Z", b"DTSTAMP:20261120T110000Z")
    )

    assert sync_calendar(source, now=NOW + timedelta(minutes=5)) == Counts()

    source.refresh_from_db()
    assert feeds.statuses("/weekly.ics") == [200, 200] and source.body_hash == before
    assert content_hash(b"SUMMARY:A\r\nDTSTAMP:1\r\n") == content_hash(b"SUMMARY:A\r\nDTSTAMP:2\r\n")
    assert content_hash(b"SUMMARY:A\r\n") != content_hash(b"SUMMARY:B\r\n")


def test_an_attendees_international_address_is_read_as_its_key():
    from zoneinfo import ZoneInfo

    from sources.calendar_fetch import parse

    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:u1\r\n"
        "DTSTART:20261110T100000Z\r\nDTEND:20261110T110000Z\r\nSUMMARY:Coffee\r\n"
        "ORGANIZER:mailto:Alice@Example.com\r\n"
        "ATTENDEE;CN=José:MAILTO:JOSE\u0301@XN--BCHER-KVA.example\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    meetings, _ends = parse(
        body, tz=ZoneInfo("UTC"), now=datetime(2026, 11, 20, tzinfo=UTC), mine={"alice@example.com"}
    )
    assert [sorted(m.addresses) for m in meetings] == [["josé@bücher.example"]]
