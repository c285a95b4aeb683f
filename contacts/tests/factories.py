"""Plain-function factories with valid defaults: make_x(owner=..., **overrides)."""

import itertools
from datetime import date, datetime

from django.contrib.auth.models import User
from django.utils import timezone

from contacts.models import Contact, ContactEmail, ContactPhone, Interaction, Tag
from reminders.models import Reminder

_seq = itertools.count(1)


def make_user(
    username: str | None = None, *, password: str = "pw-keepwarm-123", tz: str = "UTC", **profile
) -> User:
    username = username or f"user{next(_seq)}"
    user = User.objects.create_user(username=username, email=f"{username}@example.com", password=password)
    profile_obj = user.profile
    profile_obj.timezone = tz
    for key, value in profile.items():
        setattr(profile_obj, key, value)
    profile_obj.save()
    return user


def make_tag(*, owner: User, name: str | None = None, **overrides) -> Tag:
    return Tag.objects.create(owner=owner, name=name or f"tag{next(_seq)}", **overrides)


def make_contact(
    *,
    owner: User,
    emails: list[str] | tuple = (),
    phones: list[str] | tuple = (),
    tags: list[Tag] | tuple = (),
    created_at: datetime | None = None,
    **overrides,
) -> Contact:
    n = next(_seq)
    fields = {"first_name": f"Person{n}", "last_name": f"Example{n}", "company": "Acme", "title": "Engineer"}
    fields.update(overrides)
    contact = Contact(owner=owner, **fields)
    if created_at is not None:
        contact.created_at = created_at
    contact.save()
    for value in emails:
        ContactEmail.objects.create(contact=contact, value=value)
    for value in phones:
        ContactPhone.objects.create(contact=contact, value=value)
    if tags:
        contact.tags.add(*tags)
    return contact


def make_interaction(
    *,
    contact: Contact | None = None,
    contacts: list[Contact] | tuple = (),
    owner: User | None = None,
    **overrides,
) -> Interaction:
    """An interaction row only: services that react to interactions are not called."""
    people = list(contacts) or [contact]
    fields = {"occurred_on": timezone.localdate(), "kind": "coffee", "summary": "Caught up"}
    fields.update(overrides)
    interaction = Interaction.objects.create(owner=owner or people[0].owner, **fields)
    interaction.contacts.add(*people)
    return interaction


def make_reminder(
    *, contact: Contact, kind: str = "check_in", due_on: date | None = None, **overrides
) -> Reminder:
    return Reminder.objects.create(
        owner=contact.owner, contact=contact, kind=kind, due_on=due_on or timezone.localdate(), **overrides
    )
