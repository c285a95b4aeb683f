"""The shared core of calendar and mailbox sources: what a source found becomes
interactions, exactly once (issue #16).

A reader (sources.calendar_fetch, sources.mailbox_sync) turns its source into plain
found items — `Meeting` for a calendar occurrence, `MailSeen` for a message — and
calls `record_meetings` or `record_mail`. This module then

1. matches the items' addresses to the owner's contacts (`ContactEmail.owner`, one
   query per batch, lowercased; archived contacts are left out) and drops the
   addresses the owner chose to always ignore;
2. inserts one found row per key with `INSERT … ON CONFLICT DO NOTHING` — the key is
   unique in the database: (source, uid, recurrence_id) for a meeting, (owner,
   contact, day) for mail — each row stamped with this run's `claim` token, and reads
   back the rows carrying its token: those, and only those, are this run's to log. So a
   re-fetch, a reordered feed or two workers at once never log anything twice; the
   insert and the interactions commit together, so a crash in between logs nothing
   and leaves nothing claimed;
3. logs the new rows as interactions with `origin` set ("from calendar"/"from
   mailbox") — or queues them for review when the source asks first — and tells the
   reminder engine once for the batch (`interactions_recorded`: check-ins close,
   warmth and next check-in move, as for a hand-logged interaction);
4. remembers addresses that are not contacts (`SeenAddress`, last 90 days only), from
   which the dashboard suggests new contacts.

Items dated after the owner's local today are skipped: nothing is logged before it
has happened.
"""

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from contacts.models import ContactEmail, Interaction, InteractionKind, InteractionOrigin
from crm.models import profile_zone
from reminders import services as reminder_services

from .mailrules import address_key
from .models import (
    CalendarSource,
    FoundEvent,
    FoundMail,
    FoundStatus,
    IgnoredAddress,
    MailboxSource,
    SeenAddress,
)

# Unknown addresses count towards a suggestion for this long; older sightings are not stored.
SEEN_DAYS = 90
INSERT_BATCH = 500
TITLE_MAX = 300


@dataclass(frozen=True)
class Counts:
    """What a run did. logged: interactions created; pending: queued for review;
    ignored: found with contacts whose addresses are all "always ignore"d; failed:
    sources whose run ended in an error."""

    logged: int = 0
    pending: int = 0
    ignored: int = 0
    failed: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(
            self.logged + other.logged,
            self.pending + other.pending,
            self.ignored + other.ignored,
            self.failed + other.failed,
        )

    def line(self) -> str:
        """The commands' last line (the public contract)."""
        return f"logged={self.logged} ignored={self.ignored} failed={self.failed}"


@dataclass(frozen=True)
class Meeting:
    """One past occurrence of a calendar event.

    `recurrence_id` is '' for a single event, else the occurrence's RECURRENCE-ID
    (its original start); `addresses` are the other people's, as keys (mailrules.address_key).
    """

    uid: str
    recurrence_id: str
    occurred_on: date
    addresses: frozenset[str]
    title: str = ""
    description: str = ""


@dataclass(frozen=True)
class MailSeen:
    """One message: the owner's local date it was sent or received on, the other
    people's lowercased addresses (From, To, Cc minus the owner's own), and
    optionally a key naming its thread (for new-contact suggestions, which count
    distinct threads; '' counts distinct days)."""

    occurred_on: date
    addresses: frozenset[str]
    key: str = ""


@dataclass
class _Batch:
    """Rows to insert for one source run, and the unknown addresses it saw."""

    rows: list = field(default_factory=list)
    seen: dict[tuple[str, str], date] = field(default_factory=dict)


def owner_today(owner: User, *, now: datetime | None = None) -> date:
    """The owner's local date (Profile.timezone), never UTC's."""
    return timezone.localtime(now or timezone.now(), profile_zone(owner.profile.timezone)).date()


def owner_addresses(owner: User) -> set[str]:
    """The owner's own addresses as keys (`address_key`): the account's email and the mailbox
    user names that are addresses. Readers leave these out of `addresses` (and the calendar reader
    reads the owner's PARTSTAT from them)."""
    names = MailboxSource.objects.filter(owner=owner).values_list("username", flat=True)
    return {address_key(a) for a in [owner.email, *names] if a and "@" in a}


