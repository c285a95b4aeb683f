"""Likely duplicate contacts, and merging a pair into one.

Finding is set-based: three queries (contacts, emails, the pairs the owner marked "not a
duplicate"), then dictionaries: same email, same LinkedIn URL, and names compared only
within small buckets (each part of the last name, or same first name and last-name
initial), so the cost stays near-linear instead of comparing every pair. Within a
bucket a pair is flagged when the names are the same, nearly the same (a typo, by
difflib), or near-duplicates at the same or a similar company: "Grace Okafor-Bello" /
"Grace Okafor" (one last name is made of the other's parts), "Jon" / "Jonathan" or
"J." / "John" or "Bob" / "Robert" Smith. A fourth query, over the pairs shown only,
counts interactions to pick which contact a merge keeps by default (`DuplicatePair.keep`).

A pair the owner marked "not a duplicate" (`not_duplicate_mark`, a `NotDuplicate` row,
lower id first: `pair_key`) is never suggested again.
"""

import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.text import capfirst

from contacts.importing.matching import email_key, linkedin_key, phone_key
from contacts.models import (
    CONNECTED_SUMMARY,
    CONTACT_FIELDS,
    Contact,
    ContactEmail,
    ContactPhone,
    Interaction,
    NotDuplicate,
    RoleHistory,
)
from contacts.search import fold
from reminders.models import Reminder
from reminders.services import contacts_schedule_refresh

BUCKET_LIMIT = 300  # a bucket larger than this (a very common surname) is not compared pairwise
NAME_RATIO = 0.85
COMPANY_RATIO = 0.6
# A shortened first name must keep this many letters ("Jon" / "Jonathan", not "Al" / "Alice"),
# and the full name be this much longer ("Daniel" / "Daniela" are two people, not a short form).
PREFIX_MIN = 3
PREFIX_GAP = 2
# A typo is looked for in names of this many letters or more ("Ana" / "Hana" are two names).
TYPO_MIN = 5
# Surname particles: never a bucket or a match on their own ("van der Berg" / "Berg" is; "van" is not).
PARTICLES = frozenset(
    "al bin ibn da das de del della der den di do dos du el la le st ten ter van von y".split()
)
# Common English short forms whose letters differ from the full name (a prefix such as
# "Jon"/"Jonathan" or "Alex"/"Alexander" needs no entry). Folded short form -> full form.
NICKNAMES = {
    "bob": "robert",
    "rob": "robert",
    "bobby": "robert",
    "bill": "william",
    "will": "william",
    "billy": "william",
    "liz": "elizabeth",
    "beth": "elizabeth",
    "betty": "elizabeth",
    "kate": "katherine",
    "katie": "katherine",
    "dick": "richard",
    "rick": "richard",
    "jim": "james",
    "jimmy": "james",
    "mike": "michael",
    "peggy": "margaret",
    "maggie": "margaret",
    "tony": "anthony",
    "ted": "edward",
    "ned": "edward",
    "chuck": "charles",
    "jack": "john",
    "johnny": "john",
    "sandy": "alexandra",
    "sasha": "alexander",
    "hank": "henry",
    "harry": "henry",
    "nick": "nicholas",
    "steve": "stephen",
    "dave": "david",
    "matt": "matthew",
    "tom": "thomas",
    "andy": "andrew",
    "drew": "andrew",
}
_SURNAME_SPLIT = re.compile(r"[\s\-]+")

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
    first: dict  # the lower id
    second: dict
    reasons: list[str] = field(default_factory=list)
    # Whether a merge keeps `first` by default (`_default_survivors`): the contact typed
    # by hand over one an import created, then the one with more interactions, then the older.
    keep_first: bool = True

    @property
    def score(self) -> int:
        weights = {"email": 3, "LinkedIn": 3, "name": 2, "similar": 1}
        return sum(next((w for k, w in weights.items() if k in r), 1) for r in self.reasons)

    @property
    def keep(self) -> dict:
        return self.first if self.keep_first else self.second

    @property
    def other(self) -> dict:
        return self.second if self.keep_first else self.first

    @property
    def keep_imported(self) -> bool:
        return created_by_import(self.keep)

    @property
    def other_imported(self) -> bool:
        return created_by_import(self.other)


def pair_key(a: int, b: int) -> tuple[int, int]:
    """The pair's ids, lower first: how `NotDuplicate` stores it (its check constraint)."""
    if a == b:
        raise ValueError("A pair needs two different contacts.")
    return (a, b) if a < b else (b, a)


