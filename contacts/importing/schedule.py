"""The schedule a contact gets when an import creates it, from the reminder engine's rules.

A new contact's schedule columns (`reminders.services.SCHEDULE_COLUMNS`: last
interaction, next check-in, warmth, reconnect rank) are written with its INSERT rather
than by `contacts_schedule_refresh` afterwards (which would rewrite every new row a
second time). They come from the engine's own `contact_schedule` with the same facts
and the engine's view of the owner (`OwnerClock`: time zone, cadence defaults, past
companies), so the two cannot drift; a test pins that a refresh after an import
changes nothing. The facts of a new contact are few: its creation time, its tags'
cadences, and its only interaction, the LinkedIn "Connected on" date if any.

Then, so that an import does not make a wave (DESIGN rule 1), the first check-ins of
the contacts it created are staggered over their first cadence period, best
reconnect candidates first (`reminders.rules.staggered_first_check_ins`): one UPDATE
of `first_check_in_on` and `next_check_in` for the new contacts, after the last chunk.
A JSON backup keeps its own dates and is not staggered.
"""

from datetime import date, datetime

from django.db import connection

from contacts.models import Contact
from crm.models import company_key
from reminders import ranking, rules
from reminders.services import ContactFacts, OwnerClock, Schedule, contact_schedule, facts_window

from .index import OwnerIndex


class FirstSchedule:
    """The schedule of new contacts, memoised by the facts it depends on.

    100,000 LinkedIn rows hold a few thousand distinct (creation, connection, cadence,
    seniority) combinations: the rules run once per combination.
    """

    def __init__(self, *, clock: OwnerClock, index: OwnerIndex) -> None:
        self.clock = clock
        self.index = index
        self.since_12, self.since_24 = facts_window(clock.today)
        self._memo: dict[tuple, tuple[Schedule, int]] = {}
        # (reconnect score, contact id, cadence, connected on) of each new contact with check-ins.
        self.new_contacts: list[tuple[int, int, int, date | None]] = []

    def schedule(
        self, values: dict, tags: list[str], created_at: datetime, connected_on: date | None, /
    ) -> Schedule:
        """The schedule columns of a new contact with these values (remembered for `stagger`)."""
        clock = self.clock
        title = values["title"]
        company = company_key(values["company"]) if clock.companies and values["company"] else ""
        key = (
            values["checkin_cadence_months"],
            values["tie_strength"],
            values["archived"],
            created_at,
            connected_on,
            ranking.seniority(title),
            company,
            *tags,
        )
        try:
            schedule, cadence = self._memo[key]
        except KeyError:
            tag_cadences = tuple(
                value for value in (self.index.tag_cadence(name) for name in tags) if value is not None
            )
            cadence = rules.cadence_months(
                contact_cadence=values["checkin_cadence_months"],
                tag_cadences=tag_cadences,
                default=clock.default_cadence(values["tie_strength"]),
            )
            facts = ContactFacts(
                last_interaction_on=connected_on,
                first_interaction_on=connected_on,
                interactions_12m=int(connected_on is not None and connected_on >= self.since_12),
                interactions_24m=int(connected_on is not None and connected_on >= self.since_24),
                tag_cadences=tag_cadences,
            )
            row = {**values, "first_check_in_on": None}
            schedule = contact_schedule(row, clock, facts, clock.local_date(created_at))
            self._memo[key] = (schedule, cadence)
        if schedule.next_check_in is not None:
            self.new_contacts.append((schedule.reconnect_score, values["id"], cadence, connected_on))
        return schedule

    def stagger(self, *, created_on: date) -> int:
        """Spread the new contacts' first check-ins (see the module docstring); returns how many."""
        if not self.new_contacts:
            return 0
        ranked = sorted(self.new_contacts, key=lambda item: (-item[0], item[1]))
        firsts = rules.staggered_first_check_ins(
            created_on=created_on, cadences=[cadence for _score, _pk, cadence, _on in ranked]
        )
        adapt = connection.ops.adapt_datefield_value
        rows = []
        for (_score, pk, cadence, connected_on), first in zip(ranked, firsts, strict=True):
            due = rules.check_in_due(
                created_on=created_on,
                last_interaction_on=connected_on,
                last_closed_on=None,
                cadence=cadence,
                staggered_on=first,
            )
            rows.append((adapt(first), adapt(due), pk))
        table = connection.ops.quote_name(Contact._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET first_check_in_on = %s, next_check_in = %s WHERE id = %s", rows
            )
        self.new_contacts.clear()
        return len(rows)
