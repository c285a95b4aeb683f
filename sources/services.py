"""Write side of sources: adding calendars, and the sync job (hourly beat, `sync_sources`).

The job runs every source of a batch of users; a source that fails records its error
(`last_error`, shown in Settings and the admin) and the others go on. Every run is
idempotent (sources.found), so a duplicate beat, a retried task or two workers at once
log nothing twice.
"""

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from functools import partial

from django.contrib.auth.models import User
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from contacts import services as contact_services
from contacts.models import Contact
from crm.models import JobRun

from . import crypto
from .calendar_fetch import SourceError, normalise_url, sync_calendar
from .found import Counts
from .models import CalendarSource, MailboxSource

try:  # the IMAP reader (the mailbox engineer's module): sync_mailbox(source) -> Counts
    from .mailbox_sync import sync_mailbox
except ModuleNotFoundError as exc:  # pragma: no cover - only until sources/mailbox_sync.py lands
    if exc.name != "sources.mailbox_sync":
        raise
    sync_mailbox = None

log = logging.getLogger(__name__)

JOB_NAME = "sync_sources"
# Users per Celery batch task: a source may take up to its fetch timeout, so batches stay small.
USER_BATCH_SIZE = 20


def calendar_source_add(
    *,
    owner: User,
    url: str = "",
    file: File | None = None,
    name: str = "",
    ask_first: bool = False,
    store_description: bool = False,
) -> CalendarSource:
    """Add a calendar by address (http, https or webcal) or by an uploaded .ics file.

    Raises SourceError for an address that is not http(s). Nothing is fetched here:
    the next sync does (the settings view runs one at once).
    """
    if bool(url) == bool(file):
        raise SourceError("Give a calendar address or a file, not both.")
    source = CalendarSource(owner=owner, name=name, ask_first=ask_first, store_description=store_description)
    if url:
        source.url = normalise_url(url)
        source.save()
    else:
        source.file.save(file.name.rsplit("/", 1)[-1] or "calendar.ics", file, save=True)
    return source


def calendar_source_delete(*, source: CalendarSource) -> None:
    """Delete the source and, once committed, its uploaded file. What it logged stays."""
    file = source.file if source.file else None
    source.delete()
    if file:
        transaction.on_commit(partial(file.storage.delete, file.name))


def _record_failure(source: CalendarSource | MailboxSource, exc: Exception) -> None:
    now = timezone.now()
    type(source).objects.filter(pk=source.pk).update(
        last_error=f"Unexpected error: {type(exc).__name__}: {exc}"[:1000],
        last_error_at=now,
        last_checked_at=now,
    )


def _run(sync: Callable[..., Counts], source: CalendarSource | MailboxSource) -> Counts:
    """One source, whatever happens to it: its own failures are counted, never raised."""
    try:
        return sync(source)
    except Exception as exc:  # noqa: BLE001 - the loop boundary: one source's bug must not stop the others
        log.exception("source %s %s failed", type(source).__name__, source.pk)
        _record_failure(source, exc)
        return Counts(failed=1)


def sources_sync_for_users(*, user_ids: Iterable[int], now: datetime | None = None) -> Counts:
    """Read every calendar and mailbox of these users now; the counts of all of them."""
    user_ids = list(user_ids)
    total = Counts()
    calendars = CalendarSource.objects.filter(owner_id__in=user_ids).select_related("owner__profile")
    for source in calendars.order_by("owner_id", "pk"):
        total += _run(partial(sync_calendar, now=now), source)
    mailboxes = MailboxSource.objects.filter(owner_id__in=user_ids).select_related("owner__profile")
    for source in mailboxes.order_by("owner_id", "pk"):
        if sync_mailbox is None:  # pragma: no cover - until the IMAP reader lands
            log.warning("mailbox source %s skipped: sources.mailbox_sync is not installed", source.pk)
            continue
        total += _run(sync_mailbox, source)
    return total


def user_ids_with_sources(
    *, user_ids: Iterable[int] | None = None, size: int = USER_BATCH_SIZE
) -> Iterator[list[int]]:
    """The ids of users with at least one source, in batches of `size`."""
    ids = set(CalendarSource.objects.values_list("owner_id", flat=True).distinct())
    ids |= set(MailboxSource.objects.values_list("owner_id", flat=True).distinct())
    if user_ids is not None:
        ids &= set(user_ids)
    ordered = sorted(ids)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def sources_sync(*, user_ids: Iterable[int] | None = None) -> Counts:
    """The whole job, synchronously (the command); records its run in JobRun."""
    JobRun.objects.update_or_create(name=JOB_NAME, defaults={"last_started_at": timezone.now()})
    total = Counts()
    for batch in user_ids_with_sources(user_ids=user_ids):
        total += sources_sync_for_users(user_ids=batch)
    _job_finished(total)
    return total


def _job_finished(total: Counts) -> None:
    JobRun.objects.update_or_create(
        name=JOB_NAME, defaults={"last_finished_at": timezone.now(), "last_summary": total.line()}
    )


def sources_sync_fan_out(*, enqueue_batch: Callable[[list[int]], object]) -> int:
    """Queue one batch task per USER_BATCH_SIZE users with sources (after the commit); returns how many."""
    JobRun.objects.update_or_create(name=JOB_NAME, defaults={"last_started_at": timezone.now()})
    count = 0
    for batch in user_ids_with_sources():
        transaction.on_commit(partial(enqueue_batch, batch))
        count += 1
    if not count:  # nothing to read: the run is over, and /healthz still sees the beat
        _job_finished(Counts())
    return count


def sources_sync_batch(*, user_ids: list[int]) -> Counts:
    """One batch task's work; records the job as finished (the last batch to finish wins)."""
    total = sources_sync_for_users(user_ids=user_ids)
    _job_finished(total)
    return total


def mailbox_source_save(*, source: MailboxSource, password: str = "") -> MailboxSource:
    """Save a mailbox (its form's fields set); a non-empty `password` is encrypted and
    replaces the stored one, an empty one keeps it. A changed server or account starts
    the folders' bookkeeping over."""
    if password:
        source.password_encrypted = crypto.encrypt(password)
    if source.pk:
        before = MailboxSource.objects.filter(pk=source.pk).values_list("host", "username").first()
        if before and before != (source.host, source.username):
            source.folder_states.all().delete()
    source.save()
    return source


def mailbox_source_delete(*, source: MailboxSource) -> None:
    """Delete the mailbox, its password and folder bookkeeping. What it logged stays."""
    source.delete()


def suggestion_contact_create(*, owner: User, email: str) -> Contact:
    """A new contact from a suggested address, its name guessed from the local part
    ("ada.lovelace@…" → Ada Lovelace); the user completes it on the edit page."""
    local = email.split("@", 1)[0]
    words = [w for w in local.replace("_", ".").replace("-", ".").replace("+", ".").split(".") if w]
    first = words[0].capitalize() if words else email
    last = " ".join(w.capitalize() for w in words[1:])
    return contact_services.contact_create(
        owner=owner,
        fields={"first_name": first[:100], "last_name": last[:100]},
        emails=[contact_services.Handle(value=email, label="work")],
    )
