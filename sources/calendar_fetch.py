"""Calendar sources: fetch an ICS address (or read an uploaded file), expand it, record
its past meetings with contacts (sources.found).

Fetching (standard library `urllib`, no new dependency):
- only http and https (`webcal://` is read as https); at most MAX_REDIRECTS redirects,
  each checked like the first address;
- addresses that resolve to private, loopback, link-local or reserved networks are
  refused unless SOURCES_ALLOW_PRIVATE_NETWORKS is on (a server-side request forgery
  guard: a user's "calendar address" must not reach the deployment's own network).
  The check resolves the name before connecting; a DNS answer that changes between the
  check and the connection (rebinding) is the one gap left. Tests and a home server
  whose calendars live on the LAN turn it on;
- SOURCES_FETCH_TIMEOUT seconds per socket operation and in total (a server that
  trickles bytes is cut off too); at most SOURCES_MAX_BYTES, streamed, never trusting
  Content-Length;
- conditional: the ETag and Last-Modified of the last success go back as If-None-Match
  and If-Modified-Since; a 304 is nothing to do.

Nothing is parsed when nothing can have changed: on a 304, or a body whose sha256 (its
DTSTAMP lines aside: Google stamps each export with the time of the request) is the last
one's, *and* no occurrence has ended since the last parse (`parse_again_at`, the end of
the next occurrence then known) — a meeting counts once it is over, and a feed
does not change when an hour passes. When one may have ended, the request is sent
without the conditional headers, so the body comes back to be parsed.

Parsing: icalendar + recurring-ical-events, over the last WINDOW_DAYS days up to now, in
the owner's time zone (Profile.timezone; floating times are read in it). An occurrence
counts when it has ended, is not CANCELLED, was not declined by the owner (PARTSTAT of
an attendee with one of the owner's addresses), and has people other than the owner
(attendees and organiser; rooms and resources left out). Its key is (UID,
RECURRENCE-ID) — '' for a single event — so a moved occurrence keeps its key, an
edited title logs nothing again, and an event deleted before it happened was never
recorded.
"""

import hashlib
import ipaddress
import logging
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import x_wr_timezone
from django.conf import settings
from django.utils import timezone

from crm.models import profile_zone

from .found import Counts, Meeting, owner_addresses, record_meetings
from .mailrules import address_key
from .models import CalendarSource, FoundEvent

log = logging.getLogger(__name__)

WINDOW_DAYS = 365
# How far ahead the next occurrence's end is looked for: past it, parse again anyway.
LOOKAHEAD_DAYS = 35
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
USER_AGENT = "Keepwarm calendar reader (+https://github.com/keepwarm)"
SKIP_CUTYPES = {"ROOM", "RESOURCE"}


class SourceError(Exception):
    """A source could not be read; its message is shown to the user as the source's last error."""


@dataclass(frozen=True)
class Fetched:
    body: bytes | None  # None: 304, not modified
    etag: str = ""
    last_modified: str = ""


# --- fetching ------------------------------------------------------------------------


