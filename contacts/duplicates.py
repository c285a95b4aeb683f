"""Likely duplicate contacts, and merging a pair into one.

Finding is set-based: two queries (contacts, emails), then dictionaries: same email,
same LinkedIn URL, and names compared only within small buckets (same last name, or
same first name and last-name initial) with difflib, so the cost stays near-linear
instead of comparing every pair.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.text import capfirst

from contacts.importing.matching import email_key, linkedin_key, phone_key
from contacts.models import CONTACT_FIELDS, Contact, ContactEmail, ContactPhone, Interaction, RoleHistory
from contacts.search import fold
from reminders.models import Reminder
from reminders.services import contacts_schedule_refresh

BUCKET_LIMIT = 300  # a bucket larger than this (a very common surname) is not compared pairwise
NAME_RATIO = 0.85
COMPANY_RATIO = 0.6

BIRTHDAY_FIELDS = ("birthday_month", "birthday_day", "birthday_year")
# Labels that differ from the model's verbose names.
_MERGE_LABELS = {
    "linkedin_url": "LinkedIn URL",
    "checkin_cadence_months": "Check-in cadence",
    "started_on": "Role started",
}


def _merge_fields() -> list[tuple[str, str]]:
    """(attribute, label) for each field a merge lets you pick: the contact's
    declared fields, the three birthday parts as one "Birthday"."""
    fields = []
    for name in CONTACT_FIELDS:
        if name in BIRTHDAY_FIELDS:
            if name == BIRTHDAY_FIELDS[0]:
                fields.append(("birthday", "Birthday"))
            continue
        field = Contact._meta.get_field(name)
        fields.append((field.attname, _MERGE_LABELS.get(name, capfirst(field.verbose_name))))
    return fields


MERGE_FIELDS = _merge_fields()


@dataclass
class DuplicatePair:
    first: dict
    second: dict
    reasons: list[str] = field(default_factory=list)

    @property
    def score(self) -> int:
        weights = {"email": 3, "LinkedIn": 3, "name": 2, "similar": 1}
        return sum(next((w for k, w in weights.items() if k in r), 1) for r in self.reasons)


def _similar(a: str, b: str, ratio: float) -> bool:
    if not a or not b:
        return False
    return a == b or SequenceMatcher(None, a, b).ratio() >= ratio


def duplicate_pairs_for_owner(*, owner: User, limit: int = 200) -> list[DuplicatePair]:
    """Likely duplicates among the owner's contacts (archived included), best first."""
    rows = {
        r["id"]: r
        for r in Contact.objects.filter(owner=owner).values(
            "id", "first_name", "last_name", "company", "title", "linkedin_url", "archived"
        )
    }
    pairs: dict[tuple[int, int], DuplicatePair] = {}

    def add(a: int, b: int, reason: str) -> None:
        if a == b:
            return
        key = (min(a, b), max(a, b))
        pair = pairs.get(key)
        if pair is None:
            pair = pairs[key] = DuplicatePair(rows[key[0]], rows[key[1]])
        if reason not in pair.reasons:
            pair.reasons.append(reason)

    by_email: dict[str, list[int]] = defaultdict(list)
    for cid, value in ContactEmail.objects.filter(contact__owner=owner).values_list("contact_id", "value"):
        by_email[email_key(value)].append(cid)
    for value, ids in by_email.items():
        for other in ids[1:]:
            add(ids[0], other, f"same email {value}")
    by_url: dict[str, list[int]] = defaultdict(list)
    for row in rows.values():
        if row["linkedin_url"] and (key := linkedin_key(row["linkedin_url"])):
            by_url[key].append(row["id"])
    for ids in by_url.values():
        for other in ids[1:]:
            add(ids[0], other, "same LinkedIn profile")

    folded = {
        cid: (fold(r["first_name"]), fold(r["last_name"]), fold(r["company"])) for cid, r in rows.items()
    }
    buckets: dict[tuple, list[int]] = defaultdict(list)
    for cid, (first, last, _company) in folded.items():
        if last:
            buckets[("last", last)].append(cid)
        if first:
            buckets[("first", first, last[:1])].append(cid)
    for bucket in buckets.values():
        if len(bucket) < 2 or len(bucket) > BUCKET_LIMIT:
            continue
        for i, a in enumerate(bucket):
            fa, la, ca = folded[a]
            for b in bucket[i + 1 :]:
                fb, lb, cb = folded[b]
                same_name = (fa, la) == (fb, lb)
                close_name = same_name or (
                    _similar(f"{fa} {la}", f"{fb} {lb}", NAME_RATIO) and (la == lb or fa == fb)
                )
                if not close_name:
                    continue
                if same_name and (ca == cb or not ca or not cb):
                    add(a, b, "same name" + (f" at {rows[a]['company']}" if ca and ca == cb else ""))
                elif same_name and _similar(ca, cb, COMPANY_RATIO):
                    add(a, b, "same name, similar company")
                elif not same_name and (ca == cb or not ca or not cb or _similar(ca, cb, COMPANY_RATIO)):
                    add(a, b, "similar name (a typo?)")
    ordered = sorted(pairs.values(), key=lambda p: (-p.score, p.first["first_name"].lower(), p.first["id"]))
    return ordered[:limit]


