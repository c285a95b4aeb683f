"""The parts of a Keepwarm JSON backup that are not contacts' own fields.

Settings and tags come before the contacts (a tag's cadence is then the one the file
says); introductions, schedule facts, past roles, interactions, reminders and the
"not the same person" pairs after them, then the offers noted for contacts, goals and
message templates (version 3). They refer to contacts by file-local ids
(`ref`).

Restore or merge: into an empty account the backup restores everything, settings
included, and every record of the file is kept (two identical interactions stay
two). Into an account with contacts it merges: settings and existing tags stay as
they are, and each record the account already holds is not added again, counted as
a multiset (the account's two identical interactions absorb two of the file's, not
all of them).
"""

from collections import Counter
from collections.abc import Hashable

from django.contrib.auth.models import User

from contacts.duplicates import pair_key
from contacts.models import Contact, Interaction, NotDuplicate, Offer, RoleHistory, Tag
from crm.forms import ProfileForm
from goals.models import Goal
from messaging.models import MessageTemplate
from reminders.models import Reminder

from .errors import RowError

Refs = dict[object, int]  # file-local contact id → contact id in the account
MESSAGE_TEMPLATE_FIELDS = (
    "slug",
    "name",
    "subject",
    "greeting",
    "context",
    "intent",
    "closing",
    "origin",
    "hidden",
    "position",
)
GOAL_FIELDS = ("measure", "kind", "target", "period", "per_event", "created_on", "archived")
# The settings a backup carries: the settings page's fields (one list, in crm/forms.py).
SETTINGS_FIELDS = (*ProfileForm.Meta.fields, "email")


def backup_settings(owner: User) -> dict:
    """The owner's settings as a backup writes them."""
    profile = owner.profile
    return {**{name: getattr(profile, name) for name in ProfileForm.Meta.fields}, "email": owner.email}


def backup_settings_restore(*, owner: User, settings: dict | None, errors: list[RowError]) -> bool:
    """Apply the file's settings through the settings page's form; False (and why) if invalid."""
    if settings is None:
        return False
    data = {name: settings[name] for name in SETTINGS_FIELDS if settings.get(name) is not None}
    form = ProfileForm(data=data, instance=owner.profile)
    if not form.is_valid():
        problems = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in form.errors.items())
        errors.append(RowError(1, f"settings: not restored ({problems})"))
        return False
    form.save()
    return True


def backup_tags_add(*, owner: User, items: list[dict | RowError], errors: list[RowError]) -> None:
    """Create the file's tags the account lacks, with their cadence; existing tags stay as they are."""
    have = set(Tag.objects.filter(owner=owner).values_list("name", flat=True))
    new = []
    for item in items:
        if isinstance(item, RowError):
            errors.append(item)
        elif item["name"] not in have:
            have.add(item["name"])
            new.append(
                Tag(owner=owner, name=item["name"], checkin_cadence_months=item["checkin_cadence_months"])
            )
    Tag.objects.bulk_create(new, ignore_conflicts=True)


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


def backup_schedule_set(contacts: list[dict | RowError], created: dict[int, int]) -> None:
    """The file's schedule facts (staggered first check-in, reconnect "not now") on the contacts it created."""
    fields = ("first_check_in_on", "reconnect_hidden_until")
    updates = [
        Contact(pk=created[item["row"]], **item["schedule"])
        for item in contacts
        if isinstance(item, dict)
        and item["row"] in created
        and any(item.get("schedule", {}).get(name) for name in fields)
    ]
    Contact.objects.bulk_update(updates, fields, batch_size=500)


def _missing(wanted: list[tuple[Hashable, object]], have: list[Hashable]) -> list[object]:
    """The wanted items ((key, item) pairs) the account does not hold yet, as a multiset:
    a key the account holds twice absorbs two of the file's items with that key."""
    left = Counter(have)
    missing = []
    for key, item in wanted:
        if left[key]:
            left[key] -= 1
        else:
            missing.append(item)
    return missing


def backup_past_roles_add(contacts: list[dict | RowError], decided: dict[int, int]) -> None:
    """Add the file's past roles the contacts lack."""

    def key(pk: int, role: dict) -> tuple:
        return (pk, role["company"], role["title"], role["started_on"], role["ended_on"])

    wanted = [
        (key(decided[item["row"]], role), (decided[item["row"]], role))
        for item in contacts
        if isinstance(item, dict) and item["row"] in decided
        for role in item.get("past_roles", ())
    ]
    if not wanted:
        return
    have = [
        key(pk, {"company": company, "title": title, "started_on": started, "ended_on": ended})
        for pk, company, title, started, ended in RoleHistory.objects.filter(
            contact_id__in={pk for (pk, *_rest), _item in wanted}
        ).values_list("contact_id", "company", "title", "started_on", "ended_on")
    ]
    missing = _missing(wanted, have)
    RoleHistory.objects.bulk_create(
        [RoleHistory(contact_id=pk, **role) for pk, role in missing], batch_size=1000
    )


