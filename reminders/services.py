"""Reminder-side effects of contact and interaction changes, and the generation job.

Interface used by contacts/ (views, services, imports). The reminder-engine work
fills these in; the signatures are the contract.
"""

from collections.abc import Iterable
from datetime import date

from django.db.models import Max

from contacts.models import Contact


def contacts_schedule_refresh(*, contact_ids: Iterable[int]) -> None:
    """Recompute `last_interaction_on` (and `next_check_in`) for these contacts.

    Call after creating, editing or deleting interactions, after a contact's tie
    strength, cadence or tags change, and after bulk imports. Set-based.
    """
    ids = list(contact_ids)
    latest = dict(
        Contact.objects.filter(pk__in=ids)
        .annotate(last=Max("interactions__occurred_on"))
        .values_list("pk", "last")
    )
    for pk, last in latest.items():
        Contact.objects.filter(pk=pk).update(last_interaction_on=last)


def interaction_recorded(*, interaction_id: int, today: date) -> None:
    """An interaction was logged: close its contacts' open check-ins, move the next ones."""
    contact_ids = list(Contact.objects.filter(interactions=interaction_id).values_list("pk", flat=True))
    contacts_schedule_refresh(contact_ids=contact_ids)


def contact_role_changed(*, contact: Contact, old_company: str, old_title: str, today: date) -> None:
    """The contact's company or title changed: keep the old role, raise a job_change reminder."""
