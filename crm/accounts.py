"""Closing an account: everything the user stored goes, in one transaction.

The database rows go by cascade from the user (contacts, their emails, phones, roles
and tags, interactions, reminders, import jobs, digest logs, the profile). The files
of the user's imports and uploaded calendars are removed from storage once the deletion has committed: a
deletion that fails keeps both.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from contacts.models import Contact, ImportJob, Interaction
from reminders.models import Reminder
from sources.models import CalendarSource


@dataclass(frozen=True)
class AccountSize:
    contacts: int
    interactions: int
    reminders: int
    imports: int


def account_size(user: User) -> AccountSize:
    """What deleting the account would remove, counted (for the confirm page)."""
    return AccountSize(
        contacts=Contact.objects.filter(owner=user).count(),
        interactions=Interaction.objects.filter(owner=user).count(),
        reminders=Reminder.objects.filter(owner=user).count(),
        imports=ImportJob.objects.filter(owner=user).count(),
    )


def account_delete(user: User) -> None:
    """Delete the user and all their data; their uploaded import files after the commit."""
    with transaction.atomic():
        files = [job.file for job in ImportJob.objects.filter(owner=user).exclude(file="").only("file")]
        files += [c.file for c in CalendarSource.objects.filter(owner=user).exclude(file="").only("file")]
        user.delete()
        transaction.on_commit(lambda: _files_delete(files))


def _files_delete(files: list) -> None:
    for file in files:
        file.storage.delete(file.name)  # a file already gone is fine (storage.delete ignores it)
