"""One mailbox's sync: new message headers → "email" interactions (issue #16).

`sync_mailbox(source)` (what `sync_sources` and the hourly beat run for each mailbox):

1. decrypts the app password (sources.crypto) and logs in (sources.imap);
2. for each configured folder, reads the headers of the messages after the stored
   (UIDVALIDITY, last UID) — nothing else is downloaded, nothing is marked read;
3. drops mailing lists and machines (sources.mailrules) and keeps, per message, its
   day in the owner's time zone and the other people's addresses;
4. hands them to the core (`sources.found.record_mail`), all folders in one call (up to
   COMMIT_EVERY messages): one interaction per contact per day, exactly once by the
   database's unique key, or a review item when the source asks first;
5. only then stores the folders' new last UIDs. A crash between 4 and 5 reads those
   messages again next time, which the unique key makes harmless; the reverse order
   could lose them. This is the one window where work is repeated, and it is safe.

A mailbox that fails (wrong password, refused connection, timeout, TLS, a password that
no longer decrypts) records its error on the source (`last_error`, shown in Settings and
the admin) and returns `failed=1`; nothing is raised, so the other sources go on.
Folders not found on the server are skipped with a log line; when none is found, that
is the mailbox's error.
"""

import logging
import ssl
import time
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from crm.models import profile_zone

from . import crypto, imap, mailrules
from .found import Counts, MailSeen, owner_addresses, record_mail
from .models import MailboxFolderState, MailboxSource

log = logging.getLogger(__name__)

# Messages handed to the core per call; the folders' states are stored after each call,
# so a crash during the first sync of a large mailbox re-reads at most this many.
COMMIT_EVERY = 20_000


@dataclass
class _Recorder:
    """The messages read and not yet recorded, and the folder states they complete.

    Every folder goes into one core call (up to COMMIT_EVERY messages): the same
    contact's Sent and Inbox mail of a day is one touchpoint found once, and the
    reminder engine is told once for the whole mailbox.
    """

    source: MailboxSource
    stored: dict[str, imap.FolderState]
    own: frozenset[str]
    today: date
    counts: Counts = field(default_factory=Counts)
    pending: list[MailSeen] = field(default_factory=list)
    states: dict[str, imap.FolderState] = field(default_factory=dict)
    read: int = 0
    recording_s: float = 0.0  # time spent in the core (the rest of a run is the IMAP read)
    automated: int = 0
    unusable: int = 0
    nobody: int = 0

    def add(self, batch: imap.Batch, *, sent: bool) -> None:
        self.read += len(batch.messages) + batch.skipped
        self.unusable += batch.skipped
        for header in batch.messages:
            seen = _touch(header, self.own, self.today, sent=sent)
            if seen is None:
                self.automated += 1
            elif not seen.addresses:
                self.nobody += 1
            else:
                self.pending.append(seen)
        self.states[batch.folder] = batch.state
        if len(self.pending) >= COMMIT_EVERY:
            self.flush()

    def flush(self) -> None:
        """Record the pending messages, then (only then) store the states they complete."""
        if self.pending:
            started = time.perf_counter()
            self.counts += record_mail(source=self.source, messages=self.pending, today=self.today)
            self.recording_s += time.perf_counter() - started
            self.pending = []
        for folder, state in self.states.items():
            _save_state(self.source, folder, state, previous=self.stored.get(folder))
            self.stored[folder] = state
        self.states = {}


