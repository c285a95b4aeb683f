"""Digest throughput: 10,000 users with ~10 items each, rendered and delivered over SMTP.

The SMTP sink is a minimal asyncio SMTP server in a subprocess (a real SMTP
conversation; it accepts and discards), so the sink does not share the senders'
GIL and costs little of the two cores. Everything else is the production path,
`digests.services.digest_send_batch`: contexts in batches of BATCH_SIZE (four
queries a batch), text + HTML rendering, Django's EmailMultiAlternatives written
as bytes by digests.mime, and
per message the DigestLog claim (a conditional UPDATE) and its mark, over one
SMTP session per batch.
Run alone: `.venv/bin/python -m bench.run digests` (BENCH_DIGEST_USERS=1000 for a quick run).
"""

import datetime as dt
import multiprocessing
import os
import resource
import socket
import subprocess
import sys
import time

USERS = int(os.environ.get("BENCH_DIGEST_USERS", "10000"))
# Sender processes, like Celery workers each taking batch tasks (scale-out mode).
WORKERS = int(os.environ.get("BENCH_DIGEST_WORKERS", "2"))
TARGET = 500.0  # digests per second
TODAY = dt.date(2027, 2, 25)
NOW = dt.datetime(2027, 2, 25, 8, 0, tzinfo=dt.UTC)

