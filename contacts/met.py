"""Met at an event (`/contacts/met/`): several people in one go, each a contact with an
"event" interaction and a follow-up two days later (the 48-hour rule).

Matching reuses the import's index and keys (contacts.importing.index): email, then
LinkedIn URL, then exact full name + company, so a person typed here is the same
contact an import would have matched. One interaction per person, not one shared by
everyone: each person's line of notes is theirs, and a per-person interaction keeps
their timeline and "last talked" about them alone.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import transaction

from .importing.index import RowKeys, owner_index_load
from .importing.matching import email_key
from .models import Contact, ContactEmail, ContactLabel, Interaction, InteractionKind
from .services import Handle, contact_create, contact_update, interaction_create

# "Follow up within 48 hours of meeting someone": the follow-up is due two days after the event.
FOLLOW_UP_AFTER_EVENT = timedelta(days=2)
# Rows one form may carry (the formset refuses more).
MAX_PEOPLE = 30


@dataclass(frozen=True)
class MetPerson:
    """One valid row of the form. `linkedin_url` is already normalised (the import's key)."""

    row: int
    first_name: str
    last_name: str = ""
    company: str = ""
    email: str = ""
    linkedin_url: str = ""
    notes: str = ""

    @property
    def typed_name(self) -> str:
        return " ".join(f"{self.first_name} {self.last_name}".split())

    def keys(self) -> RowKeys:
        return RowKeys(
            emails=(email_key(self.email),) if self.email else (),
            linkedin=self.linkedin_url,
            first_name=self.first_name,
            last_name=self.last_name,
            company=self.company,
        )


@dataclass
class MetOutcome:
    """What became of the people who are one contact (usually one row each)."""

    contact: Contact
    created: bool
    rows: list[MetPerson] = field(default_factory=list)
    interaction: Interaction | None = None


@dataclass
class MetResult:
    event: str
    occurred_on: date
    follow_up_on: date
    outcomes: list[MetOutcome]

    @property
    def created(self) -> list[MetOutcome]:
        return [o for o in self.outcomes if o.created]

    @property
    def matched(self) -> list[MetOutcome]:
        return [o for o in self.outcomes if not o.created]

    def as_session(self) -> dict:
        """What the summary page needs, JSON-safe: ids and the names as typed."""
        return {
            "event": self.event,
            "occurred_on": self.occurred_on.isoformat(),
            "follow_up_on": self.follow_up_on.isoformat(),
            "people": [
                {"id": o.contact.pk, "created": o.created, "typed": [p.typed_name for p in o.rows]}
                for o in self.outcomes
            ],
        }


def met_summary(event: str, notes: Sequence[str]) -> str:
    """The interaction's notes: "Met at <event>", then the person's own lines."""
    return "\n".join([f"Met at {event}", *(n for n in notes if n)])


def _fill_matched(contact: Contact, person: MetPerson, *, today: date) -> None:
    """Fill the matched contact's empty company and LinkedIn URL from the row (never
    overwrite what is there: a different company is for the user to judge)."""
    fields = {}
    if person.company and not contact.company:
        fields["company"] = person.company
    if person.linkedin_url and not contact.linkedin_url:
        fields["linkedin_url"] = person.linkedin_url
    if fields:
        contact_update(contact=contact, fields=fields, today=today)


@transaction.atomic
def contacts_met_at_event(
    *, owner: User, event: str, occurred_on: date, people: Sequence[MetPerson], today: date
) -> MetResult:
    """Create or match each person, and log one EVENT interaction per contact on
    `occurred_on` with `follow_up_on` two days later (the reminder engine raises it).

    Rows that name the same contact (by the import's rules, including a contact an
    earlier row just created) share one interaction with both rows' notes. A matched
    contact gets a new email address from the row when nobody has it yet, and its empty
    company or LinkedIn URL filled; nothing of theirs is overwritten. All or nothing.

    Cost: the owner's matching index is read as an import reads it (`owner_index_load`:
    five queries whatever the account's size, though their rows grow with it), then a
    bounded number of queries per person (about 33 on SQLite: `contact_create` and
    `interaction_create` each refresh the contact's schedule).
    """
    if not people:
        raise ValueError("met at an event needs at least one person")
    event = " ".join(event.split())
    follow_up_on = occurred_on + FOLLOW_UP_AFTER_EVENT
    index = owner_index_load(owner)
    outcomes: dict[int, MetOutcome] = {}
    new_emails: list[tuple[int, str]] = []
    for person in people:
        keys = person.keys()
        pk = index.match(keys)
        if pk is None:
            contact = contact_create(
                owner=owner,
                fields={
                    "first_name": person.first_name,
                    "last_name": person.last_name,
                    "company": person.company,
                    "linkedin_url": person.linkedin_url,
                    "how_we_met": f"Met at {event}"[:300],
                },
                emails=[Handle(value=person.email, label=ContactLabel.WORK)] if person.email else (),
            )
            pk = contact.pk
            index.add(keys, pk)
            for key in keys.emails:
                index.add_email(key, pk)
            outcomes[pk] = MetOutcome(contact=contact, created=True)
        elif pk not in outcomes:
            outcomes[pk] = MetOutcome(contact=None, created=False)  # type: ignore[arg-type]  # read below
        if person.email and index.add_email(keys.emails[0], pk):
            new_emails.append((pk, person.email))  # an address nobody has yet: theirs now
        outcomes[pk].rows.append(person)

    matched_ids = [pk for pk, o in outcomes.items() if o.contact is None]
    if matched_ids:
        found = Contact.objects.filter(owner=owner).in_bulk(matched_ids)
        for pk in matched_ids:
            outcomes[pk].contact = found[pk]
            for person in outcomes[pk].rows:
                _fill_matched(found[pk], person, today=today)
    if new_emails:
        ContactEmail.objects.bulk_create(
            [
                ContactEmail(contact_id=pk, owner=owner, value=value, label=ContactLabel.WORK)
                for pk, value in new_emails
            ]
        )

    for pk, outcome in outcomes.items():
        outcome.interaction = interaction_create(
            owner=owner,
            contact_ids=[pk],
            occurred_on=occurred_on,
            today=today,
            kind=InteractionKind.EVENT,
            summary=met_summary(event, [p.notes for p in outcome.rows]),
            follow_up_on=follow_up_on,
        )
    return MetResult(
        event=event, occurred_on=occurred_on, follow_up_on=follow_up_on, outcomes=list(outcomes.values())
    )