def address_book(owner: User, addresses: Iterable[str] | None = None) -> dict[str, list[int]]:
    """Address key (`address_key`) → ids of the owner's active contacts with it (one query).

    Without `addresses` (keys), the whole book: cheaper than an IN list of thousands of
    addresses. With ASCII keys only, the database reads the stored values whose lower
    case is one of them (a stored value is kept as typed: "Ana@Example.com"); a key
    that is not ASCII ("josé@bücher.example") may be stored as "JOSÉ@xn--bcher-kva.example"
    or with a combining accent, which no SQL LOWER finds, so the whole book is read then.
    """
    query = ContactEmail.objects.filter(owner=owner, contact__archived=False)
    if addresses is not None:
        keys = sorted(set(addresses))
        if all(key.isascii() for key in keys):
            query = query.annotate(address=Lower("value")).filter(address__in=keys)
    book: dict[str, list[int]] = defaultdict(list)
    for value, contact_id in query.values_list("value", "contact_id").order_by("contact_id"):
        book[address_key(value)].append(contact_id)
    return book


def ignored_addresses(owner: User) -> set[str]:
    return set(IgnoredAddress.objects.filter(owner=owner).values_list("email", flat=True))


def _key(*parts: object) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()[:40]


def _split(
    addresses: Iterable[str], book: dict[str, list[int]], ignored: set[str]
) -> tuple[dict[str, list[int]], bool, list[str]]:
    """(contact addresses kept → contact ids, whether a contact address was ignored, unknown addresses)."""
    kept: dict[str, list[int]] = {}
    dropped = False
    unknown = []
    for address in sorted(addresses):
        if address in ignored:
            dropped = dropped or address in book
        elif address in book:
            kept[address] = book[address]
        else:
            unknown.append(address)
    return kept, dropped, unknown


def record_meetings(
    *, source: CalendarSource, meetings: Iterable[Meeting], today: date | None = None
) -> Counts:
    """Log (or queue) the meetings of `source` that involve the owner's contacts.

    Returns the counts of this call; keys the source already holds are skipped in
    Python before anything else (a re-fetch of a changed feed costs one query for them).
    """
    owner = source.owner
    today = today or owner_today(owner)
    known = set(FoundEvent.objects.filter(source=source).values_list("uid", "recurrence_id"))
    fresh: dict[tuple[str, str], Meeting] = {}
    for meeting in meetings:
        key = (meeting.uid, meeting.recurrence_id)
        if key not in known and key not in fresh and meeting.occurred_on <= today:
            fresh[key] = meeting
    if not fresh:
        return Counts()
    book, ignored = address_book(owner), ignored_addresses(owner)
    status = FoundStatus.PENDING if source.ask_first else FoundStatus.LOGGED
    batch = _Batch()
    seen_since = today - timedelta(days=SEEN_DAYS)
    for (uid, recurrence_id), meeting in sorted(fresh.items()):  # one order: no deadlock between two workers
        kept, dropped, unknown = _split(meeting.addresses, book, ignored)
        if meeting.occurred_on >= seen_since:
            seen_key = _key("cal", source.pk, uid, recurrence_id)
            batch.seen.update({(address, seen_key): meeting.occurred_on for address in unknown})
        if not kept and not dropped:
            continue
        batch.rows.append(
            FoundEvent(
                owner=owner,
                source=source,
                uid=uid,
                recurrence_id=recurrence_id,
                occurred_on=meeting.occurred_on,
                title=meeting.title[:TITLE_MAX],
                description=meeting.description if source.store_description else "",
                addresses=sorted(kept),
                contact_ids=sorted({pk for ids in kept.values() for pk in ids}),
                status=status if kept else FoundStatus.IGNORED,
            )
        )
    return _store(owner=owner, model=FoundEvent, batch=batch, today=today, origin=InteractionOrigin.CALENDAR)


