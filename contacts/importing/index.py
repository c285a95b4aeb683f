"""The owner's matching indexes: what an import reads before it decides anything.

Matching (DESIGN.md): email (case-insensitive), then LinkedIn URL (normalised), then
exact full name + company. The owner's existing keys are read once, one query each,
into dicts of contact ids; the import adds each new contact's keys as it decides to
create it, so a later row of the same file matches it too.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import User

from contacts.models import (
    CONNECTED_SUMMARY,
    Contact,
    ContactEmail,
    ContactPhone,
    Interaction,
    InteractionKind,
    Tag,
)

from .matching import email_key, linkedin_key, name_key, phone_key

_NOT_YET = object()


@dataclass(slots=True)
class RowKeys:
    """A cleaned row's matching keys, in the order they are tried.

    The name key is computed when first asked for: a row matched by email or LinkedIn
    URL (every row of a re-import) never needs it.
    """

    emails: tuple[str, ...]
    linkedin: str
    first_name: str
    last_name: str
    company: str
    _name: object = field(default=_NOT_YET, repr=False, compare=False)

    def name(self) -> tuple[str, str] | None:
        """(full name, company) in lowercase, None for a row without a name."""
        if self._name is _NOT_YET:
            self._name = name_key(self.first_name, self.last_name, self.company)
        return self._name  # type: ignore[return-value]


@dataclass(slots=True)
class OwnerIndex:
    """Matching keys → contact id, the contacts with a LinkedIn connection date, the tags."""

    by_email: dict[str, int] = field(default_factory=dict)
    by_linkedin: dict[str, int] = field(default_factory=dict)
    by_name: dict[tuple[str, str], int] = field(default_factory=dict)
    # Contacts that have a "Connected on LinkedIn" interaction: a re-import adds none.
    connected: set[int] = field(default_factory=set)
    # Tag name (lowercase) → (id, own check-in cadence).
    tags: dict[str, tuple[int, int | None]] = field(default_factory=dict)

    def match(self, keys: RowKeys) -> int | None:
        """The id of the contact these keys name: by email, then LinkedIn URL, then name + company."""
        for key in keys.emails:
            if (found := self.by_email.get(key)) is not None:
                return found
        if keys.linkedin and (found := self.by_linkedin.get(keys.linkedin)) is not None:
            return found
        name = keys.name()
        return self.by_name.get(name) if name else None

    def add(self, keys: RowKeys, pk: int) -> None:
        """Index a new contact under its LinkedIn and name keys (emails: see add_email)."""
        if keys.linkedin:
            self.by_linkedin.setdefault(keys.linkedin, pk)
        if name := keys.name():
            self.by_name.setdefault(name, pk)

    def add_email(self, key: str, pk: int) -> bool:
        """Give the address to contact `pk` unless a contact has it already; True if it was free."""
        if key in self.by_email:
            return False
        self.by_email[key] = pk
        return True

    def tag_cadence(self, name: str) -> int | None:
        found = self.tags.get(name.lower())
        return found[1] if found else None


def owner_index_load(owner: User) -> OwnerIndex:
    """The owner's keys, connections and tags: five queries, whatever the account's size."""
    index = OwnerIndex()
    for value, cid in ContactEmail.objects.filter(owner=owner).values_list("value", "contact_id"):
        index.by_email[email_key(value)] = cid
    for cid, first, last, company, url in Contact.objects.filter(owner=owner).values_list(
        "id", "first_name", "last_name", "company", "linkedin_url"
    ):
        if url and (key := linkedin_key(url)):
            index.by_linkedin.setdefault(key, cid)
        if key := name_key(first, last, company):
            index.by_name.setdefault(key, cid)
    index.connected.update(
        Interaction.contacts.through.objects.filter(
            interaction__owner=owner,
            interaction__kind=InteractionKind.OTHER,
            interaction__summary=CONNECTED_SUMMARY,
        ).values_list("contact_id", flat=True)
    )
    for name, pk, cadence in Tag.objects.filter(owner=owner).values_list(
        "name", "id", "checkin_cadence_months"
    ):
        index.tags[name.lower()] = (pk, cadence)
    return index


@dataclass(slots=True)
class Existing:
    """The owner's contacts one chunk of rows matched, with their phone keys and tag names."""

    contacts: dict[int, Contact]
    phones: dict[int, set[str]]
    tags: dict[int, set[str]]


def existing_load(ids: set[int], *, with_tags: bool) -> Existing:
    """Load these contacts for merging: three queries (two without tags), none without ids."""
    if not ids:
        return Existing({}, {}, {})
    contacts = Contact.objects.in_bulk(ids)
    phones: dict[int, set[str]] = {}
    for cid, value in ContactPhone.objects.filter(contact_id__in=ids).values_list("contact_id", "value"):
        phones.setdefault(cid, set()).add(phone_key(value))
    tags: dict[int, set[str]] = {}
    if with_tags:
        for cid, name in Contact.tags.through.objects.filter(contact_id__in=ids).values_list(
            "contact_id", "tag__name"
        ):
            tags.setdefault(cid, set()).add(name.lower())
    return Existing(contacts, phones, tags)
