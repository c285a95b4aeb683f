"""The ICS reading rules (sources.calendar_fetch.parse), pure: no database, no network."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sources.calendar_fetch import SourceError, parse, recurrence_key

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Pacific/Auckland", "America/St_Johns"]
MINE = {"alice@example.com"}


def _single(start: datetime, *, zone: str | None, minutes: int = 30) -> bytes:
    local = start.astimezone(ZoneInfo(zone)) if zone else start
    prop = f";TZID={zone}" if zone else ""
    fmt = "%Y%m%dT%H%M%S" if zone else "%Y%m%dT%H%M%SZ"
    end = local + timedelta(minutes=minutes)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:p\r\nBEGIN:VEVENT\r\nUID:one@x\r\n"
        f"DTSTART{prop}:{local.strftime(fmt)}\r\nDTEND{prop}:{end.strftime(fmt)}\r\n"
        "SUMMARY:One\r\nORGANIZER:mailto:ada@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


instants = st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2026, 11, 19)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@given(start=instants, event_zone=st.sampled_from([None, *ZONES]), user_zone=st.sampled_from(ZONES))
def test_a_meeting_is_dated_on_the_users_local_day_whatever_the_feeds_zone(start, event_zone, user_zone):
    start = start.replace(second=0, microsecond=0)
    meetings, _ = parse(_single(start, zone=event_zone), tz=ZoneInfo(user_zone), now=NOW, mine=MINE)
    assert [m.occurred_on for m in meetings] == [start.astimezone(ZoneInfo(user_zone)).date()]


@given(minutes_before_now=st.integers(min_value=-600, max_value=600))
def test_only_a_meeting_that_has_ended_counts(minutes_before_now):
    start = NOW - timedelta(minutes=minutes_before_now)
    meetings, next_end = parse(_single(start, zone=None, minutes=30), tz=ZoneInfo("UTC"), now=NOW, mine=MINE)
    ended = start + timedelta(minutes=30) <= NOW
    assert bool(meetings) == ended
    if not ended:
        assert next_end == start + timedelta(minutes=30)  # parse again once it is over


@given(instant=instants, zones=st.lists(st.sampled_from(ZONES), min_size=2, max_size=2))
def test_a_recurrence_id_names_the_same_instant_in_any_zone(instant, zones):
    a, b = (instant.astimezone(ZoneInfo(z)) for z in zones)
    assert recurrence_key(a) == recurrence_key(b) == instant.strftime("%Y%m%dT%H%M%SZ")


def test_all_day_and_floating_ids_keep_their_own_form():
    assert recurrence_key(date(2026, 3, 1)) == "20260301"
    assert recurrence_key(datetime(2026, 3, 1, 9, 30)) == "20260301T093000"


def test_a_meeting_outside_the_year_window_is_not_read():
    meetings, _ = parse(_single(NOW - timedelta(days=400), zone=None), tz=ZoneInfo("UTC"), now=NOW, mine=MINE)
    assert meetings == []


def test_the_owner_alone_is_no_meeting():
    body = _single(NOW - timedelta(days=2), zone=None).replace(b"ada@example.org", b"Alice@Example.com")
    assert parse(body, tz=ZoneInfo("UTC"), now=NOW, mine=MINE)[0] == []


def _calendar(*events: str, head: str = "") -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:p\r\n{head}{body}END:VCALENDAR\r\n".encode()


def test_floating_times_follow_the_calendars_x_wr_timezone():
    """Google's exports name their zone in X-WR-TIMEZONE: 23:00 floating in Los Angeles is
    the next morning in Berlin."""
    event = "UID:f@x\r\nDTSTART:20261110T230000\r\nDTEND:20261110T233000\r\nORGANIZER:mailto:ada@example.org"
    berlin = ZoneInfo("Europe/Berlin")
    with_zone = _calendar(event, head="X-WR-TIMEZONE:America/Los_Angeles\r\n")
    assert [m.occurred_on for m in parse(with_zone, tz=berlin, now=NOW, mine=MINE)[0]] == [date(2026, 11, 11)]
    assert [m.occurred_on for m in parse(_calendar(event), tz=berlin, now=NOW, mine=MINE)[0]] == [
        date(2026, 11, 10)
    ]


def test_known_single_events_and_to_dos_are_not_read_but_series_always_are():
    single = "UID:s@x\r\nDTSTART:20261101T100000Z\r\nORGANIZER:mailto:ada@example.org"
    series = (
        "UID:r@x\r\nDTSTART:20261102T100000Z\r\nRRULE:FREQ=DAILY;COUNT=2\r\nORGANIZER:mailto:ada@example.org"
    )
    todo = "BEGIN:VTODO\r\nUID:t@x\r\nDTSTART:20261101T100000Z\r\nORGANIZER:mailto:ada@example.org\r\nEND:VTODO\r\n"
    body = _calendar(single, series, head=todo)
    utc = ZoneInfo("UTC")
    assert [(m.uid, m.recurrence_id) for m in parse(body, tz=utc, now=NOW, mine=MINE)[0]] == [
        ("s@x", ""),
        ("r@x", "20261102T100000Z"),
        ("r@x", "20261103T100000Z"),
    ]
    known = parse(body, tz=utc, now=NOW, mine=MINE, known=frozenset({"s@x", "r@x"}))[0]
    assert [m.recurrence_id for m in known] == ["20261102T100000Z", "20261103T100000Z"]


def test_folded_lines_and_escaped_text_are_read():
    event = (
        "UID:fold@x\r\nDTSTART:20261101T100000Z\r\nSUMMARY:Budget\\, Q4 review\r\n"
        'ATTENDEE;CN="Lovelace, Ada";PARTSTAT=ACCEPTED:mailto:ada@exam\r\n ple.org'
    )
    (meeting,) = parse(_calendar(event), tz=ZoneInfo("UTC"), now=NOW, mine=MINE)[0]
    assert meeting.addresses == {"ada@example.org"} and meeting.title == "Budget, Q4 review"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"hello",
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n",
        b"BEGIN:VCALENDAR\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2026\r\nORGANIZER:mailto:a@b.c\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        "BEGIN:VCALENDAR\r\nX:\u00e9\r\nEND:VCALENDAR\r\n".encode("cp1252"),
    ],
)
def test_what_is_not_a_calendar_is_a_source_error_or_nothing_never_a_crash(body):
    try:
        assert parse(body, tz=ZoneInfo("UTC"), now=NOW, mine=MINE)[0] == []
    except SourceError as exc:
        assert str(exc).startswith("This is not a valid iCalendar file")


@given(junk=st.binary(max_size=300))
def test_random_bytes_never_crash_the_reader(junk):
    for body in (
        junk,
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n" + junk + b"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    ):
        try:
            parse(body, tz=ZoneInfo("UTC"), now=NOW, mine=MINE)
        except SourceError:
            pass


def test_the_description_is_read_only_when_asked_and_alarms_are_skipped():
    event = (
        "UID:d@x\r\nDTSTART:20261101T100000Z\r\nORGANIZER:mailto:ada@example.org\r\nDESCRIPTION:Private notes\r\n"
        "LOCATION:Room 1\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:Reminder\r\nEND:VALARM"
    )
    utc = ZoneInfo("UTC")
    assert [m.description for m in parse(_calendar(event), tz=utc, now=NOW, mine=MINE)[0]] == [""]
    asked = parse(_calendar(event), tz=utc, now=NOW, mine=MINE, descriptions=True)[0]
    assert [m.description for m in asked] == ["Private notes"]