def normalise_url(url: str) -> str:
    """`webcal://` (what calendar apps hand out) is https; other schemes than http(s) are refused."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "webcal":
        return urlunsplit(("https", *parts[1:]))
    if scheme not in ("http", "https") or not parts.hostname:
        raise SourceError("Only http:// and https:// calendar addresses can be read.")
    return url


def _check_host(url: str) -> None:
    if getattr(settings, "SOURCES_ALLOW_PRIVATE_NETWORKS", False):
        return
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise SourceError(f"Cannot resolve {parts.hostname}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise SourceError(
                f"{parts.hostname} is on a private or local network; it cannot be read from here."
            )


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        _check_host(normalise_url(newurl))
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_Redirects)


def fetch(url: str, *, etag: str = "", last_modified: str = "", conditional: bool = True) -> Fetched:
    """GET `url` within the time and size limits; Fetched(body=None) on a 304.

    Raises SourceError with a one-line reason (DNS, refused, HTTP status, timeout, too big).
    """
    url = normalise_url(url)
    _check_host(url)
    timeout = float(getattr(settings, "SOURCES_FETCH_TIMEOUT", 15))
    limit = int(getattr(settings, "SOURCES_MAX_BYTES", 10 * 1024 * 1024))
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if conditional and etag:
        headers["If-None-Match"] = etag
    if conditional and last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + timeout
    try:
        with _opener.open(urllib.request.Request(url, headers=headers), timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise SourceError(f"The calendar is larger than {limit // (1024 * 1024)} MB.")
            chunks, size = [], 0
            while chunk := response.read1(CHUNK):  # what has arrived: a trickle meets the deadline
                size += len(chunk)
                if size > limit:
                    raise SourceError(f"The calendar is larger than {limit // (1024 * 1024)} MB.")
                if time.monotonic() > deadline:
                    raise SourceError(f"The server took longer than {timeout:g} s to send the calendar.")
                chunks.append(chunk)
            return Fetched(
                b"".join(chunks),
                etag=response.headers.get("ETag", "")[:255],
                last_modified=response.headers.get("Last-Modified", "")[:64],
            )
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Fetched(None, etag=etag, last_modified=last_modified)
        raise SourceError(f"The server answered {exc.code} {exc.reason}.") from exc
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise SourceError(f"The server did not answer within {timeout:g} s.") from exc
        raise SourceError(f"Cannot reach the calendar: {reason}.") from exc
    except TimeoutError as exc:
        raise SourceError(f"The server did not answer within {timeout:g} s.") from exc
    except (OSError, ValueError) as exc:  # reset connections, malformed responses, bad ports
        raise SourceError(f"Cannot read the calendar: {exc}.") from exc


def read_file(source: CalendarSource) -> bytes:
    """The uploaded file's bytes, within SOURCES_MAX_BYTES."""
    limit = int(getattr(settings, "SOURCES_MAX_BYTES", 10 * 1024 * 1024))
    try:
        with source.file.open("rb") as handle:
            body = handle.read(limit + 1)
    except (OSError, ValueError) as exc:
        raise SourceError(f"Cannot open the uploaded file: {exc}.") from exc
    if len(body) > limit:
        raise SourceError(f"The calendar is larger than {limit // (1024 * 1024)} MB.")
    return body


# --- parsing -------------------------------------------------------------------------