# A minimal SMTP sink: a real SMTP conversation (greeting, EHLO/HELO, MAIL, RCPT,
# DATA ending in <CRLF>.<CRLF>, RSET, NOOP, QUIT; 250 for each message), nothing
# kept. Plain asyncio, in its own process: aiosmtpd (the tests' server, which
# checks what arrives) costs ~1 ms of CPU a message on the same two cores, which
# would be measuring the sink rather than the sender.
SINK = r"""
import asyncio, resource, sys

class Smtp(asyncio.Protocol):
    def connection_made(self, transport):
        self.t, self.buf, self.data = transport, b"", False
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, chunk):
        self.buf += chunk
        out = []
        while True:
            if self.data:
                end = self.buf.find(b"\r\n.\r\n")
                if end < 0:
                    self.buf = self.buf[-4:]
                    break
                self.buf, self.data = self.buf[end + 5:], False
                out.append(b"250 OK queued\r\n")
                continue
            end = self.buf.find(b"\r\n")
            if end < 0:
                break
            line, self.buf = self.buf[:end], self.buf[end + 2:]
            verb = line[:4].upper()
            if verb == b"EHLO":
                out.append(b"250-sink\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n")
            elif verb == b"DATA":
                self.data = True
                self.buf = b"\r\n" + self.buf  # the end marker may follow an empty body
                out.append(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            elif verb == b"QUIT":
                self.t.write(b"".join(out) + b"221 Bye\r\n")
                self.t.close()
                return
            elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                out.append(b"250 OK\r\n")
            else:
                out.append(b"500 Unknown command\r\n")
        if out:
            self.t.write(b"".join(out))

async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Smtp, "127.0.0.1", int(sys.argv[1]))
    print("ready", flush=True)
    await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    server.close()

asyncio.run(main())
usage = resource.getrusage(resource.RUSAGE_SELF)
print(usage.ru_utime + usage.ru_stime, flush=True)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seed(users: int) -> None:
    """Bulk-create users, profiles, contacts and reminders: ~10 digest items each."""
    from django.contrib.auth.models import User

    from contacts.models import Contact
    from crm.models import Profile
    from reminders.models import Reminder

    User.objects.bulk_create(
        [User(username=f"bench{n}", email=f"bench{n}@example.com", password="!") for n in range(users)],
        batch_size=2000,
    )
    user_ids = list(User.objects.filter(username__startswith="bench").values_list("pk", flat=True))
    existing = set(Profile.objects.values_list("user_id", flat=True))
    Profile.objects.bulk_create(
        [Profile(user_id=uid) for uid in user_ids if uid not in existing], batch_size=2000
    )
    created = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    # Per user: contacts 0-6 carry a due reminder, 7-8 a birthday in the next days,
    # 9 a work anniversary, 10-11 are weak ties (the reconnect pool): 10 items.
    contacts = []
    for uid in user_ids:
        for n in range(12):
            contacts.append(
                Contact(
                    owner_id=uid,
                    first_name=f"First{n}",
                    last_name=f"Last{uid}",
                    company="Acme",
                    title="Engineer",
                    tie_strength="weak" if n >= 10 else "strong",
                    birthday_month=2 if n in (7, 8) else None,
                    birthday_day=(26 + n - 7) if n in (7, 8) else None,
                    started_on=dt.date(2020, 3, 1) if n == 9 else None,
                    created_at=created,
                )
            )
    Contact.objects.bulk_create(contacts, batch_size=5000)
    kinds = ["check_in"] * 3 + ["follow_up"] * 2 + ["job_change"] * 2
    reminders = []
    for contact in Contact.objects.filter(owner_id__in=user_ids).only("pk", "owner_id", "first_name"):
        n = int(contact.first_name[5:])
        if n < 7:
            reminders.append(
                Reminder(
                    owner_id=contact.owner_id,
                    contact_id=contact.pk,
                    kind=kinds[n],
                    due_on=TODAY - dt.timedelta(days=n * 3),
                )
            )
    Reminder.objects.bulk_create(reminders, batch_size=5000)
    # Nobody has visited the dashboard yet today: the digests pick today's focus (reminders.focus).


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _worker(args: tuple[list[list[int]], dict]) -> tuple[int, int, int, float]:
    """One sender process: its share of the batches, one SMTP session per batch."""
    batches, email = args
    from django.conf import settings

    from digests import services

    for key, value in email.items():
        setattr(settings, key, value)
    total = services.BatchResult()
    started = _cpu_seconds()
    for batch in batches:
        total.add(services.digest_send_batch(user_ids=batch, now=NOW, date=TODAY))
    return total.sent, total.skipped, len(total.failed), _cpu_seconds() - started


def _send(ids: list[int], *, workers: int):
    """Send every due digest: in this process, or in `workers` forked processes."""
    from django.conf import settings
    from django.db import connections

    from digests import services

    if workers <= 1:
        before = _cpu_seconds()
        return services.digest_send_all(now=NOW, date=TODAY), _cpu_seconds() - before
    email = {
        key: getattr(settings, key)
        for key in ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL")
    }
    batches = [ids[i : i + services.BATCH_SIZE] for i in range(0, len(ids), services.BATCH_SIZE)]
    shares = [(batches[k::workers], email) for k in range(workers)]
    connections.close_all()  # never share a database connection across fork()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        parts = pool.map(_worker, shares)
    result = services.BatchResult(sent=sum(p[0] for p in parts), skipped=sum(p[1] for p in parts))
    result.failed = [(0, "", TODAY)] * sum(p[2] for p in parts)
    return result, sum(p[3] for p in parts)


def run() -> list[dict]:
    from django.conf import settings
    from django.db import connection, transaction

    from digests import selectors, services
    from digests.models import DigestLog

    started = time.perf_counter()
    _seed(USERS)
    seeded = time.perf_counter() - started

    port = _free_port()
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert sink.stdout.readline().strip() == "ready"
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""

        # Context building alone, for the profile, today's focus picked on the way (rolled
        # back: the senders below pick it again, as in production).
        ids = selectors.users_due_for_digest(now=NOW, date=TODAY)
        t0 = time.perf_counter()
        items = 0
        with transaction.atomic():
            for start in range(0, len(ids), services.BATCH_SIZE):
                chunk = ids[start : start + services.BATCH_SIZE]
                built = selectors.digest_contexts(users_today={uid: TODAY for uid in chunk})
                items += sum(d.item_count for d in built)
            transaction.set_rollback(True)
        contexts = time.perf_counter() - t0

        t0 = time.perf_counter()
        result, sender_cpu = _send(ids, workers=WORKERS)
        elapsed = time.perf_counter() - t0
    finally:
        sink.stdin.close()
        sink_cpu = float(sink.stdout.readline() or 0)
        sink.wait(timeout=30)

    sent = DigestLog.objects.filter(sent_at__isnull=False).count()
    rate = result.sent / elapsed if elapsed else 0.0
    print(
        f"[digests] {USERS} users seeded in {seeded:.1f} s; {items / max(len(ids), 1):.1f} items/digest; "
        f"contexts {contexts:.1f} s; sent={result.sent} skipped={result.skipped} failed={len(result.failed)} "
        f"in {elapsed:.1f} s with {WORKERS} sender process(es) ({connection.vendor})",
        file=sys.stderr,
    )
    per_cpu = result.sent / sender_cpu if sender_cpu else 0.0
    load = os.getloadavg()[0]
    print(
        f"[digests] sender CPU {sender_cpu:.1f} s ({sender_cpu / max(result.sent, 1) * 1000:.2f} ms/digest, "
        f"{per_cpu:,.0f} digests per CPU-second); SMTP sink CPU {sink_cpu:.1f} s; "
        f"load average {load:.1f} on {os.cpu_count()} cores",
        file=sys.stderr,
    )
    ok = rate >= TARGET and sent == USERS and not result.failed
    return [
        {
            "benchmark": f"digests rendered + delivered over SMTP ({USERS:,} users, ~10 items, {WORKERS} sender processes)",
            "value": f"{rate:,.0f} digests/s ({elapsed:.1f} s total)",
            "target": f">= {TARGET:.0f} digests/s",
            "ok": ok,
        },
        {
            "benchmark": "digest sender cost (contexts + render + MIME + SMTP client + claim/mark), per CPU-second",
            "value": f"{per_cpu:,.0f} digests/CPU-s ({sender_cpu / max(result.sent, 1) * 1000:.2f} ms each)",
            "target": f"(profile; load average {load:.1f})",
            "ok": True,
        },
        {
            "benchmark": "digest contexts built in batches of 200 (6 queries a batch; today's focus picked: 6 more)",
            "value": f"{len(ids) / contexts:,.0f} users/s" if contexts else "n/a",
            "target": "(profile)",
            "ok": True,
        },
    ]