def surname_parts(last: str) -> frozenset[str]:
    """A folded last name's parts, particles left out: 'okafor-bello' → {okafor, bello};
    'van der berg' → {berg}; a name that is only particles ('de') is its own part."""
    parts = frozenset(p for p in _SURNAME_SPLIT.split(last) if p and p not in PARTICLES)
    return parts or (frozenset({last}) if last else frozenset())


def first_names_match(a: str, b: str) -> bool:
    """Folded first names that may be one person's: equal, an initial ('j.' / 'john'), a
    short form that is a prefix ('jon' / 'jonathan': 3 letters at least, 2 letters short;
    'daniel' / 'daniela' are two names), or a common nickname ('bob' / 'robert')."""
    a, b = a.rstrip("."), b.rstrip(".")
    if not a or not b:
        return False
    if a == b:
        return True
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= PREFIX_MIN and len(long) >= len(short) + PREFIX_GAP and long.startswith(short):
        return True
    return NICKNAMES.get(a, a) == NICKNAMES.get(b, b)


def surnames_match(parts_a: frozenset[str], parts_b: frozenset[str]) -> bool:
    """One last name is made of (some of) the other's whole parts: 'okafor' / 'okafor-bello',
    'bello' / 'okafor bello', 'silva' / 'da silva'; never a part of a word ('okafor' / 'okaforth')."""
    return bool(parts_a) and bool(parts_b) and (parts_a <= parts_b or parts_b <= parts_a)


def not_duplicate_pairs(*, owner: User) -> set[tuple[int, int]]:
    """The pairs the owner said are different people, as `pair_key`s (one query)."""
    return set(NotDuplicate.objects.filter(owner=owner).values_list("first_id", "second_id"))


def not_duplicate_mark(*, owner: User, a_id: int, b_id: int) -> NotDuplicate:
    """Remember that two of the owner's contacts are different people (idempotent).

    Raises Contact.DoesNotExist unless both are the owner's, ValueError for one contact twice.
    """
    first, second = pair_key(a_id, b_id)
    if Contact.objects.filter(owner=owner, pk__in=(first, second)).count() != 2:
        raise Contact.DoesNotExist("Both contacts must exist and be yours.")
    mark, _created = NotDuplicate.objects.get_or_create(owner=owner, first_id=first, second_id=second)
    return mark


def not_duplicate_unmark(*, owner: User, a_id: int, b_id: int) -> None:
    """Forget a "not a duplicate" (the Undo after marking); nothing to forget is fine."""
    first, second = pair_key(a_id, b_id)
    NotDuplicate.objects.filter(owner=owner, first_id=first, second_id=second).delete()


def duplicate_pairs_for_owner(*, owner: User, limit: int = 200) -> list[DuplicatePair]:
    """Likely duplicates among the owner's contacts (archived included), best first.

    A pair the owner marked "not a duplicate" is left out. Each pair says which contact
    a merge keeps by default (`DuplicatePair.keep`).
    """
    rows = {
        r["id"]: r
        for r in Contact.objects.filter(owner=owner).values(
            "id",
            "first_name",
            "last_name",
            "company",
            "title",
            "linkedin_url",
            "archived",
            "created_at",
            "first_check_in_on",
        )
    }
    emails = ContactEmail.objects.filter(owner=owner).values_list("contact_id", "value")
    shown = find_pairs(rows, emails, hidden=not_duplicate_pairs(owner=owner))[:limit]
    _default_survivors(shown)
    return shown


def find_pairs(
    rows: dict[int, dict],
    emails: Iterable[tuple[int, str]],
    *,
    hidden: Collection[tuple[int, int]] = frozenset(),
) -> list[DuplicatePair]:
    """The likely pairs among `rows` (contact values by id; `emails`: (contact id, value)),
    best first, leaving out the `hidden` pairs (`pair_key`s). No queries."""
    pairs: dict[tuple[int, int], DuplicatePair] = {}

    def add(a: int, b: int, reason: str) -> None:
        if a == b:
            return
        key = (a, b) if a < b else (b, a)
        if key in hidden:
            return
        pair = pairs.get(key)
        if pair is None:
            pair = pairs[key] = DuplicatePair(rows[key[0]], rows[key[1]])
        if reason not in pair.reasons:
            pair.reasons.append(reason)

    by_email: dict[str, list[int]] = defaultdict(list)
    for cid, value in emails:
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
    _name_pairs(rows, add)
    return sorted(pairs.values(), key=lambda p: (-p.score, p.first["first_name"].lower(), p.first["id"]))