def _aware(value: date | datetime, tz: ZoneInfo) -> datetime:
    """A DTSTART/DTEND as an aware datetime: a date is its local midnight, floating time is local."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def _local_date(value: date | datetime, tz: ZoneInfo) -> date:
    if not isinstance(value, datetime):
        return value
    return value.astimezone(tz).date() if value.tzinfo is not None else value.date()


def recurrence_key(value: date | datetime) -> str:
    """RECURRENCE-ID as text, the same however the feed spells its zone: UTC for aware times."""
    if not isinstance(value, datetime):
        return value.strftime("%Y%m%d")
    if value.tzinfo is None:
        return value.strftime("%Y%m%dT%H%M%S")
    return value.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")


def _address(value: object) -> str:
    text = str(value).strip()
    if text[:7].lower() == "mailto:":
        text = text[7:]
    return address_key(text)


def _people(event: icalendar.Event) -> Iterator[tuple[str, str, str]]:
    """(address, PARTSTAT, CUTYPE) of the organiser and every attendee."""
    attendees = event.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    organizer = event.get("ORGANIZER")
    for person in [*attendees, *([organizer] if organizer is not None else [])]:
        params = getattr(person, "params", {})
        yield _address(person), str(params.get("PARTSTAT", "")).upper(), str(params.get("CUTYPE", "")).upper()


def _end(event: icalendar.Event, start: date | datetime) -> date | datetime:
    if "DTEND" in event:
        return event.decoded("DTEND")
    if "DURATION" in event:
        return start + event.decoded("DURATION")
    return start + timedelta(days=1) if not isinstance(start, datetime) else start


# A VEVENT with one of these belongs to a series: it goes through the recurrence expander.
SERIES_PROPS = frozenset({"RRULE", "RDATE", "RECURRENCE-ID"})
PEOPLE_PROPS = frozenset({"ORGANIZER", "ATTENDEE"})
# What an event's reading needs; its other properties (DTSTAMP, LOCATION, conference
# links, alarms…) never reach the parser: less to parse, nothing kept that is not read.
READ_PROPS = frozenset(
    {"UID", "DTSTART", "DTEND", "DURATION", "STATUS", "SUMMARY", "EXDATE", *SERIES_PROPS, *PEOPLE_PROPS}
)
# Dates read from the raw text are compared with this margin (a start's zone is not read there).
RAW_MARGIN = timedelta(days=2)


@dataclass
class _Block:
    lines: list[str]
    uid: str = ""
    day: date | None = None  # DTSTART's date as written (its zone not applied)
    series: bool = False
    people: bool = False


def _prop(line: str) -> tuple[str, str]:
    """(NAME, value) of an unfolded content line."""
    name, _, value = line.partition(":")
    return name.partition(";")[0].strip().upper(), value


def _raw_day(value: str) -> date | None:
    try:
        return date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return None


def _split(text: str, *, descriptions: bool = False) -> tuple[list[str], list[_Block]]:
    """The calendar's own lines and time zones, and its VEVENT blocks, read from the raw
    text (unfolded) — cheap, so that what cannot count is never handed to the parser.

    Each event keeps only READ_PROPS (and DESCRIPTION when `descriptions`), without its
    alarms. Raises SourceError when BEGIN/END do not nest or there is no VCALENDAR.
    """
    wanted = READ_PROPS | {"DESCRIPTION"} if descriptions else READ_PROPS
    lines = [line for line in re.sub(r"\r?\n[ \t]", "", text).splitlines() if line.strip()]
    if not lines or lines[0].strip().upper() != "BEGIN:VCALENDAR":
        raise SourceError("This is not a valid iCalendar file: it does not start with BEGIN:VCALENDAR.")
    head: list[str] = []
    blocks: list[_Block] = []
    stack: list[str] = []
    block: _Block | None = None
    keep_component = True
    for line in lines:
        name, value = _prop(line)
        if name == "BEGIN":
            stack.append(value.strip().upper())
            if len(stack) == 2:
                block = _Block([]) if stack[1] == "VEVENT" else None
                keep_component = stack[1] == "VTIMEZONE"  # to-dos, journals, free/busy: not meetings
            in_component = len(stack) >= 2
        elif name == "END":
            if not stack or stack[-1] != value.strip().upper():
                raise SourceError(
                    f"This is not a valid iCalendar file: END:{value.strip()} closes nothing open."
                )
            in_component = len(stack) >= 2
            stack.pop()
        else:
            in_component = len(stack) >= 2
            if block is not None and len(stack) == 2:
                if name == "UID":
                    block.uid = value.strip()
                elif name == "DTSTART":
                    block.day = _raw_day(value.strip())
                block.series = block.series or name in SERIES_PROPS
                block.people = block.people or name in PEOPLE_PROPS
        if block is not None:
            if len(stack) == 1 or (len(stack) == 2 and (name in wanted or name == "BEGIN")):
                block.lines.append(line)
            if name == "END" and len(stack) == 1:
                blocks.append(block)
                block = None
        elif not in_component or keep_component:
            head.append(line)
        if not stack:
            break  # END:VCALENDAR: anything after it is not this calendar
    if stack:
        raise SourceError(f"This is not a valid iCalendar file: {stack[-1]} is not closed.")
    return head[:-1], blocks  # head without its END:VCALENDAR


def _calendar(head: list[str], blocks: list[_Block]) -> icalendar.Calendar:
    text = "\r\n".join([*head, *(line for b in blocks for line in b.lines), "END:VCALENDAR"]) + "\r\n"
    try:
        calendar = icalendar.Calendar.from_ical(text)
        return x_wr_timezone.to_standard(calendar)  # X-WR-TIMEZONE (Google) as RFC 5545 zones
    except (ValueError, IndexError, KeyError, TypeError, AttributeError) as exc:
        raise SourceError(f"This is not a valid iCalendar file: {str(exc)[:200]}") from exc


def parse(
    body: bytes,
    *,
    tz: ZoneInfo,
    now: datetime,
    mine: set[str],
    known: frozenset[str] = frozenset(),
    descriptions: bool = False,
) -> tuple[list[Meeting], datetime]:
    """The past meetings in an ICS body, and when the next known occurrence ends.

    `mine`: the owner's own addresses (left out of each meeting's people; their
    PARTSTAT=DECLINED drops the occurrence). `known`: UIDs of single events already
    recorded, skipped before parsing. `descriptions`: read DESCRIPTION (the source's
    store_description). Raises SourceError on a file that is not a calendar.

    Single events are read by icalendar alone; only series (RRULE, RDATE and their
    RECURRENCE-ID overrides) go through recurring-ical-events. Before either, the raw text
    is split into events and those that cannot count are dropped: single events with no
    organiser or attendee, already known, or starting outside the window (two days of
    margin for the zone) — the parser is the expensive part (~1 ms an event).
    """
    try:
        text = body.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("cp1252", errors="replace")
    head, blocks = _split(text, descriptions=descriptions)
    start = now - timedelta(days=WINDOW_DAYS)
    horizon = now + timedelta(days=LOOKAHEAD_DAYS)
    first_day, last_day = (start - RAW_MARGIN).date(), (horizon + RAW_MARGIN).date()
    series_uids = {b.uid for b in blocks if b.series}
    series = [b for b in blocks if b.uid in series_uids]
    singles = [
        b
        for b in blocks
        if b.uid not in series_uids
        and b.people
        and (b.uid not in known or not b.uid)
        and (b.day is None or first_day <= b.day <= last_day)
    ]
    occurrences = list(_calendar(head, singles).walk("VEVENT")) if singles else []
    if series:
        try:
            expander = recurring_ical_events.of(_calendar(head, series))
            occurrences += expander.between(start.astimezone(tz), horizon.astimezone(tz))
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            raise SourceError(f"This calendar cannot be expanded: {str(exc)[:200]}") from exc
    next_end = horizon
    meetings = []
    for event in occurrences:
        try:
            begins = event.decoded("DTSTART")
            ends = _aware(_end(event, begins), tz)
            if _aware(begins, tz) < start:
                continue  # began before the window (a long event overlapping it)
        except (KeyError, ValueError, TypeError, OverflowError):
            continue  # an occurrence without a usable start: nothing to date it on
        if ends > now:
            next_end = min(next_end, ends)
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        people = list(_people(event))
        if any(address in mine and partstat == "DECLINED" for address, partstat, _ in people):
            continue
        addresses = frozenset(
            address
            for address, _partstat, cutype in people
            if "@" in address and address not in mine and cutype not in SKIP_CUTYPES
        )
        if not addresses:
            continue
        uid = str(event.get("UID", "")) or _synthetic_uid(event, begins)
        recurrence_id = ""
        if uid in series_uids and "RECURRENCE-ID" in event:
            recurrence_id = recurrence_key(event.decoded("RECURRENCE-ID"))
        if len(uid) > 255:
            uid = "sha256:" + hashlib.sha256(uid.encode()).hexdigest()
        meetings.append(
            Meeting(
                uid=uid,
                recurrence_id=recurrence_id,
                occurred_on=_local_date(begins, tz),
                addresses=addresses,
                title=str(event.get("SUMMARY", "")).strip(),
                description=str(event.get("DESCRIPTION", "")).strip(),
            )
        )
    return meetings, next_end


def _synthetic_uid(event: icalendar.Event, begins: date | datetime) -> str:
    """An event without a UID (not valid, but seen): its start and title stand in for one."""
    return "nouid:" + hashlib.sha256(f"{begins}|{event.get('SUMMARY', '')}".encode()).hexdigest()[:32]


# --- the job -------------------------------------------------------------------------

# DTSTAMP says when the file was written: Google stamps every event with the time of the
# request, so two exports of an unchanged calendar differ only there.
_DTSTAMP = re.compile(rb"^DTSTAMP[;:][^\r\n]*\r?\n", re.MULTILINE | re.IGNORECASE)


def content_hash(body: bytes) -> str:
    """sha256 of the body without its DTSTAMP lines: the same calendar gives the same hash."""
    return hashlib.sha256(_DTSTAMP.sub(b"", body)).hexdigest()


def sync_calendar(source: CalendarSource, *, now: datetime | None = None) -> Counts:
    """Read one calendar source and record its new past meetings; never raises for a
    source's own failure: it is stored as `last_error` and counted as failed."""
    now = now or timezone.now()
    owner = source.owner
    tz = profile_zone(owner.profile.timezone)
    due = source.parse_again_at is None or now >= source.parse_again_at
    fields = ["last_checked_at"]
    source.last_checked_at = now
    try:
        if source.url:
            fetched = fetch(
                source.url, etag=source.etag, last_modified=source.last_modified, conditional=not due
            )
        else:
            fetched = Fetched(read_file(source))
        body_hash = content_hash(fetched.body) if fetched.body is not None else source.body_hash
        counts = Counts()
        if due or body_hash != source.body_hash:
            known = frozenset(
                FoundEvent.objects.filter(source=source, recurrence_id="").values_list("uid", flat=True)
            )
            meetings, next_end = parse(
                fetched.body,
                tz=tz,
                now=now,
                mine=owner_addresses(owner),
                known=known,
                descriptions=source.store_description,
            )
            counts = record_meetings(
                source=source, meetings=meetings, today=timezone.localtime(now, tz).date()
            )
            source.parse_again_at, source.body_hash = next_end, body_hash
            fields += ["parse_again_at", "body_hash"]
    except SourceError as exc:
        source.last_error, source.last_error_at = str(exc)[:1000], now
        source.save(update_fields=[*fields, "last_error", "last_error_at"])
        log.info("calendar source %s failed: %s", source.pk, exc)
        return Counts(failed=1)
    source.etag, source.last_modified, source.last_success_at = fetched.etag, fetched.last_modified, now
    source.save(update_fields=[*fields, "etag", "last_modified", "last_success_at"])
    return counts