def record_mail(*, source: MailboxSource, messages: Iterable[MailSeen], today: date | None = None) -> Counts:
    """Log (or queue) one "email" interaction per contact per day for these messages.

    `messages`: MailSeen(occurred_on, addresses, key='') — the owner's local date,
    the other people's addresses as keys (mailrules.address_key; leave out
    `owner_addresses(owner)`), and an optional thread key. Call it with any number of
    messages, in any order, as often as you like: (owner, contact, day) is unique in
    the database, so a message
    seen again, a second message the same day, or another worker at the same time
    adds nothing. Returns Counts(logged, pending, ignored); `failed` is the caller's.
    A message dated after the owner's today (a wrong clock) is skipped.
    """
    owner = source.owner
    today = today or owner_today(owner)
    messages = [m for m in messages if m.occurred_on <= today]
    if not messages:
        return Counts()
    book, ignored = address_book(owner), ignored_addresses(owner)
    status = FoundStatus.PENDING if source.ask_first else FoundStatus.LOGGED
    seen_since = today - timedelta(days=SEEN_DAYS)
    days: dict[tuple[int, date], set[str]] = defaultdict(set)  # (contact, day) → its addresses
    dropped: dict[tuple[int, date], set[str]] = defaultdict(set)
    batch = _Batch()
    for message in messages:
        kept, _dropped, unknown = _split(message.addresses, book, ignored)
        for address, ids in kept.items():
            for pk in ids:
                days[(pk, message.occurred_on)].add(address)
        for address in message.addresses & ignored:
            for pk in book.get(address, ()):
                dropped[(pk, message.occurred_on)].add(address)
        if message.occurred_on >= seen_since:
            seen_key = _key("mail", message.key or message.occurred_on)
            batch.seen.update({(address, seen_key): message.occurred_on for address in unknown})
    known = _known_mail_days(owner, {key for key in (*days, *dropped)})
    for (pk, day), addresses in sorted({**dropped, **days}.items()):
        if (pk, day) in known:
            continue
        batch.rows.append(
            FoundMail(
                owner=owner,
                mailbox=source,
                contact_id=pk,
                day=day,
                addresses=sorted(addresses),
                status=status if (pk, day) in days else FoundStatus.IGNORED,
            )
        )
    return _store(owner=owner, model=FoundMail, batch=batch, today=today, origin=InteractionOrigin.MAILBOX)


def _known_mail_days(owner: User, keys: set[tuple[int, date]]) -> set[tuple[int, date]]:
    """Which (contact, day) pairs are found already (one query over the days spanned)."""
    if not keys:
        return set()
    days = [day for _pk, day in keys]
    rows = FoundMail.objects.filter(owner=owner, day__gte=min(days), day__lte=max(days))
    return set(rows.values_list("contact_id", "day")) & keys


def _store(*, owner: User, model: type, batch: _Batch, today: date, origin: str) -> Counts:
    """Insert the batch's rows (those whose key is new), then log or queue what this call inserted.

    The interactions are created first, so each row goes in with its interaction's id
    (no UPDATE of thousands of rows afterwards); a row another worker inserted first is
    not this call's, and the interaction made for it is deleted before it has any contact.
    """
    _seen_add(owner, batch.seen)
    if not batch.rows:
        return Counts()
    claim = uuid.uuid4().hex
    with transaction.atomic():
        to_log = [row for row in batch.rows if row.status == FoundStatus.LOGGED]
        made = _new_interactions(owner=owner, rows=to_log, origin=origin)
        for row in batch.rows:
            row.claim = claim
        model.objects.bulk_create(batch.rows, ignore_conflicts=True, batch_size=INSERT_BATCH)
        mine = list(model.objects.filter(owner=owner, claim=claim).values_list("status", "interaction_id"))
        claimed = {pk for _status, pk in mine if pk is not None}
        if lost := [i.pk for i in made if i.pk not in claimed]:
            Interaction.objects.filter(pk__in=lost).delete()
        _link_and_record(owner=owner, rows=[r for r in to_log if r.interaction_id in claimed], today=today)
    by_status = defaultdict(int)
    for status, _pk in mine:
        by_status[status] += 1
    return Counts(
        logged=by_status[FoundStatus.LOGGED],
        pending=by_status[FoundStatus.PENDING],
        ignored=by_status[FoundStatus.IGNORED],
    )


def _contact_ids(row: FoundEvent | FoundMail) -> list[int]:
    return row.contact_ids if isinstance(row, FoundEvent) else [row.contact_id]


def _interaction(row: FoundEvent | FoundMail, owner: User, origin: str) -> Interaction:
    if isinstance(row, FoundEvent):
        summary = row.title if not row.description else f"{row.title}\n\n{row.description}".strip()
        return Interaction(
            owner=owner,
            occurred_on=row.occurred_on,
            kind=InteractionKind.MEETING,
            summary=summary,
            origin=origin,
        )
    return Interaction(owner=owner, occurred_on=row.day, kind=InteractionKind.EMAIL, origin=origin)


