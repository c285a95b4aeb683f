"""Calendar sources (issue #16): a busy calendar read for a user with 10,000 contacts.

Run alone: `.venv/bin/python -m bench.run sources`. The user has 10,000 contacts, each
with an email; the feed is 5,000 events over the two years up to now (4,980 one-hour
meetings, each with two contacts or one contact and a stranger, and 20 weekly series),
served by a real HTTP server on loopback and read through the real fetch code
(`sources.calendar_fetch.sync_calendar`): fetch, parse and expand, match, insert the
found rows (ON CONFLICT DO NOTHING), log the interactions and refresh the contacts'
check-ins and warmth. Measured:

- the first read: every past meeting of the last year logged (target ≤ 5 s);
- the next hour's read, nothing new: the server answers 304, nothing is parsed (≤ 0.5 s);
- the same calendar exported again with every DTSTAMP rewritten (Google stamps each
  export with the time of the request): the content hash leaves DTSTAMP out, not parsed
  (≤ 0.5 s);
- a feed with one new past meeting: parsed, the 3,400 known events dropped before the
  parser, one meeting logged (profile).
"""

import os
import time
from datetime import timedelta

CONTACTS = 10_000
EVENTS = 5_000
SERIES = 20
TARGET_FIRST_S = 5.0
TARGET_AGAIN_S = 0.5


def _seed():
    from django.contrib.auth.models import User

    from contacts.models import Contact, ContactEmail

    user = User.objects.create_user("bench-sources", email="alice@example.com", password="!")
    user.profile.timezone = "Europe/Berlin"
    user.profile.save(update_fields=["timezone"])
    contacts = Contact.objects.bulk_create(
        [Contact(owner=user, first_name=f"P{n}", last_name="Bench") for n in range(CONTACTS)], batch_size=2000
    )
    ContactEmail.objects.bulk_create(
        [ContactEmail(contact=c, owner=user, value=f"person{n}@example.org") for n, c in enumerate(contacts)],
        batch_size=2000,
    )
    return user


def _addresses() -> list[str]:
    """Who the meetings are with: mostly contacts, one address in ten a stranger."""
    return [
        f"stranger{n}@elsewhere.example" if n % 10 == 9 else f"person{(n * 7) % CONTACTS}@example.org"
        for n in range(3000)
    ]


def run() -> list[dict]:
    from django.test import override_settings
    from django.utils import timezone

    from contacts.models import Interaction
    from sources.calendar_fetch import sync_calendar
    from sources.models import CalendarSource, FoundEvent
    from sources.tests.feeds import Running, busy_calendar

    user = _seed()
    now = timezone.now()
    body = busy_calendar(EVENTS - SERIES, end=now, addresses=_addresses(), days=730, recurring=SERIES)
    server = Running()
    try:
        with override_settings(SOURCES_ALLOW_PRIVATE_NETWORKS=True):
            url = server.feeds.serve("/busy.ics", body)
            source = CalendarSource.objects.create(owner=user, url=url)

            started, cpu = time.perf_counter(), time.process_time()
            first = sync_calendar(source, now=now)
            first_s, first_cpu = time.perf_counter() - started, time.process_time() - cpu

            source = CalendarSource.objects.get(pk=source.pk)
            started = time.perf_counter()
            again = sync_calendar(source, now=now + timedelta(minutes=1))
            again_s = time.perf_counter() - started
            statuses = server.feeds.statuses("/busy.ics")

            server.feeds.serve("/busy.ics", body.replace(b"DTSTAMP:20260101", b"DTSTAMP:20270101"))
            source = CalendarSource.objects.get(pk=source.pk)
            started = time.perf_counter()
            stamped = sync_calendar(source, now=now + timedelta(minutes=2))
            stamped_s = time.perf_counter() - started

            extra = busy_calendar(1, end=now, addresses=["person1@example.org"], days=1)
            new_meeting = (
                extra.split(b"BEGIN:VEVENT", 1)[1].split(b"END:VCALENDAR")[0].replace(b"busy-0@", b"new-0@")
            )
            server.feeds.serve(
                "/busy.ics", body.replace(b"END:VCALENDAR", b"BEGIN:VEVENT" + new_meeting + b"END:VCALENDAR")
            )
            source = CalendarSource.objects.get(pk=source.pk)
            started = time.perf_counter()
            changed = sync_calendar(source, now=now + timedelta(minutes=3))
            changed_s = time.perf_counter() - started
    finally:
        server.stop()
    interactions = Interaction.objects.filter(owner=user).count()
    found = FoundEvent.objects.filter(source=source).count()
    note = f"{EVENTS:,} events, {CONTACTS:,} contacts, {len(body) / 1e6:.1f} MB"
    return [
        {
            "benchmark": (
                f"calendar source, first read ({note}): {first.logged:,} meetings of the last year logged"
                f" ({found:,} found rows, {interactions:,} interactions)"
            ),
            "value": f"{first_s:.2f} s (this process's CPU {first_cpu:.2f} s; load average {os.getloadavg()[0]:.1f})",
            "target": f"≤ {TARGET_FIRST_S:.0f} s",
            "ok": first_s <= TARGET_FIRST_S and first.logged > 0 and first.failed == 0,
        },
        {
            "benchmark": f"calendar source, next read with nothing new (HTTP {statuses[-1]}, not parsed)",
            "value": f"{again_s:.3f} s",
            "target": f"≤ {TARGET_AGAIN_S} s",
            "ok": again_s <= TARGET_AGAIN_S and again.logged == 0 and statuses[-1] == 304,
        },
        {
            "benchmark": "calendar source, next read re-exported with new DTSTAMPs only (as Google's; not parsed)",
            "value": f"{stamped_s:.3f} s",
            "target": f"≤ {TARGET_AGAIN_S} s",
            "ok": stamped_s <= TARGET_AGAIN_S and stamped.logged == 0 and stamped.failed == 0,
        },
        {
            "benchmark": "calendar source, a feed with one new meeting (parsed; known events skipped before the parser)",
            "value": f"{changed_s:.2f} s (logged {changed.logged})",
            "target": "(profile)",
            "ok": changed.logged == 1 and changed.failed == 0,
        },
    ]


if __name__ == "__main__":  # pragma: no cover - use `python -m bench.run sources`
    raise SystemExit("run: .venv/bin/python -m bench.run sources")
