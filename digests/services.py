"""Write side of the digest: sending it exactly once, the job's bookkeeping, the
one-click actions and unsubscribe.

Exactly once comes from the database: DigestLog is unique on (user, period), and
each message is claimed on its own by a conditional UPDATE (sent_at NULL, and
claimed_at NULL or older than DIGEST_LEASE) that only one worker can win. The
winner sends, then writes sent_at; on an SMTP error it releases the claim for the
retry. A batch renders its digests in six queries (selectors.digest_contexts) and
sends them over one SMTP connection, still claiming and marking each message on its own.

The one window left: a worker dying after the SMTP server accepted a message and
before its sent_at is written (one UPDATE). The claim then expires after
DIGEST_LEASE and the digest goes out a second time. Twice, never zero times.
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, partial
from smtplib import SMTPException

from django.core.mail import get_connection
from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from crm.models import DigestFrequency, JobRun, Profile, profile_zone
from reminders import services as reminder_services
from reminders.models import Reminder

from . import emails, mime, rules, selectors
from .models import DigestLog
from .selectors import Digest

log = logging.getLogger(__name__)

# A claim older than this is taken over: a worker killed mid-send delays the
# digest by at most this long, never loses it. Longer than EMAIL_TIMEOUT × the
# SMTP round trips of one message, so a slow but live sender is not overtaken.
DIGEST_LEASE = dt.timedelta(minutes=10)
BATCH_SIZE = 200
SNOOZE_DAYS = 7
JOB_NAME = "send_digests"


class DigestBusy(Exception):
    """Another worker holds the claim on this digest and has not marked it sent."""


@dataclass
class BatchResult:
    sent: int = 0
    skipped: int = 0
    failed: list[tuple[int, str, dt.date]] = field(default_factory=list)  # (user_id, period, today)
    # Claimed by another worker and not sent yet: check again once the lease ends
    # (if that worker died, the claim is free by then). Counted as skipped.
    busy: list[tuple[int, str, dt.date]] = field(default_factory=list)

    def add(self, other: "BatchResult") -> None:
        self.sent += other.sent
        self.skipped += other.skipped
        self.failed.extend(other.failed)
        self.busy.extend(other.busy)

    @property
    def summary(self) -> str:
        return f"sent={self.sent} skipped={self.skipped} failed={len(self.failed)}"


def _rows_ensure(*, keys: Iterable[tuple[int, str]]) -> None:
    """A DigestLog row for each (user_id, period): one INSERT … ON CONFLICT DO NOTHING
    for them all, safe when another worker inserts the same rows."""
    DigestLog.objects.bulk_create(
        [DigestLog(user_id=user_id, period=period) for user_id, period in keys], ignore_conflicts=True
    )


# The claim and the mark run once per message: written as the two plain statements
# they are, because building and compiling them through the ORM each time costs
# about 0.6 ms a message, and with it the 500 digests/s target is missed (README,
# Benchmarks). The tests of exactly-once (two senders, a duplicate beat, an expired
# claim taken over, a live one left alone) run through them on both databases.
@cache
def _claim_sql() -> str:
    table = db.ops.quote_name(DigestLog._meta.db_table)
    return (
        f"UPDATE {table} SET claimed_at = %s, attempts = attempts + 1 "
        "WHERE sent_at IS NULL AND (claimed_at IS NULL OR claimed_at < %s) AND user_id = %s AND period = %s"
    )


@cache
def _mark_sql() -> str:
    table = db.ops.quote_name(DigestLog._meta.db_table)
    return f"UPDATE {table} SET sent_at = %s, item_count = %s, last_error = '' WHERE user_id = %s AND period = %s"


def _at(moment: dt.datetime):
    return db.ops.adapt_datetimefield_value(moment)


def _claim(*, user_id: int, period: str) -> bool:
    """Claim the (user, period) row. True when this caller won it, False when it
    is sent already; DigestBusy when another worker holds a live claim.

    The conditional UPDATE is the lock: only one caller sees a row updated. A claim
    older than DIGEST_LEASE is free again (its worker died). The clock is read
    here, not passed in: a batch queued an hour ago must not claim "in the past".
    """
    now = timezone.now()
    with db.cursor() as cursor:
        cursor.execute(_claim_sql(), [_at(now), _at(now - DIGEST_LEASE), user_id, period])
        won = cursor.rowcount
    if won:
        return True
    # Lost: only the contended case pays this second query.
    if DigestLog.objects.filter(user_id=user_id, period=period, sent_at=None).exists():
        raise DigestBusy(f"digest {period} for user {user_id} is claimed by another worker")
    return False


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _release(*, user_id: int, period: str, error: BaseException) -> None:
    """Give the claim back for a retry, and say why (DigestLog.last_error, in the admin)."""
    DigestLog.objects.filter(user_id=user_id, period=period, sent_at=None).update(
        claimed_at=None, last_error=_error_text(error)
    )


def _deliver(*, digest: Digest, connection) -> bool:
    """Claim, send over `connection`, mark. True when this call delivered it.

    The DigestLog row must exist (`_rows_ensure`). The message is rendered before
    the claim, so a digest that cannot be rendered never holds one. Whatever goes
    wrong while sending (SMTPException/OSError, a bad address) releases the claim,
    is recorded on the row (the admin shows attempts and last_error) and propagates.
    """
    message = emails.digest_message(digest=digest, connection=connection)
    if not _claim(user_id=digest.user_id, period=digest.period):
        return False  # sent already (DigestBusy: another worker holds it)
    try:
        mime.send(message, connection)  # opens the session if needed: a batch reuses one
    except BaseException as error:  # release whatever went wrong, then propagate it
        _release(user_id=digest.user_id, period=digest.period, error=error)
        raise
    # The one window: a crash right here (accepted, not yet marked) sends it again
    # once the lease expires. Twice, never zero times.
    with db.cursor() as cursor:
        cursor.execute(
            _mark_sql(), [_at(timezone.now()), min(digest.item_count, 32767), digest.user_id, digest.period]
        )
    return True


def digest_send(*, user_id: int, period: str, today: dt.date) -> bool:
    """Send one user's digest for `period` unless it is sent or being sent.

    True when this call delivered it. False when it was sent already, the user
    turned digests off or has no email, or there is nothing to say (and the user
    did not ask for empty digests). DigestBusy when another worker holds a live
    claim: the caller checks again after DIGEST_LEASE, when a dead worker's claim
    is free, so a worker killed mid-send delays the digest but never loses it.
    SMTP errors propagate after the claim is released, for the task's retry.
    """
    if DigestLog.objects.filter(user_id=user_id, period=period, sent_at__isnull=False).exists():
        return False
    digests = selectors.digest_contexts(users_today={user_id: today})
    if not digests or not digests[0].should_send:
        return False
    digest = digests[0]
    digest.period = period
    _rows_ensure(keys=[(user_id, period)])
    connection = get_connection()
    try:
        return _deliver(digest=digest, connection=connection)
    finally:
        connection.close()


def digest_send_batch(
    *, user_ids: Iterable[int], now: dt.datetime, date: dt.date | None = None
) -> BatchResult:
    """Send the digests of a batch of users over one SMTP connection.

    Each user's "today" is `date` when given, else their local date at `now`.
    Nine queries for the batch (time zones, what is sent already, six for the
    contexts, one INSERT for the log rows), then each message its claim and its
    mark; the users without today's focus picked yet cost `focus.focus_pick_many`
    on top (five queries for them all). A failing user does not stop the others: the failure is recorded on
    their DigestLog, the claim released, a fresh connection opened for the next
    user, and (user_id, period, today) returned in `failed` for a retry.
    """
    result = BatchResult()
    ids = sorted(set(user_ids))
    zones = dict(Profile.objects.filter(user_id__in=ids).values_list("user_id", "timezone"))
    users_today = {uid: date or now.astimezone(profile_zone(name)).date() for uid, name in zones.items()}
    result.skipped += len(ids) - len(users_today)
    if not users_today:
        return result
    periods = {rules.period_key(f, today) for today in users_today.values() for f in rules.FREQUENCIES}
    sent_already = set(
        DigestLog.objects.filter(user_id__in=ids, period__in=periods, sent_at__isnull=False).values_list(
            "user_id", "period"
        )
    )
    to_send = []
    for digest in selectors.digest_contexts(users_today=users_today):
        if not digest.should_send or (digest.user_id, digest.period) in sent_already:
            result.skipped += 1
        else:
            to_send.append(digest)
    _rows_ensure(keys=[(d.user_id, d.period) for d in to_send])
    connection = get_connection()
    try:
        for digest in to_send:
            _send_in_batch(digest=digest, connection=connection, result=result)
    finally:
        connection.close()
    return result


def _send_in_batch(*, digest: Digest, connection, result: BatchResult) -> None:
    """One digest of a batch: counted in `result`, its failure kept to itself."""
    key = (digest.user_id, digest.period, digest.today)
    try:
        delivered = _deliver(digest=digest, connection=connection)
    except DigestBusy:
        result.skipped += 1
        result.busy.append(key)
        return
    except (SMTPException, OSError) as error:
        log.warning("digest for user %s (%s) failed: %s", digest.user_id, digest.period, error)
        result.failed.append(key)
        connection.close()  # a broken session; the next user gets a fresh one
        return
    except Exception as error:  # noqa: BLE001 - bad data in one digest: recorded on its row, logged with its traceback, returned in failed
        log.error("digest for user %s (%s) failed", digest.user_id, digest.period, exc_info=error)
        DigestLog.objects.filter(user_id=digest.user_id, period=digest.period, sent_at=None).update(
            last_error=_error_text(error)
        )
        result.failed.append(key)
        connection.close()
        return
    if delivered:
        result.sent += 1
    else:
        result.skipped += 1


def digest_send_all(
    *,
    now: dt.datetime,
    date: dt.date | None = None,
    user_ids: Iterable[int] | None = None,
    batch_size: int | None = None,
) -> BatchResult:
    """Every due user's digest (or only `user_ids`), batch by batch, in this process.

    What `send_digests` runs, with the job's start and finish recorded for
    /healthz. A user in `user_ids` who is not due (digests off, not their hour or
    day, no email) counts as skipped.
    """
    digest_job_started(now=now)
    # With a date: that day's digest to everyone due one. Without: the hourly rule, owed hours included.
    due_at = (
        {now: selectors.users_due_for_digest(now=now, date=date)}
        if date
        else selectors.users_due_for_digest_catching_up(now=now)
    )
    total = BatchResult()
    wanted = set(user_ids) if user_ids is not None else None
    size = batch_size or BATCH_SIZE
    for at, due in due_at.items():
        if wanted is not None:
            due = [uid for uid in due if uid in wanted]
        for start in range(0, len(due), size):
            total.add(digest_send_batch(user_ids=due[start : start + size], now=at, date=date))
    if wanted is not None:
        total.skipped += len(wanted) - sum(1 for due in due_at.values() for uid in due if uid in wanted)
    digest_job_finished(summary=total.summary)
    return total


@transaction.atomic
def digest_fan_out(
    *, enqueue_batch: Callable[[list[int], str], object], now: dt.datetime, batch_size: int | None = None
) -> str:
    """The hourly job: queue one batch per `batch_size` users due at `now`, and for those an
    earlier hour still owes a digest (`selectors.DIGEST_CATCH_UP_HOURS`), batches of their own.

    `enqueue_batch(user_ids, now_iso)` queues one batch (the batch task's `.delay`),
    called after this transaction commits; `now` travels with the batch, so a batch
    run late still uses this hour's "today" and period for each user. Returns the
    summary it records for /healthz ("queued=N batches=M").
    """
    digest_job_started(now=now)
    size = batch_size or BATCH_SIZE
    queued = batches = 0
    for at, due in selectors.users_due_for_digest_catching_up(
        now=now
    ).items():  # this hour's users, then any an earlier hour owes
        for start in range(0, len(due), size):
            transaction.on_commit(partial(enqueue_batch, due[start : start + size], at.isoformat()))
            batches += 1
        queued += len(due)
    summary = f"queued={queued} batches={batches}"
    digest_job_finished(summary=summary)
    return summary


def digest_job_started(*, now: dt.datetime) -> None:
    JobRun.objects.update_or_create(name=JOB_NAME, defaults={"last_started_at": now})


def digest_job_finished(*, summary: str) -> None:
    """Record the run, so /healthz and the admin show when digests last went out."""
    JobRun.objects.update_or_create(
        name=JOB_NAME, defaults={"last_finished_at": timezone.now(), "last_summary": summary[:255]}
    )


def digest_action_apply(*, user_id: int, reminder_id: int, action: str, now: dt.datetime) -> bool:
    """Apply a one-click digest action ("done" or "snooze") to one of the user's reminders.

    True when it changed the reminder; False when it is not this user's or is
    closed already. Goes through the reminder engine's services (conditional
    UPDATEs on an open reminder, so a second click or a replayed link changes
    nothing; "done" on a check-in also moves the next one). "snooze" hides it
    for SNOOZE_DAYS from the user's local date at `now`.
    """
    reminder = (
        Reminder.objects.select_related("owner__profile").filter(pk=reminder_id, owner_id=user_id).first()
    )
    if reminder is None:
        return False
    today = selectors.local_today(profile=reminder.owner.profile, now=now)
    if action == "done":
        return reminder_services.reminder_done(reminder=reminder, today=today)
    if action == "snooze":
        return reminder_services.reminder_snooze(
            reminder=reminder, until=today + dt.timedelta(days=SNOOZE_DAYS), today=today
        )
    raise ValueError(f"unknown action {action!r}")


def digest_unsubscribe(*, user_id: int) -> bool:
    """Turn the user's digests off (one-click unsubscribe). True when it changed something."""
    changed = Profile.objects.filter(user_id=user_id).exclude(digest_frequency=DigestFrequency.OFF)
    return bool(changed.update(digest_frequency=DigestFrequency.OFF))
