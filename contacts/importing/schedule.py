"""The schedule a contact gets when an import creates it, from the reminder engine's rules.

A new contact's schedule columns (`reminders.services.SCHEDULE_COLUMNS`: last
interaction, next check-in, warmth, reconnect rank) are written with its INSERT rather
than by `contacts_schedule_refresh` afterwards (which would rewrite every new row a
second time). They come from the engine's own parts of `contact_schedule` with the same facts
and the engine's view of the owner (`OwnerClock`: time zone, cadence defaults, past
companies), so the two cannot drift; a test pins that a refresh after an import
changes nothing. The facts of a new contact are few: its creation time, its tags'
cadences, and its only interaction, the LinkedIn "Connected on" date if any.

Then, so that an import does not make a wave (DESIGN rule 1), the first check-ins of
the contacts it created are staggered over their first cadence period, best
reconnect candidates first (`reminders.rules.staggered_first_check_ins`): one UPDATE
of `first_check_in_on` and `next_check_in` for the new contacts, after the last chunk.
A JSON backup keeps its own dates and is not staggered. Last, each new contact's first
check-in is pending for the reminder job (`pending_write`).
"""

from array import array
from datetime import date, datetime

from django.db import connection

from contacts.gaps import added_day, silences
from contacts.models import Contact
from crm.models import company_key
from reminders import ranking, rules
from reminders.pending import pending_follow
from reminders.services import (
    ContactFacts,
    OwnerClock,
    Schedule,
    contact_cadence,
    contact_check_in,
    contact_reconnect,
    contact_warmth,
    facts_window,
)

from .index import OwnerIndex
from .staging import ContactStage

STAGGER_BATCH = 5000