_TYPO, _NEAR = 1, 2


def _name_pairs(rows: dict[int, dict], add: Callable[[int, int, str], None]) -> None:
    """Pairs by name: within each bucket (a last-name part; a first name and last-name
    initial) the *distinct* names are compared, then only the people of two names that
    match are compared by company. Ten people named alike cost one name comparison, and
    a bucket of 170 people with 80 first names costs 80²/2 of them, not 170²/2."""
    buckets: dict[tuple, dict[tuple[str, str], list[int]]] = defaultdict(lambda: defaultdict(list))
    parts_of: dict[tuple[str, str], frozenset[str]] = {}
    companies: dict[int, str] = {}
    for cid, r in rows.items():
        name = (fold(r["first_name"]), fold(r["last_name"]))
        parts = parts_of.get(name)
        if parts is None:
            parts = parts_of[name] = surname_parts(name[1])
        companies[cid] = fold(r["company"])
        for part in parts:  # "Okafor-Bello" meets every "Okafor" and every "Bello"
            buckets[("last", part)][name].append(cid)
        if name[0]:
            buckets[("first", name[0], name[1][:1])][name].append(cid)

    close_companies: dict[tuple[str, str], bool] = {}

    def company_close(ca: str, cb: str) -> bool:
        key = (ca, cb) if ca < cb else (cb, ca)
        found = close_companies.get(key)
        if found is None:
            found = close_companies[key] = _similar(ca, cb, COMPANY_RATIO)
        return found

    # The same two first names meet in every surname's bucket: judge each pair of words once.
    typos: dict[tuple[str, str], bool] = {}
    firsts: dict[tuple[str, str], bool] = {}

    def name_kind(na, nb, pa, pb) -> int:
        """How two different folded (first, last) names may be one person's: _TYPO, _NEAR, both or 0."""
        (fa, la), (fb, lb) = na, nb
        words = (fa, fb) if fa < fb else (fb, fa)
        kind = 0
        # A typo is in the part that differs: "Katherin" / "Katherine" Johnson. (Comparing the
        # full names let a long shared surname carry "Aisha" / "Maria" Nakamura over the bar.)
        if la == lb:
            typo = typos.get(words)
            if typo is None:
                typo = typos[words] = _typo(fa, fb)
            kind |= _TYPO if typo else 0
        elif fa == fb and _typo(la, lb):
            kind |= _TYPO
        if surnames_match(pa, pb):
            same = firsts.get(words)
            if same is None:
                same = firsts[words] = first_names_match(fa, fb)
            kind |= _NEAR if same else 0
        return kind

    judged: set[tuple] = set()  # name pairs that can meet in two buckets are judged once
    for groups in buckets.values():
        size = sum(len(members) for members in groups.values())
        if size < 2 or size > BUCKET_LIMIT:
            continue
        for members in groups.values():  # the same name
            for i, a in enumerate(members):
                ca = companies[a]
                for b in members[i + 1 :]:
                    cb = companies[b]
                    if ca == cb or not ca or not cb:
                        at = f" at {rows[min(a, b)]['company']}" if ca and ca == cb else ""
                        add(a, b, "same name" + at)
                    elif company_close(ca, cb):
                        add(a, b, "same name, similar company")
        if len(groups) < 2:
            continue
        names = list(groups)
        for i, na in enumerate(names):
            pa = parts_of[na]
            for nb in names[i + 1 :]:
                pb = parts_of[nb]
                if na[0] == nb[0] or len(pa) > 1 or len(pb) > 1:
                    key = (na, nb) if na < nb else (nb, na)
                    if key in judged:
                        continue
                    judged.add(key)
                kind = name_kind(na, nb, pa, pb)
                if kind:
                    _people_pairs(kind, groups[na], groups[nb], rows, companies, company_close, add)


def _people_pairs(kind, group_a, group_b, rows, companies, company_close, add) -> None:
    """The people of two matching names, paired when their companies allow it: a typo with
    the same, a similar or a missing company; a near-duplicate (a short form, a double
    surname) only with the same or a similar company on both sides."""
    for a in group_a:
        ca = companies[a]
        for b in group_b:
            cb = companies[b]
            if kind & _TYPO and (ca == cb or not ca or not cb or company_close(ca, cb)):
                add(a, b, "similar name (a typo?)")
            elif kind & _NEAR and ca and cb:
                if ca == cb:
                    add(a, b, f"similar name at {rows[min(a, b)]['company']}")
                elif company_close(ca, cb):
                    add(a, b, "similar name, similar company")


