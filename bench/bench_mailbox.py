"""Mailbox source (issue #16): a mailbox of 20,000 message headers, for a user with 10,000 contacts.

Run alone: `.venv/bin/python -m bench.run --db sqlite mailbox` (or `--db postgresql`).

A throw-away dovecot (sources/tests/dovecot.py) whose maildir is written directly before
it starts (much faster than 20,000 APPENDs): two years of mail, 8,000 sent messages
(to one to three contacts, a fifth with a Cc, a tenth to strangers) and 12,000 received
(from contacts, strangers, mailing lists, no-reply senders and auto-replies). Dovecot
has scanned the folders once (a SELECT, as a server that delivered the mail has), but
no header has been fetched before the measured run.

The value is wall time; this process's CPU time and the load average are printed
beside it (dovecot's own work and the database server's are in the wall time only).

Measured, through the real `sync_mailbox` (IMAP on loopback, the rules, the core's
exactly-once insert and the reminder engine): the first sync of the whole mailbox
(target ≤ 10 s), a second sync with nothing new (one SEARCH per folder), and an
hourly sync with 50 new messages.
Without dovecot installed the row says so.
"""

import logging
import os
import random
import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

CONTACTS = 10_000
SENT = 8_000
RECEIVED = 12_000
NEW = 50  # messages arriving between two hourly syncs
TARGET_S = 10.0
USERNAME = "bench-mail"
# The mail is the two years before this moment: fixed, so every run logs the same count
# (a date relative to the clock moves messages across midnight), and in the past.
ANCHOR = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
ME = "me@bench.example"


def _seed_contacts():
    from django.contrib.auth.models import User

    from contacts.models import Contact, ContactEmail

    user = User.objects.create(username=USERNAME, email=ME, password="!")
    user.profile.timezone = "Europe/Berlin"
    user.profile.save(update_fields=["timezone"])
    contacts = Contact.objects.bulk_create(
        [Contact(owner=user, first_name=f"P{i}", last_name="Mail") for i in range(CONTACTS)], batch_size=1000
    )
    ContactEmail.objects.bulk_create(
        [ContactEmail(contact=c, owner=user, value=f"p{i}@people.example") for i, c in enumerate(contacts)],
        batch_size=1000,
    )
    return user


def _message(rng: random.Random, n: int, now: datetime, *, sent: bool, days: int = 730) -> bytes:
    when = now - timedelta(minutes=rng.randrange(60, days * 1440))
    person = f"p{rng.randrange(CONTACTS)}@people.example"
    extra = ""
    if sent:
        sender = ME
        to = ", ".join(
            f"p{rng.randrange(CONTACTS)}@people.example" if rng.random() > 0.1 else f"s{n}@strangers.example"
            for _ in range(rng.choice((1, 1, 2, 3)))
        )
        if rng.random() < 0.2:
            extra += f"Cc: p{rng.randrange(CONTACTS)}@people.example\r\n"
    else:
        to = ME
        kind = rng.random()
        sender = person if kind < 0.6 else f"s{rng.randrange(3000)}@strangers.example"
        if 0.75 <= kind < 0.85:
            extra += "List-Id: Team <team.lists.example>\r\nPrecedence: list\r\n"
        elif 0.85 <= kind < 0.95:
            sender = "noreply@service.example"
        elif kind >= 0.95:
            extra += "Auto-Submitted: auto-replied\r\n"
    return (
        f"From: {sender}\r\nTo: {to}\r\n{extra}Date: {format_datetime(when)}\r\n"
        f"Subject: Message {n}\r\nMessage-ID: <{n}.bench@bench.example>\r\n\r\nA short body.\r\n"
    ).encode()