class FirstSchedule:
    """The schedule of new contacts, each part memoised by the facts it depends on.

    100,000 LinkedIn rows hold a few thousand distinct connection dates, a handful of
    cadences and seniority levels: the engine's rules (`contact_cadence`,
    `contact_check_in`, `contact_warmth`, `contact_reconnect`) run once per distinct
    combination of what each reads, not once per row.
    """

    def __init__(self, *, clock: OwnerClock, index: OwnerIndex) -> None:
        self.clock = clock
        self.index = index
        self.since_12, self.since_24 = facts_window(clock.today)
        self._cadence: dict[tuple, tuple[int, tuple[int, ...]]] = {}
        self._due: dict[tuple, date | None] = {}
        self._warmth: dict[tuple, tuple[int, str]] = {}
        self._reconnect: dict[tuple, tuple[int, str]] = {}
        self._level: dict[str, int] = {}
        self._created_at: datetime | None = None  # the last creation time seen, and its local date
        self._created_on: date | None = None
        # Each new contact with check-ins, for `stagger`: compact columns, not 100,000 tuples.
        self._scores = array("h")
        self._ids = array("q")
        self._cadences = array("h")
        self._connected = array("l")  # date ordinals, 0 for none
        # New contacts whose "Connected on" lies long after their creation (a date in the
        # future): their first talk is a stored silence (contacts.gaps), written by the
        # refresh of the contacts the import touched.
        self.silent_firsts: list[int] = []

    def _facts(self, tag_cadences: tuple[int, ...], connected_on: date | None) -> ContactFacts:
        return ContactFacts(
            last_interaction_on=connected_on,
            first_interaction_on=connected_on,
            interactions_12m=int(connected_on is not None and connected_on >= self.since_12),
            interactions_24m=int(connected_on is not None and connected_on >= self.since_24),
            tag_cadences=tag_cadences,
        )

    def schedule(
        self, values: dict, tags: list[str], created_at: datetime, connected_on: date | None, /
    ) -> Schedule:
        """The schedule columns of a new contact with these values (remembered for `stagger`)."""
        clock = self.clock
        if created_at is self._created_at:
            created_on = self._created_on
        else:
            created_on = clock.local_date(created_at)
            self._created_at, self._created_on = created_at, created_on
        row = values  # read by the rules on a memo miss only; a new contact has no staggered date yet
        key = (values["checkin_cadence_months"], values["tie_strength"], *tags)
        try:
            cadence, tag_cadences = self._cadence[key]
        except KeyError:
            tag_cadences = tuple(
                value for value in (self.index.tag_cadence(name) for name in tags) if value is not None
            )
            cadence = contact_cadence(row, clock, self._facts(tag_cadences, None))
            self._cadence[key] = cadence, tag_cadences
        key = (cadence, created_on, connected_on, values["archived"])
        try:
            due = self._due[key]
        except KeyError:
            due = self._due[key] = contact_check_in(
                row, clock, self._facts(tag_cadences, connected_on), created_on, cadence
            )
        key = (cadence, created_on, connected_on)
        try:
            heat, heat_why = self._warmth[key]
        except KeyError:
            found = contact_warmth(
                self._facts(tag_cadences, connected_on),
                cadence=cadence,
                created_on=created_on,
                today=clock.today,
            )
            heat, heat_why = self._warmth[key] = found.score, found.why[:255]
        title = values["title"]
        level = self._level.get(title)
        if level is None:
            level = self._level[title] = ranking.seniority(title)
        company = values["company"]
        shared = company if clock.companies and company and company_key(company) in clock.companies else ""
        key = (values["tie_strength"], level, shared)
        try:
            rank, rank_why = self._reconnect[key]
        except KeyError:
            found = contact_reconnect(row, clock, self._facts(tag_cadences, connected_on))
            rank, rank_why = self._reconnect[key] = found.score, found.why[:255]
        if due is not None:
            self._scores.append(rank)
            self._ids.append(values["id"])
            self._cadences.append(cadence)
            self._connected.append(connected_on.toordinal() if connected_on else 0)
        if (
            connected_on is not None
            and connected_on > created_on
            and silences([connected_on], added_on=added_day(created_at))
        ):
            self.silent_firsts.append(values["id"])
        # No talk yet (a connection is none); scores as of the import's day.
        return Schedule(
            connected_on, due, heat, heat_why, rank, rank_why, None, self.clock.today, connected_on
        )

    def stagger(self, *, created_on: date, stage: ContactStage | None = None) -> int:
        """Spread the new contacts' first check-ins (see the module docstring); returns how many."""
        n = len(self._ids)
        if not n:
            return 0
        scores, ids, cadences, connected = self._scores, self._ids, self._cadences, self._connected
        # Best score first, then lowest id: a stable sort on the score alone keeps id order among
        # equal scores when the ids were taken in order (they are: `IdPool`); its keys are
        # small ints, not 100,000 (score, id) tuples (11 MB at the import's peak).
        order = range(n) if all(map(int.__lt__, ids, ids[1:])) else sorted(range(n), key=ids.__getitem__)
        order = sorted(order, key=scores.__getitem__, reverse=True)
        firsts = rules.staggered_first_check_ins(created_on=created_on, cadences=[cadences[i] for i in order])
        adapt = connection.ops.adapt_datefield_value

        def rows(start: int, stop: int) -> list[tuple]:
            found = []
            for i, first in zip(order[start:stop], firsts[start:stop], strict=True):
                on = connected[i]
                due = rules.check_in_due(
                    created_on=created_on,
                    last_interaction_on=date.fromordinal(on) if on else None,
                    last_closed_on=None,
                    cadence=cadences[i],
                    staggered_on=first,
                )
                found.append((adapt(first), adapt(due), ids[i]))
            return found

        table = connection.ops.quote_name(Contact._meta.db_table)
        with connection.cursor() as cursor:
            for start in range(0, n, STAGGER_BATCH):  # a batch at a time: memory stays flat
                batch = rows(start, start + STAGGER_BATCH)
                if stage is not None:  # PostgreSQL: contacts not written yet take their dates with them
                    batch = stage.stagger(batch)
                    if not batch:
                        continue
                if connection.vendor == "postgresql":
                    # One statement per batch (arrays joined by id), not a statement per row.
                    firsts_col, dues_col, ids_col = (list(column) for column in zip(*batch, strict=True))
                    cursor.execute(
                        f"UPDATE {table} AS c SET first_check_in_on = v.first, next_check_in = v.due "
                        "FROM unnest(%s::date[], %s::date[], %s::bigint[]) AS v(first, due, id) WHERE c.id = v.id",
                        [firsts_col, dues_col, ids_col],
                    )
                else:
                    cursor.executemany(
                        f"UPDATE {table} SET first_check_in_on = %s, next_check_in = %s WHERE id = %s",
                        batch,
                    )
        for column in (scores, cadences, connected):
            del column[:]
        return n

    def pending_write(self) -> None:
        """The new contacts' first check-ins are pending for the reminder job, at the dates
        written with them or by `stagger` (`reminders.pending`): call once they are all in
        the contacts table."""
        pending_follow(self._ids)
        del self._ids[:]
