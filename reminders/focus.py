"""Today's focus: the few people to keep warm today, fixed once picked, so a day can be finished.

`focus_pick` chooses, among the user's active reminders, at most `Profile.daily_focus`
people in the order of `ranking` (follow-ups you promised, today's birthdays,
anniversaries and new roles, then check-ins by priority) and stamps their reminders
with `focus_on = today`. Picking again the same day only tops up to the number asked
for, counting the people already picked (done or not): finishing the list finishes
the day, and "one more" asks for one more.

The focus is picked when it is first needed: the dashboard tops it up on each visit,
and the digest picks for the users of its batch who have none yet today
(`focus_pick_many`, a handful of queries for the batch). The reminder job does not
pick: a pick reads and ranks the user's whole backlog of active reminders, and on any
given day many users neither visit nor get a digest (picking for 1,000 users with 500
open reminders each took 4.5–7 s of every morning's run).

A backlog therefore reaches the user `daily_focus` people a day; the rest waits on
/reminders/ ("N waiting").
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q

from contacts.models import Contact
from crm.models import Profile, profile_zone

from . import ranking, rules
from .models import Reminder, ReminderKind, active_q, each_day_q

TagThrough = Contact.tags.through
# What picking sorts every active reminder of a user by (`rank` without its words).
_PICK_COLUMNS = (
    "id",
    "contact_id",
    "kind",
    "due_on",
    "contact__tie_strength",
    "contact__checkin_cadence_months",
    "contact__warmth",
)


@dataclass(frozen=True)
class Ranked:
    key: tuple
    why: str


def tag_cadences_where(contact_filter: Q) -> dict[int, list[int]]:
    """{contact id: its tags' check-in cadences} for the tag links matching `contact_filter`
    (the one query both the focus and the reminder job read tag cadences with)."""
    found: dict[int, list[int]] = defaultdict(list)
    for contact_id, cadence in TagThrough.objects.filter(
        contact_filter, tag__checkin_cadence_months__isnull=False
    ).values_list("contact_id", "tag__checkin_cadence_months"):
        found[contact_id].append(cadence)
    return found


def rank(
    *,
    reminder_id: int,
    kind: str,
    due_on: date,
    detail: str,
    tie_strength: str,
    cadence: int,
    warmth: int,
    last_interaction_on: date | None,
    created_on: date,
    today: date,
    last_talked_on: date | None = None,
    explain: bool = True,
) -> Ranked:
    """One due reminder's place in the focus order and the words saying why it is there
    (without `explain`, the place alone: picking sorts every active reminder, words
    are only needed for the few picked)."""
    tier = ranking.focus_tier(kind=kind, due_on=due_on, today=today)
    if not explain:
        points = 0.0
        if kind == ReminderKind.CHECK_IN:
            points = ranking.check_in_points(
                strong=tie_strength == "strong",
                due_on=due_on,
                today=today,
                cadence_months=cadence,
                warmth=warmth,
            )
        return Ranked(ranking.focus_key(tier=tier, points=points, due_on=due_on, reminder_id=reminder_id), "")
    if kind == ReminderKind.CHECK_IN:
        priority = ranking.check_in_priority(
            strong=tie_strength == "strong", due_on=due_on, today=today, cadence_months=cadence, warmth=warmth
        )
        talked = rules.why_check_in(
            last_talked_on=last_talked_on,
            last_interaction_on=last_interaction_on,
            created_on=created_on,
            today=today,
        )
        return Ranked(
            ranking.focus_key(tier=tier, points=priority.points, due_on=due_on, reminder_id=reminder_id),
            f"{talked} · {priority.why}",
        )
    label = detail or ReminderKind(kind).label
    if kind == ReminderKind.FOLLOW_UP:
        why = f"you promised to {label}" if label.startswith("follow up") else "a follow-up you promised"
    elif tier == ranking.TIER_TODAY:
        why = f"{label} — today" if due_on == today else label
    else:
        why = f"{label} ({rules.humanize_since(due_on, today)})"
    return Ranked(ranking.focus_key(tier=tier, points=0.0, due_on=due_on, reminder_id=reminder_id), why)


def _cadence(own: int | None, tags: Iterable[int], tie: str, profile: Profile) -> int:
    return rules.cadence_months(
        contact_cadence=own,
        tag_cadences=tags,
        default=rules.default_cadence(
            tie, strong=profile.strong_cadence_months, weak=profile.weak_cadence_months
        ),
    )


def _ranked_rows(
    rows: list[tuple], *, today: date, profile: Profile, tags: dict[int, list[int]]
) -> list[tuple[Ranked, tuple]]:
    """Rows (id, contact id, kind, due on, detail, tie strength, own cadence, warmth, last
    interaction, created at, last talked) in the focus order, each with its `Ranked`."""
    local_date = _local_date_of(profile)
    ranked = []
    for row in rows:
        pk, contact_id, kind, due_on, detail, tie, own_cadence, heat, last, created_at, talked = row
        place = rank(
            reminder_id=pk,
            kind=kind,
            due_on=due_on,
            detail=detail,
            tie_strength=tie,
            cadence=_cadence(own_cadence, tags.get(contact_id, ()), tie, profile),
            warmth=heat,
            last_interaction_on=last,
            created_on=local_date(created_at),
            today=today,
            last_talked_on=talked,
        )
        ranked.append((place, row))
    ranked.sort(key=lambda item: item[0].key)
    return ranked


def rank_reminders(
    reminders: list[Reminder], *, profile: Profile, today: date, tags: dict[int, list[int]]
) -> list[tuple[Ranked, Reminder]]:
    """Reminders (their contacts loaded) in the focus order, each with its `Ranked`:
    the dashboard's and the digest's one order and words. `tags`: the contacts' tag
    cadences (`tag_cadences`)."""
    by_id = {r.pk: r for r in reminders}
    rows = [
        (
            r.pk,
            r.contact_id,
            r.kind,
            r.due_on,
            r.detail,
            r.contact.tie_strength,
            r.contact.checkin_cadence_months,
            r.contact.warmth,
            r.contact.last_interaction_on,
            r.contact.created_at,
            r.contact.last_talked_on,
        )
        for r in reminders
    ]
    return [
        (place, by_id[row[0]]) for place, row in _ranked_rows(rows, today=today, profile=profile, tags=tags)
    ]


def tag_cadences(contact_ids: Iterable[int]) -> dict[int, list[int]]:
    """The check-in cadences of these contacts' tags (those that carry one), in one query."""
    ids = list(contact_ids)
    return tag_cadences_where(Q(contact_id__in=ids)) if ids else {}


_PROFILE_COLUMNS = ("user_id", "timezone", "daily_focus", "strong_cadence_months", "weak_cadence_months")


def _owner_profile(owner_id: int) -> Profile:
    return Profile.objects.filter(user_id=owner_id).only(*_PROFILE_COLUMNS).get()


def _local_date_of(profile: Profile):
    zone = profile_zone(profile.timezone)
    return lambda moment: moment.astimezone(zone).date()


def focus_pick(*, owner_id: int, today: date, want: int | None = None) -> int:
    """Make sure `want` people (default: the profile's `daily_focus`) are in today's focus,
    when that many have something due; returns how many people are in it.

    Idempotent and safe to run concurrently: the profile row is locked (SQLite's
    IMMEDIATE transactions serialise writers already), so two pickers never add
    twice the people.
    """
    return _pick({owner_id: today}, want={owner_id: want} if want is not None else {}).get(owner_id, 0)


def focus_pick_many(*, owner_ids: Iterable[int], today_of) -> None:
    """`focus_pick` for each of these users (`today_of(owner_id)`: their local date), in
    five queries whatever their number (the digest picks for a batch of users at once)."""
    _pick({owner_id: today_of(owner_id) for owner_id in owner_ids}, want={})


def _pick(todays: dict[int, date], *, want: dict[int, int]) -> dict[int, int]:
    """Top up each user's focus on their `todays` date to `want` people (default: their
    `daily_focus`); {user id: people in it}. Their profiles are locked; the picked, the
    active reminders and the tag cadences of every user are read in one query each, and
    the new picks written by one UPDATE a date."""
    found: dict[int, int] = {}
    with transaction.atomic():
        profiles = {
            p.user_id: p
            for p in Profile.objects.filter(user_id__in=list(todays))
            .order_by("user_id")
            .select_for_update()
            .only(*_PROFILE_COLUMNS)
        }
        picked: dict[int, set[int]] = defaultdict(set)
        for owner_id, contact_id in Reminder.objects.filter(
            each_day_q(todays, lambda day: Q(focus_on=day))
        ).values_list("owner_id", "contact_id"):
            picked[owner_id].add(contact_id)
        need = {}
        for owner_id, profile in profiles.items():
            found[owner_id] = len(picked[owner_id])
            wanted = want.get(owner_id, profile.daily_focus)
            if wanted > found[owner_id]:
                need[owner_id] = wanted - found[owner_id]
        if not need:
            return found
        rows: dict[int, list[tuple]] = defaultdict(list)
        for row in (
            Reminder.objects.filter(each_day_q(todays, active_q, only=need))
            .order_by()
            .values_list("owner_id", *_PICK_COLUMNS)
        ):
            rows[row[0]].append(row[1:])
        tags = tag_cadences_where(Q(contact__owner_id__in=list(rows))) if rows else {}
        chosen: dict[date, list[int]] = defaultdict(list)
        for owner_id, owner_rows in rows.items():
            today = todays[owner_id]
            new = _choose(owner_rows, picked[owner_id], need[owner_id], today, tags, profiles[owner_id])
            chosen[today].extend(new)
            found[owner_id] += len(new)
        for today, ids in chosen.items():
            Reminder.objects.filter(pk__in=ids).update(focus_on=today)
    return found


def _choose(
    rows: list[tuple], picked: set[int], need: int, today: date, tags: dict[int, list[int]], profile: Profile
) -> list[int]:
    """The ids of the `need` reminders to add to a user's focus: in the focus order (the
    place alone: no words, no dates to convert), one per person, none of the `picked`."""
    keyed = sorted(
        (
            rank(
                reminder_id=pk,
                kind=kind,
                due_on=due_on,
                detail="",
                tie_strength=tie,
                cadence=_cadence(own, tags.get(contact_id, ()), tie, profile),
                warmth=heat,
                last_interaction_on=None,
                created_on=today,
                today=today,
                explain=False,
            ).key,
            pk,
            contact_id,
        )
        for pk, contact_id, kind, due_on, tie, own, heat in rows
        if contact_id not in picked
    )
    chosen: list[int] = []
    taken = set(picked)
    for _key, pk, contact_id in keyed:
        if contact_id in taken:
            continue  # one row per person: their first-ranked reminder
        taken.add(contact_id)
        chosen.append(pk)
        if len(chosen) == need:
            break
    return chosen


def focus_one_more(*, owner_id: int, today: date) -> bool:
    """ "One more": add the next person in rank order to today's focus; False when nobody waits."""
    picked = (
        Reminder.objects.filter(owner_id=owner_id, focus_on=today).values("contact_id").distinct().count()
    )
    return focus_pick(owner_id=owner_id, today=today, want=picked + 1) > picked


@dataclass
class Focus:
    items: list[Reminder]  # open, in rank order, each with `.why`
    done: list[Reminder]  # picked today and closed or snoozed since
    waiting: int  # active reminders not in today's open focus

    @property
    def finished(self) -> bool:
        return not self.items and bool(self.done)


def focus_today(*, owner_id: int, today: date) -> Focus:
    """Today's focus as picked (`focus_pick` first), in rank order; four queries."""
    profile = _owner_profile(owner_id)
    picked = list(
        Reminder.objects.filter(owner_id=owner_id, focus_on=today).select_related("contact").order_by("id")
    )
    is_active = Reminder.objects.active(today).filter(owner_id=owner_id)
    open_ids = set(is_active.filter(focus_on=today).values_list("id", flat=True)) if picked else set()
    total = Reminder.objects.active_count(owner_id, today).count()
    tags = tag_cadences({r.contact_id for r in picked})
    items, done = [], []
    for ranked, reminder in rank_reminders(picked, profile=profile, today=today, tags=tags):
        reminder.why = ranked.why
        (items if reminder.pk in open_ids else done).append(reminder)
    return Focus(items=items, done=done, waiting=max(0, total - len(items)))