def backup_interactions_add(
    *, owner: User, items: list[dict | RowError], refs: Refs, errors: list[RowError]
) -> tuple[int, dict[object, int]]:
    """Add the file's interactions the account lacks.

    Returns how many were added and which interaction each of the file's ids is in the
    account (added, or already there), for the reminders that come from them.
    """
    held: dict[tuple, list[int]] = {}
    members: dict[int, set[int]] = {}
    for iid, cid in Interaction.contacts.through.objects.filter(
        interaction__owner=owner, contact_id__in=set(refs.values())
    ).values_list("interaction_id", "contact_id"):
        members.setdefault(iid, set()).add(cid)
    for iid, on, kind, summary in (
        Interaction.objects.filter(pk__in=members)
        .order_by("id")
        .values_list("id", "occurred_on", "kind", "summary")
    ):
        held.setdefault((on, kind, summary, frozenset(members[iid])), []).append(iid)
    local: dict[object, int] = {}
    new: list[tuple[object, Interaction, list[int]]] = []
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
        same = held.get((item["occurred_on"], item["kind"], item["summary"], frozenset(ids)))
        if same:  # the account holds it (a merge): each held one absorbs one of the file's
            if item["ref"] is not None:
                local[item["ref"]] = same.pop(0)
            else:
                same.pop(0)
            continue
        fields = {
            k: item[k]
            for k in ("occurred_on", "kind", "summary", "topics", "exchange", "follow_up_on", "origin")
            if k in item
        }
        new.append((item["ref"], Interaction(owner=owner, **fields), list(dict.fromkeys(ids))))
    Interaction.objects.bulk_create([i for _ref, i, _ids in new], batch_size=1000)
    Interaction.contacts.through.objects.bulk_create(
        [
            Interaction.contacts.through(interaction_id=i.pk, contact_id=pk)
            for _ref, i, ids in new
            for pk in ids
        ],
        batch_size=1000,
    )
    local.update({ref: i.pk for ref, i, _ids in new if ref is not None})
    return len(new), local


def backup_reminders_add(
    *,
    owner: User,
    items: list[dict | RowError],
    refs: Refs,
    interactions: dict[object, int],
    errors: list[RowError],
) -> int:
    """Add the file's reminders the account lacks (unique on contact, kind, due date); return how many."""
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
                interaction_id=interactions.get(item["interaction_ref"]),
                detail=item["detail"],
                completed_at=item["completed_at"],
            )
        )
    before = Reminder.objects.filter(owner=owner).count()
    Reminder.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    return Reminder.objects.filter(owner=owner).count() - before


def backup_not_duplicates_add(
    *, owner: User, items: list[dict | RowError], refs: Refs, errors: list[RowError]
) -> None:
    """Remember the file's "not the same person" pairs (both contacts must be in the file)."""
    marks = []
    for item in items:
        if isinstance(item, RowError):
            errors.append(item)
            continue
        first, second = (refs.get(ref) for ref in item["refs"])
        if first is None or second is None or first == second:
            continue  # a contact that did not import, or two that became one: nothing to remember
        low, high = pair_key(first, second)
        marks.append(NotDuplicate(owner=owner, first_id=low, second_id=high))
    NotDuplicate.objects.bulk_create(marks, ignore_conflicts=True, batch_size=1000)


def backup_offers_add(
    *,
    owner: User,
    items: list[dict | RowError],
    refs: Refs,
    interactions: dict[object, int],
    errors: list[RowError],
) -> None:
    """Add the file's offers the contacts lack (a multiset on contact, text and dates)."""

    def key(pk: int, offer: dict) -> tuple:
        return (pk, offer["text"], offer["created_on"], offer["given_on"])

    wanted = []
    for item in items:
        if isinstance(item, RowError):
            errors.append(item)
            continue
        pk = refs.get(item["contact_ref"])
        if pk is None:
            errors.append(
                RowError(item["row"], f"offer {item['row']}: refers to a contact that is not in the file")
            )
            continue
        wanted.append((key(pk, item), (pk, item)))
    if not wanted:
        return
    have = [
        key(pk, {"text": text, "created_on": created, "given_on": given})
        for pk, text, created, given in Offer.objects.filter(
            owner=owner, contact_id__in={pk for (pk, *_rest), _item in wanted}
        ).values_list("contact_id", "text", "created_on", "given_on")
    ]
    Offer.objects.bulk_create(
        [
            Offer(
                owner=owner,
                contact_id=pk,
                interaction_id=interactions.get(item["interaction_ref"]),
                text=item["text"],
                created_on=item["created_on"],
                given_on=item["given_on"],
            )
            for pk, item in _missing(wanted, have)
        ],
        batch_size=1000,
    )


def backup_goals_add(*, owner: User, items: list[dict | RowError], errors: list[RowError]) -> None:
    """Add the file's goals the account lacks (a multiset on every field; an active goal
    counting what an active goal of the account already counts is not added twice)."""
    wanted = []
    for item in items:
        if isinstance(item, RowError):
            errors.append(item)
            continue
        wanted.append((tuple(item[name] for name in GOAL_FIELDS), item))
    have = list(Goal.objects.filter(owner=owner).values_list(*GOAL_FIELDS))
    goals = [
        Goal(owner=owner, **{name: item[name] for name in GOAL_FIELDS}) for item in _missing(wanted, have)
    ]
    Goal.objects.bulk_create(goals, ignore_conflicts=True, batch_size=1000)


def backup_message_templates_add(
    *, owner: User, items: list[dict | RowError], errors: list[RowError], restore: bool
) -> None:
    """The file's message templates: a restore (an empty account) takes each as the file
    has it; a merge adds only the slugs the account does not have."""
    rows = {}
    for item in items:
        if isinstance(item, RowError):
            errors.append(item)
        else:
            rows.setdefault(item["slug"], {name: item[name] for name in MESSAGE_TEMPLATE_FIELDS})
    if not rows:
        return
    if restore:
        MessageTemplate.objects.filter(owner=owner, slug__in=rows).delete()
    MessageTemplate.objects.bulk_create(
        [MessageTemplate(owner=owner, **fields) for fields in rows.values()], ignore_conflicts=True
    )
