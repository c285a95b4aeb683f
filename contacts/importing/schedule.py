"""The schedule a contact gets when an import creates it, from the reminder engine's rules.

A new contact's `last_interaction_on` and `next_check_in` are written with its INSERT
rather than by `reminders.services.contacts_schedule_refresh` afterwards (which would
rewrite every new row a second time). They come from the same pure rules the engine
calls (`reminders.rules.cadence_months`, `default_cadence`, `check_in_due`) with the
same facts, and from the engine's own view of the owner (time zone, cadence
defaults: `OwnerClock`), so the two cannot drift; a test pins that a refresh after
an import changes nothing. The facts of a new contact are few: its creation time,
its tags' cadences, and its only interaction, the LinkedIn "Connected on" date if
any. So its first check-in is due one cadence after the later of its creation date
and that connection date (DESIGN rule 1); an archived contact gets none.
"""

from datetime import date, datetime

from reminders import rules
from reminders.services import OwnerClock

from .index import OwnerIndex


class FirstSchedule:
    """`next_check_in` of new contacts, memoised by the facts it depends on.

    100,000 LinkedIn rows hold a few thousand distinct (creation, connection, cadence)
    combinations: the rules run once per combination.
    """

    def __init__(self, *, clock: OwnerClock, index: OwnerIndex) -> None:
        self.clock = clock
        self.index = index
        self._due: dict[tuple, date | None] = {}

    def next_check_in(
        self,
        own_cadence: int | None,
        tie_strength: str,
        tags: list[str],
        created_at: datetime,
        connected_on: date | None,
        archived: bool,
        /,
    ) -> date | None:
        """The first check-in of a new contact with these facts (None: archived, or cadence 0)."""
        if archived:
            return None
        key = (own_cadence, tie_strength, created_at, connected_on, *tags)
        try:
            return self._due[key]
        except KeyError:
            pass
        cadence = rules.cadence_months(
            contact_cadence=own_cadence,
            tag_cadences=[self.index.tag_cadence(name) for name in tags],
            default=self.clock.default_cadence(tie_strength),
        )
        due = self._due[key] = rules.check_in_due(
            created_on=self.clock.local_date(created_at),
            last_interaction_on=connected_on,
            last_closed_on=None,
            cadence=cadence,
        )
        return due