def _typo(a: str, b: str) -> bool:
    """Two spellings of one name ('katherin' / 'katherine', 'tomas' / 'thomas'). Short names
    are left out: one letter off, they are other names ('ana' / 'hana', 'sara' / 'zara')."""
    return min(len(a), len(b)) >= TYPO_MIN and _similar(a, b, NAME_RATIO)


def _similar(a: str, b: str, ratio: float) -> bool:
    """difflib's ratio reaches `ratio`; its cheap upper bounds (lengths, letters) are tried first."""
    if not a or not b:
        return False
    if a == b:
        return True
    total = len(a) + len(b)
    if 2 * min(len(a), len(b)) < ratio * total:
        return False
    matcher = SequenceMatcher(None, a, b)
    return matcher.quick_ratio() >= ratio and matcher.ratio() >= ratio


def _default_survivors(pairs: list[DuplicatePair]) -> None:
    """Set each pair's `keep_first`: the contact a merge keeps unless the user swaps.

    Preferred, in order: the contact typed by hand over one an import created
    (`created_by_import`); the one with more interactions (a LinkedIn "Connected on" is
    not one); the older (created first, then lower id). One query, for the shown pairs only.
    """
    if not pairs:
        return
    ids = {row["id"] for pair in pairs for row in (pair.first, pair.second)}
    through = Interaction.contacts.through
    counts = dict(
        through.objects.filter(contact_id__in=ids)
        .exclude(interaction__summary=CONNECTED_SUMMARY)
        .values("contact_id")
        .annotate(n=Count("id"))
        .values_list("contact_id", "n")
    )

    def rank(row: dict) -> tuple:
        return (created_by_import(row), -counts.get(row["id"], 0), row["created_at"], row["id"])

    for pair in pairs:
        pair.keep_first = rank(pair.first) <= rank(pair.second)


# --- a new contact that exists already ------------------------------------------


@dataclass
class ExistingContact:
    contact: Contact
    reasons: list[str]


def contacts_like(
    *, owner: User, first_name: str, last_name: str, emails: Iterable[str] = (), linkedin_url: str = ""
) -> list[ExistingContact]:
    """The owner's contacts a new one would duplicate: the same email (case aside), the
    same LinkedIn profile (`linkedin_key`: http/https, www., a trailing slash aside) or the
    same full name (`fold`: accents and case aside). One query; at most ten, by name."""
    keys = sorted({key for value in emails if (key := email_key(value))})
    url_key = linkedin_key(linkedin_url) if linkedin_url else ""
    name = (fold(first_name), fold(last_name))
    wanted = Q()
    if name[0] or name[1]:
        wanted |= Q(search_text__startswith=f"{name[0]}|{name[1]}|")
    if url_key:
        # The profile's path narrows the search; linkedin_key below decides.
        wanted |= Q(linkedin_url__icontains=url_key.split("linkedin.com", 1)[1])
    queryset = Contact.objects.filter(owner=owner).only(
        "id", "first_name", "last_name", "company", "title", "linkedin_url", "archived"
    )
    if keys:
        same_email = Q()
        for key in keys:
            same_email |= Q(value__iexact=key)
        emails_alike = ContactEmail.objects.filter(same_email, contact=OuterRef("pk"))
        queryset = queryset.annotate(same_email=Exists(emails_alike))
        wanted |= Q(same_email=True)
    if not wanted:
        return []
    found = []
    for contact in queryset.filter(wanted).order_by("first_name", "last_name", "id")[:10]:
        reasons = []
        if getattr(contact, "same_email", False):
            reasons.append("same email")
        if url_key and linkedin_key(contact.linkedin_url) == url_key:
            reasons.append("same LinkedIn profile")
        if (fold(contact.first_name), fold(contact.last_name)) == name:
            reasons.append("same name")
        if reasons:
            found.append(ExistingContact(contact, reasons))
    return found


# --- merging ---------------------------------------------------------------------


def merge_field_values(contact: Contact) -> dict[str, object]:
    values = {name: getattr(contact, name) for name, _label in MERGE_FIELDS if name != "birthday"}
    values["birthday"] = tuple(getattr(contact, f) for f in BIRTHDAY_FIELDS)
    return values


