"""The parts of a Keepwarm JSON backup that are not contacts: introductions, interactions, reminders.

They come after the contacts (which go through the same decide/write steps as every
other file), refer to them by file-local ids (`ref`), and are merged: an interaction
already in the account (same date, kind, summary and contacts) or a reminder already
there (unique on contact, kind, due date) is not added twice.
"""

from django.contrib.auth.models import User

from contacts.models import Contact, Interaction
from reminders.models import Reminder

from .errors import RowError

Refs = dict[object, int]  # file-local contact id → contact id in the account


def backup_refs(contacts: list[dict | RowError], decided: dict[int, int]) -> Refs:
    """Which contact each of the file's contacts became (`decided`: row number → contact id)."""
    refs: Refs = {}
    for item in contacts:
        if isinstance(item, dict) and item.get("ref") is not None and item["row"] in decided:
            refs[item["ref"]] = decided[item["row"]]
    return refs


def backup_introductions_link(contacts: list[dict | RowError], decided: dict[int, int], refs: Refs) -> None:
    """Set `introduced_by` where the file says who introduced whom and the account does not."""
    wanted = [
        (decided[item["row"]], item["introduced_by_ref"])
        for item in contacts
        if isinstance(item, dict) and item.get("introduced_by_ref") is not None and item["row"] in decided
    ]
    if not wanted:
        return
    current = dict(
        Contact.objects.filter(pk__in=[pk for pk, _ref in wanted]).values_list("pk", "introduced_by_id")
    )
    updates = []
    for pk, ref in wanted:
        target = refs.get(ref)
        if target is not None and target != pk and current.get(pk) is None:
            updates.append(Contact(pk=pk, introduced_by_id=target))
    Contact.objects.bulk_update(updates, ["introduced_by"], batch_size=500)


def backup_interactions_add(
    *, owner: User, items: list[dict | RowError], refs: Refs, errors: list[RowError]
) -> int:
    """Add the file's interactions the account lacks; return how many were added."""
    existing: set[tuple] = set()
    members: dict[int, set[int]] = {}
    for iid, cid in Interaction.contacts.through.objects.filter(
        interaction__owner=owner, contact_id__in=set(refs.values())
    ).values_list("interaction_id", "contact_id"):
        members.setdefault(iid, set()).add(cid)
    for iid, on, kind, summary in Interaction.objects.filter(pk__in=members).values_list(
        "id", "occurred_on", "kind", "summary"
    ):
        existing.add((on, kind, summary, frozenset(members[iid])))
    new: list[tuple[Interaction, list[int]]] = []
    for item in items:
        if isinstance(item, RowError):
            errors.append(item)
            continue
        ids = [refs.get(ref) for ref in item["contact_refs"]]
        if any(pk is None for pk in ids):
            errors.append(
                RowError(
                    item["row"], f"interaction {item['row']}: refers to a contact that is not in the file"
                )
            )
            continue
        key = (item["occurred_on"], item["kind"], item["summary"], frozenset(ids))
        if key in existing:
            continue
        existing.add(key)
        fields = {k: item[k] for k in ("occurred_on", "kind", "summary", "exchange", "follow_up_on")}
        new.append((Interaction(owner=owner, **fields), list(dict.fromkeys(ids))))
    Interaction.objects.bulk_create([i for i, _ in new], batch_size=1000)
    Interaction.contacts.through.objects.bulk_create(
        [Interaction.contacts.through(interaction_id=i.pk, contact_id=pk) for i, ids in new for pk in ids],
        batch_size=1000,
    )
    return len(new)


def backup_reminders_add(
    *, owner: User, items: list[dict | RowError], refs: Refs, errors: list[RowError]
) -> int:
    """Add the file's reminders the account lacks; return how many were added."""
    new = []
    for item in items:
        if isinstance(item, RowError):
            errors.append(item)
            continue
        pk = refs.get(item["contact_ref"])
        if pk is None:
            errors.append(
                RowError(item["row"], f"reminder {item['row']}: refers to a contact that is not in the file")
            )
            continue
        new.append(
            Reminder(
                owner=owner,
                contact_id=pk,
                kind=item["kind"],
                due_on=item["due_on"],
                status=item["status"],
                snoozed_until=item["snoozed_until"],
            )
        )
    before = Reminder.objects.filter(owner=owner).count()
    Reminder.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    return Reminder.objects.filter(owner=owner).count() - before
