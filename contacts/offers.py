"""Read side of "give before you ask": the offers a contact page shows, and the owner's lookup.

The writes (create with an interaction, mark given, reopen, delete) are in
contacts.services; the insights page reads open offers (given_on NULL) on its own.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db.models import Q
from django.shortcuts import get_object_or_404

from .models import Contact, Offer

# A given offer stays on the contact page this long, struck through with "Reopen":
# the undo that works without JavaScript (with it, a toast offers Undo too).
GIVEN_SHOWN_FOR = timedelta(days=14)


@dataclass(frozen=True)
class ContactOffers:
    open: list[Offer]
    recently_given: list[Offer]


def offer_get_for_user(*, owner: User, pk: int) -> Offer:
    """The owner's offer or Http404 (another user's offer does not exist for them)."""
    return get_object_or_404(Offer.objects.select_related("contact"), owner=owner, pk=pk)


def contact_offers(*, contact: Contact, today: date) -> ContactOffers:
    """The contact's open offers (oldest first) and those given in the last GIVEN_SHOWN_FOR:
    one query, on the (owner, contact) index."""
    rows = list(
        Offer.objects.filter(owner_id=contact.owner_id, contact=contact).filter(
            Q(given_on=None) | Q(given_on__gte=today - GIVEN_SHOWN_FOR)
        )
    )
    return ContactOffers(
        open=[o for o in rows if o.given_on is None],
        recently_given=[o for o in rows if o.given_on is not None],
    )