def sync_mailbox(
    source: MailboxSource,
    *,
    now: datetime | None = None,
    timeout: float = imap.TIMEOUT_S,
    ssl_context: ssl.SSLContext | None = None,
) -> Counts:
    """Read `source`'s new message headers and record them; never raises for the
    mailbox's own failure (see the module docstring). Returns the core's Counts, with
    failed=1 when the mailbox could not be read to the end (what was read before the
    failure is still recorded, and its folders' states stored)."""
    now = now or timezone.now()
    owner = source.owner
    tz = profile_zone(owner.profile.timezone)
    recorder = _Recorder(
        source=source,
        stored={
            state.folder: imap.FolderState(state.uidvalidity, state.last_uid)
            for state in MailboxFolderState.objects.filter(mailbox=source)
        },
        own=frozenset(owner_addresses(owner)),
        today=timezone.localtime(now, tz).date(),
    )
    source.last_checked_at = now
    started = time.perf_counter()
    try:
        password = crypto.decrypt(source.password_encrypted)
        with imap.session(
            host=source.host,
            port=source.port,
            security=source.security,
            username=source.username,
            password=password,
            timeout=timeout,
            ssl_context=ssl_context,
        ) as client:
            found, notes = imap.resolve_folders(client, source.folder_list())
            for note in notes:
                log.info("mailbox source %s: %s", source.pk, note)
            if not found:
                raise imap.MailboxError("; ".join(notes) or "no folder configured")
            for folder in found:
                stored = recorder.stored.get(folder.name)
                for batch in imap.read_folder(
                    client, folder=folder.name, server_name=folder.server_name, stored=stored, tz=tz
                ):
                    recorder.add(batch, sent=folder.sent)
    except (crypto.SecretError, imap.MailboxError, *imap.MAILBOX_ERRORS) as exc:
        recorder.flush()  # what was read is recorded; the rest is read again next time
        reason = str(exc) if isinstance(exc, crypto.SecretError | imap.MailboxError) else imap.describe(exc)
        source.last_error, source.last_error_at = reason[:1000], now
        source.save(update_fields=["last_checked_at", "last_error", "last_error_at"])
        log.info("mailbox source %s failed: %s", source.pk, reason)
        return recorder.counts + Counts(failed=1)
    recorder.flush()
    source.last_success_at = now
    source.save(update_fields=["last_checked_at", "last_success_at"])
    counts = recorder.counts
    log.info(
        "mailbox source %s: %d new messages (%d lists or machines, %d unusable, %d with nobody else): "
        "logged=%d pending=%d ignored=%d; %.2f s reading, %.2f s recording",
        source.pk,
        recorder.read,
        recorder.automated,
        recorder.unusable,
        recorder.nobody,
        counts.logged,
        counts.pending,
        counts.ignored,
        time.perf_counter() - started - recorder.recording_s,
        recorder.recording_s,
    )
    return counts


def _touch(header: imap.MailHeader, own: frozenset[str], today: date, *, sent: bool) -> MailSeen | None:
    """The message as the core takes it, or None for a list or a machine.

    A message dated after today (a sender's clock running fast, across midnight) is on
    today: it is in the mailbox, so it happened by now, and the core would skip a future
    day — for good, since the folder's last UID moves past it.
    """
    if mailrules.automated_reason(
        sender=header.sender,
        list_id=header.list_id,
        precedence=header.precedence,
        auto_submitted=header.auto_submitted,
    ):
        return None
    people = mailrules.other_people(sender=header.sender, recipients=header.recipients, own=own, sent=sent)
    return MailSeen(occurred_on=min(header.day, today), addresses=frozenset(people))


def _save_state(
    source: MailboxSource, folder: str, state: imap.FolderState, *, previous: imap.FolderState | None
) -> imap.FolderState:
    """Store the folder's (UIDVALIDITY, last UID), after the core committed what it covers.

    Forward only: a slower run at the same time never moves the last UID back (that would
    only cost a re-read, but for nothing). Nothing is written when nothing changed.
    """
    if state == previous:
        return state
    MailboxFolderState.objects.bulk_create(
        [
            MailboxFolderState(
                mailbox=source, folder=folder, uidvalidity=state.uidvalidity, last_uid=state.last_uid
            )
        ],
        ignore_conflicts=True,
    )
    MailboxFolderState.objects.filter(mailbox=source, folder=folder).exclude(
        uidvalidity=state.uidvalidity, last_uid__gte=state.last_uid
    ).update(uidvalidity=state.uidvalidity, last_uid=state.last_uid)
    return state


def mailbox_passwords_rotate() -> tuple[int, int]:
    """Re-encrypt every stored mailbox password under the first key of KEEPWARM_SECRETS_KEY
    (after a new key was put first); returns (rotated, unreadable). An unreadable one (no
    configured key opens it) is left as it is: its mailbox keeps showing "cannot decrypt"
    until the password is typed again. Each row is written only if it did not change
    meanwhile (a password saved in Settings during the rotation wins)."""
    rotated = unreadable = 0
    for pk, token in MailboxSource.objects.exclude(password_encrypted="").values_list(
        "pk", "password_encrypted"
    ):
        try:
            new = crypto.rotate(token)
        except crypto.SecretError:
            unreadable += 1
            continue
        rotated += MailboxSource.objects.filter(pk=pk, password_encrypted=token).update(
            password_encrypted=new
        )
    return rotated, unreadable