# --- merging ---------------------------------------------------------------------


def merge_field_values(contact: Contact) -> dict[str, object]:
    values = {name: getattr(contact, name) for name, _label in MERGE_FIELDS if name != "birthday"}
    values["birthday"] = tuple(getattr(contact, f) for f in BIRTHDAY_FIELDS)
    return values


def merge_differences(survivor: Contact, other: Contact) -> list[dict]:
    """The fields whose values differ, with a suggested pick (a filled value over an empty one)."""
    mine, theirs = merge_field_values(survivor), merge_field_values(other)
    rows = []
    for name, label in MERGE_FIELDS:
        a, b = mine[name], theirs[name]
        if a == b:
            continue
        empty_a = a in ("", None) or a == (None, None, None)
        rows.append(
            {
                "name": name,
                "label": label,
                "survivor": a,
                "other": b,
                "pick": "other" if empty_a else "survivor",
            }
        )
    return rows


@transaction.atomic
def contact_merge(*, owner: User, survivor_id: int, other_id: int, picks: dict[str, str]) -> Contact:
    """Merge `other` into `survivor` (both the owner's); return the survivor.

    `picks` maps a MERGE_FIELDS name to "survivor", "other" or, for notes, "both".
    Emails, phones, tags, interactions, reminders, role history and introductions
    move to the survivor (exact duplicates dropped; a reminder the survivor already
    has for the same kind and day is dropped, the unique constraint allows one);
    the survivor keeps the earlier creation date. Then `other` is deleted.
    """
    if survivor_id == other_id:
        raise ValueError("A contact cannot be merged with itself.")
    contacts = {
        c.pk: c
        for c in Contact.objects.select_for_update().filter(owner=owner, pk__in=[survivor_id, other_id])
    }
    if len(contacts) != 2:
        raise Contact.DoesNotExist("Both contacts must exist and be yours.")
    survivor, other = contacts[survivor_id], contacts[other_id]
    changed: set[str] = set()
    for name, _label in MERGE_FIELDS:
        pick = picks.get(name, "survivor")
        if name == "birthday":
            if pick == "other":
                for f in BIRTHDAY_FIELDS:
                    setattr(survivor, f, getattr(other, f))
                changed.update(BIRTHDAY_FIELDS)
        elif name == "notes" and pick == "both" and other.notes and other.notes != survivor.notes:
            survivor.notes = f"{survivor.notes}\n\n{other.notes}".strip()
            changed.add("notes")
        elif pick == "other":
            setattr(survivor, name, getattr(other, name))
            changed.add(name.removesuffix("_id"))
    if survivor.introduced_by_id == other.pk:
        survivor.introduced_by_id = None
        changed.add("introduced_by")
    if other.created_at < survivor.created_at:
        survivor.created_at = other.created_at
        changed.add("created_at")
    if changed:
        survivor.save(update_fields=sorted(changed | {"updated_at"}))

    for model in (ContactEmail, ContactPhone):
        key = email_key if model is ContactEmail else phone_key
        have = {key(v) for v in model.objects.filter(contact=survivor).values_list("value", flat=True)}
        drop = []
        for pk, value in model.objects.filter(contact=other).order_by("id").values_list("id", "value"):
            if key(value) in have:
                drop.append(pk)  # the survivor has it already
            have.add(key(value))
        model.objects.filter(pk__in=drop).delete()
        model.objects.filter(contact=other).update(contact=survivor)
    survivor.tags.add(*other.tags.all())

    through = Interaction.contacts.through
    shared = through.objects.filter(contact=survivor).values("interaction_id")
    through.objects.filter(contact=other, interaction_id__in=shared).delete()
    through.objects.filter(contact=other).update(contact=survivor)

    taken = set(Reminder.objects.filter(contact=survivor).values_list("kind", "due_on"))
    clashing = [
        pk
        for pk, kind, due_on in Reminder.objects.filter(contact=other).values_list("id", "kind", "due_on")
        if (kind, due_on) in taken
    ]
    Reminder.objects.filter(pk__in=clashing).delete()
    Reminder.objects.filter(contact=other).update(contact=survivor)
    RoleHistory.objects.filter(contact=other).update(contact=survivor)
    Contact.objects.filter(owner=owner, introduced_by=other).exclude(pk=survivor.pk).update(
        introduced_by=survivor
    )
    other.delete()
    contacts_schedule_refresh(contact_ids=[survivor.pk])
    survivor.refresh_from_db()
    return survivor
