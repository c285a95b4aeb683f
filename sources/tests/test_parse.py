"""The ICS reading rules (sources.calendar_fetch.parse), pure: no database, no network."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from sources.calendar_fetch import parse, recurrence_key

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