def created_by_import(contact: Contact | dict) -> bool:
    """Whether a file import (LinkedIn, CSV, vCard; the admin's too) created the contact,
    rather than the user typing it in.

    The mark is `first_check_in_on`: an import spreads the first check-ins of the contacts
    it creates over their first cadence period and records that date, and nothing else
    ever writes it (not the form, not an edit, not a JSON restore). Not marked, so counted
    as typed: a contact an import created with check-ins off (cadence 0), and a contact
    restored from a JSON backup (the user's own records). What an import later filled in
    on a typed contact (only empty fields, or a LinkedIn job change) cannot be told apart.
    """
    value = contact["first_check_in_on"] if isinstance(contact, dict) else contact.first_check_in_on
    return value is not None


# Choices a new contact gets without anyone choosing: worth less than a choice someone made.
_CHOICE_DEFAULTS = {
    name: Contact._meta.get_field(name).default for name in ("relationship", "network", "tie_strength")
}


def _unset(name: str, value: object) -> bool:
    return value in ("", None, (None, None, None)) or (
        name in _CHOICE_DEFAULTS and _CHOICE_DEFAULTS[name] == value
    )


def merge_differences(survivor: Contact, other: Contact) -> list[dict]:
    """The fields whose values differ, each with a suggested pick ("survivor", "other", "both").

    The rule keeps what the user typed over what an import brought, and loses nothing
    it need not:
    1. a filled value over an empty one; a choice still at its default (relationship
       "Other", network "Operational", tie "Weak") counts as empty, as does no cadence;
    2. notes filled on both sides: "both" (the survivor's, then the other's);
    3. archived: the active record's "no" (merging must not hide someone you still see);
    4. otherwise, when exactly one of the two was created by an import
       (`created_by_import`), the value of the one typed by hand;
    5. otherwise the survivor's (the duplicates page keeps, by default, the contact typed
       by hand, then the one with more interactions, then the older: `_default_survivors`).
    Each row says why in "reason", for the page.
    """
    mine, theirs = merge_field_values(survivor), merge_field_values(other)
    imported_survivor, imported_other = created_by_import(survivor), created_by_import(other)
    rows = []
    for name, label in MERGE_FIELDS:
        a, b = mine[name], theirs[name]
        if a == b:
            continue
        if _unset(name, a) != _unset(name, b):
            pick = "other" if _unset(name, a) else "survivor"
            reason = "a choice, not the default" if name in _CHOICE_DEFAULTS else "the filled-in value"
        elif name == "notes":
            pick, reason = "both", "both notes"
        elif name == "archived":
            pick, reason = ("other" if a else "survivor"), "still active"
        elif imported_survivor != imported_other:
            pick, reason = ("other" if imported_survivor else "survivor"), "typed by hand, not imported"
        else:
            pick, reason = "survivor", "the kept contact's"
        rows.append({"name": name, "label": label, "survivor": a, "other": b, "pick": pick, "reason": reason})
    return rows


@transaction.atomic
def contact_merge(*, owner: User, survivor_id: int, other_id: int, picks: dict[str, str]) -> Contact:
    """Merge `other` into `survivor` (both the owner's); return the survivor.

    `picks` maps a MERGE_FIELDS name to "survivor", "other" or, for notes, "both".
    Emails, phones, tags, interactions, reminders, role history and introductions
    move to the survivor (exact duplicates dropped; a reminder the survivor already
    has for the same kind and day is dropped, the unique constraint allows one);
    the survivor keeps the earlier creation date; "not a duplicate" marks move too
    (`other` ≠ X becomes survivor ≠ X). Then `other` is deleted.
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
    _not_duplicates_move(owner=owner, survivor_id=survivor.pk, other_id=other.pk)
    other.delete()
    contacts_schedule_refresh(contact_ids=[survivor.pk])
    survivor.refresh_from_db()
    return survivor


def _not_duplicates_move(*, owner: User, survivor_id: int, other_id: int) -> None:
    """The people `other` was marked different from are different from the survivor too."""
    marks = NotDuplicate.objects.filter(owner=owner).filter(Q(first_id=other_id) | Q(second_id=other_id))
    moved = []
    for first, second in marks.values_list("first_id", "second_id"):
        third = second if first == other_id else first
        if third != survivor_id:
            a, b = pair_key(survivor_id, third)
            moved.append(NotDuplicate(owner=owner, first_id=a, second_id=b))
    NotDuplicate.objects.bulk_create(moved, ignore_conflicts=True)