def _new_interactions(*, owner: User, rows: list, origin: str) -> list[Interaction]:
    """One interaction per row (not yet with its contacts); sets each row's interaction_id."""
    interactions = Interaction.objects.bulk_create(
        [_interaction(row, owner, origin) for row in rows], batch_size=INSERT_BATCH
    )
    for row, interaction in zip(rows, interactions, strict=True):
        row.interaction_id = interaction.pk
    return interactions


def _link_and_record(*, owner: User, rows: list, today: date) -> None:
    """Give the rows' interactions their contacts and tell the reminder engine once.

    The same effect as `contacts.services.interaction_create` per row (which costs
    about 8 ms each: a year of meetings would take half a minute), in a few queries.
    """
    through = Interaction.contacts.through
    links = [
        through(interaction_id=row.interaction_id, contact_id=pk) for row in rows for pk in _contact_ids(row)
    ]
    if not links:
        return
    through.objects.bulk_create(links, batch_size=INSERT_BATCH)
    reminder_services.interactions_recorded(
        owner_id=owner.pk, contact_ids={link.contact_id for link in links}, today=today
    )


def _seen_add(owner: User, seen: dict[tuple[str, str], date]) -> None:
    if seen:
        SeenAddress.objects.bulk_create(
            [
                SeenAddress(owner=owner, email=email[:254], key=key, day=day)
                for (email, key), day in seen.items()
            ],
            ignore_conflicts=True,
            batch_size=INSERT_BATCH,
        )


# --- the review list: accept, ignore, always ignore ------------------------------


def found_accept(*, owner: User, item: FoundEvent | FoundMail, today: date) -> bool:
    """Log a pending item now; False when it was no longer pending (a double click).

    Its contacts are read again from its addresses (a contact deleted or archived
    since, or an address ignored since, is left out); with none left it is ignored instead.
    """
    model = type(item)
    with transaction.atomic():
        if not model.objects.filter(pk=item.pk, owner=owner, status=FoundStatus.PENDING).update(
            status=FoundStatus.LOGGED
        ):
            return False
        item.refresh_from_db()
        ignored = ignored_addresses(owner)
        addresses = [a for a in item.addresses if a not in ignored]
        book = address_book(owner, addresses)
        live = sorted({pk for address in addresses for pk in book.get(address, ())})
        if isinstance(item, FoundMail):
            live = [pk for pk in live if pk == item.contact_id]
        if not live:
            model.objects.filter(pk=item.pk).update(status=FoundStatus.IGNORED)
            return True
        if isinstance(item, FoundEvent):
            item.contact_ids = live
        origin = InteractionOrigin.CALENDAR if isinstance(item, FoundEvent) else InteractionOrigin.MAILBOX
        _new_interactions(owner=owner, rows=[item], origin=origin)
        model.objects.filter(pk=item.pk).update(interaction_id=item.interaction_id)
        _link_and_record(owner=owner, rows=[item], today=today)
    return True


def found_ignore(*, owner: User, item: FoundEvent | FoundMail) -> bool:
    """Drop a pending item (it stays found, so it never comes back); False if not pending."""
    model = type(item)
    return bool(
        model.objects.filter(pk=item.pk, owner=owner, status=FoundStatus.PENDING).update(
            status=FoundStatus.IGNORED
        )
    )


def address_ignore(*, owner: User, email: str) -> int:
    """Always ignore `email`: nothing with it is logged, queued or suggested from now on.

    The pending items left with no other address are ignored too; returns how many.
    """
    email = address_key(email)
    IgnoredAddress.objects.bulk_create([IgnoredAddress(owner=owner, email=email)], ignore_conflicts=True)
    ignored = ignored_addresses(owner)
    done = 0
    for model in (FoundEvent, FoundMail):
        pending = model.objects.filter(owner=owner, status=FoundStatus.PENDING).only("id", "addresses")
        ids = [row.pk for row in pending if set(row.addresses) <= ignored]
        if ids:
            done += model.objects.filter(pk__in=ids, status=FoundStatus.PENDING).update(
                status=FoundStatus.IGNORED
            )
    SeenAddress.objects.filter(owner=owner, email=email).delete()
    return done