class _Lines(logging.Handler):
    """The sync's log lines (they carry its reading/recording split)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run() -> list[dict]:
    from sources.tests.dovecot import DOVECOT

    if not DOVECOT:
        return [
            {
                "benchmark": "mailbox of 20,000 message headers, 10,000 contacts",
                "value": "not run: dovecot is not installed (apt-get install dovecot-imapd)",
                "target": f"≤ {TARGET_S:.0f} s",
                "ok": False,
            }
        ]
    from imapclient import IMAPClient

    from contacts.models import Interaction
    from sources import crypto
    from sources.mailbox_sync import sync_mailbox
    from sources.models import MailboxSource
    from sources.tests.dovecot import HOST, Dovecot

    started = time.perf_counter()
    user = _seed_contacts()
    rng = random.Random(16)
    now = ANCHOR
    server = Dovecot()
    try:
        username, password = server.new_account()
        server.write_maildir(username, "Sent", [_message(rng, n, now, sent=True) for n in range(SENT)])
        server.write_maildir(
            username, "INBOX", [_message(rng, n, now, sent=False) for n in range(SENT, SENT + RECEIVED)]
        )
        server.start()
        client = IMAPClient(HOST, port=server.port, ssl=False, timeout=60)
        client.login(username, password)
        sizes = {
            folder: client.select_folder(folder, readonly=True)[b"EXISTS"] for folder in ("Sent", "INBOX")
        }
        client.logout()
        source = MailboxSource.objects.create(
            owner=user,
            host=HOST,
            port=server.port,
            security="none",
            username=username,
            password_encrypted=crypto.encrypt(password),
        )
        seeded_in = time.perf_counter() - started

        lines = _Lines()
        logging.getLogger("sources.mailbox_sync").addHandler(lines)
        started, cpu = time.perf_counter(), time.process_time()
        first = sync_mailbox(source)
        first_s, first_cpu = time.perf_counter() - started, time.process_time() - cpu
        load = os.getloadavg()[0]
        interactions = Interaction.objects.filter(owner=user, origin="mailbox").count()
        started = time.perf_counter()
        again = sync_mailbox(source)
        again_s = time.perf_counter() - started
        # An hour later: a few new messages (appended through IMAP, as delivered).
        later = ANCHOR + timedelta(days=1)
        fresh = [
            _message(rng, n, later, sent=False, days=1) for n in range(SENT + RECEIVED, SENT + RECEIVED + NEW)
        ]
        server.append(username, password, "INBOX", fresh)
        started = time.perf_counter()
        hourly = sync_mailbox(source, now=later)
        hourly_s = time.perf_counter() - started
    finally:
        server.cleanup()
        logging.getLogger("sources.mailbox_sync").removeHandler(lines)
    split = re.search(r"([\d.]+ s reading, [\d.]+ s recording)", lines.messages[0] if lines.messages else "")
    source.refresh_from_db()
    total = sum(sizes.values())
    ok = not first.failed and total == SENT + RECEIVED and interactions == first.logged
    note = f"{sizes['Sent']:,} sent + {sizes['INBOX']:,} received over 2 years; seeded in {seeded_in:.1f} s"
    if split:
        note += f"; {split.group(1)}"
    if first.failed:
        note += f"; FAILED: {source.last_error}"
    return [
        {
            "benchmark": (
                f"mailbox of {total:,} message headers, {CONTACTS:,} contacts: first sync "
                f"({first.logged:,} email interactions logged; {note})"
            ),
            "value": f"{first_s:.2f} s (this process's CPU {first_cpu:.2f} s; load {load:.1f})",
            "target": f"≤ {TARGET_S:.0f} s",
            "ok": ok and first_s <= TARGET_S,
        },
        {
            "benchmark": f"mailbox of {total:,} message headers: second sync, nothing new",
            "value": f"{again_s:.2f} s (logged {again.logged})",
            "target": "(profile)",
            "ok": not again.failed and again.logged == 0,
        },
        {
            "benchmark": f"mailbox of {total:,} message headers: an hourly sync with {NEW} new messages",
            "value": f"{hourly_s:.2f} s (logged {hourly.logged})",
            "target": "(profile)",
            "ok": not hourly.failed,
        },
    ]


if __name__ == "__main__":  # pragma: no cover - use `python -m bench.run mailbox`
    raise SystemExit("run: .venv/bin/python -m bench.run mailbox")
