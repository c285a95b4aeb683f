"""Pure date rules of the reminder engine (DESIGN "Reminder rules").

No ORM, no clock, no settings: every function takes the dates it needs, so the
rules can be tested exhaustively. All dates are the user's local dates.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta
from django.utils.timesince import timesince


@lru_cache(maxsize=256)
def _months(n: int) -> relativedelta:
    # relativedelta objects are immutable in use; building one per contact is the
    # job's hottest line, so they are shared.
    return relativedelta(months=n)


@lru_cache(maxsize=512)
def _years(n: int) -> relativedelta:
    return relativedelta(years=n)


# A year-less birthday is anchored in a leap year, so Feb 29 stays a valid origin.
LEAP_ANCHOR_YEAR = 2000


@lru_cache(maxsize=16384)
def next_check_in(base: date, cadence_months: int) -> date:
    """Return the date `cadence_months` calendar months after `base`.

    31 Jan + 1 month is 28/29 Feb, never 2 or 3 Mar (relativedelta clips to the
    month's last day). Memoised: 100,000 contacts share a few thousand (base,
    cadence) pairs, and relativedelta's addition was a tenth of the job's time.
    """
    if cadence_months < 1:
        raise ValueError("cadence_months must be at least 1")
    return base + _months(cadence_months)


def cadence_months(*, contact_cadence: int | None, tag_cadences: Iterable[int | None], default: int) -> int:
    """The check-in cadence in months; 0 means no check-ins.

    Precedence: the contact's own value, then the shortest among its tags'
    cadences (blank tags ignored; 0 on a tag is a value and wins as the shortest),
    then the profile default for the contact's tie strength.
    """
    if contact_cadence is not None:
        return contact_cadence
    values = [value for value in tag_cadences if value is not None]
    if values:
        return min(values)
    return default


def default_cadence(tie_strength: str, *, strong: int, weak: int) -> int:
    """The profile's check-in cadence for a tie strength: `strong` for "strong", else `weak`.

    Any other value (a blank or unknown strength from a file) counts as weak: a
    tie nobody rated is kept on the longer cadence.
    """
    return strong if tie_strength == "strong" else weak


def check_in_base(*, created_on: date, last_interaction_on: date | None, last_closed_on: date | None) -> date:
    """The latest of the contact's creation date, last interaction and last closed check-in."""
    return max(d for d in (created_on, last_interaction_on, last_closed_on) if d is not None)


def check_in_due(
    *,
    created_on: date,
    last_interaction_on: date | None,
    last_closed_on: date | None,
    cadence: int,
    staggered_on: date | None = None,
) -> date | None:
    """The date the contact's next check-in falls due, or None when the cadence is 0 (never).

    `staggered_on` is the first check-in an import gave the contact (see
    `staggered_first_check_ins`): it holds, when earlier than the rule's date, until
    something happens after the contact was created (an interaction, a closed check-in).
    """
    if cadence == 0:
        return None
    base = check_in_base(
        created_on=created_on, last_interaction_on=last_interaction_on, last_closed_on=last_closed_on
    )
    due = next_check_in(base, cadence)
    if (
        staggered_on is not None
        and last_closed_on is None
        and (last_interaction_on is None or last_interaction_on < created_on)
    ):
        return min(due, staggered_on)
    return due


def staggered_first_check_ins(*, created_on: date, cadences: list[int]) -> list[date | None]:
    """The first check-ins of the contacts one import creates, spread over their first
    cadence period instead of all falling on `created_on` + cadence (DESIGN rule 1).

    `cadences` are the contacts' cadences in rank order (best reconnect candidates
    first). Contacts are spread per cadence: the k-th of the n contacts with the same
    cadence (k from 0, in rank order) is due k/n of the way through that period. So
    the best one is due on the day of the import and the last on the date the plain
    rule gives; no date comes later than the rule's or before the import; and a day
    gets about n ÷ period days of each cadence, whatever the mix. Cadence 0 gives None.
    """
    counts: dict[int, int] = {}
    for cadence in cadences:
        if cadence > 0:
            counts[cadence] = counts.get(cadence, 0) + 1
    periods = {cadence: (next_check_in(created_on, cadence) - created_on).days for cadence in counts}
    seen: dict[int, int] = {}
    found: list[date | None] = []
    for cadence in cadences:
        if cadence <= 0:
            found.append(None)
            continue
        k = seen.get(cadence, 0)
        seen[cadence] = k + 1
        found.append(created_on + timedelta(days=k * periods[cadence] // counts[cadence]))
    return found


def cadence_source(
    *,
    contact_cadence: int | None,
    tag_cadences: Iterable[tuple[str, int | None]],
    tie_strength: str,
    strong: int,
    weak: int,
) -> tuple[int, str]:
    """The effective cadence (`cadence_months`) and where it comes from, in words:
    "set on this contact", "tag investors", "your default for strong ties"."""
    tags = [(name, value) for name, value in tag_cadences if value is not None]
    default = default_cadence(tie_strength, strong=strong, weak=weak)
    months = cadence_months(
        contact_cadence=contact_cadence, tag_cadences=[value for _name, value in tags], default=default
    )
    if contact_cadence is not None:
        return months, "set on this contact"
    if tags:
        name = min(tags, key=lambda item: (item[1], item[0]))[0]
        return months, f"tag {name}"
    return (
        months,
        "your default for strong ties" if tie_strength == "strong" else "your default for weak ties",
    )


def cadence_text(months: int) -> str:
    """'every month', 'every 3 months', 'every year', 'no check-ins'."""
    if months == 0:
        return "no check-ins"
    if months == 1:
        return "every month"
    if months == 12:
        return "every year"
    return f"every {months} months"


def yearly_on(origin: date, year: int) -> date:
    """`origin`'s month/day in `year`, counted from the origin (never stepped year to year).

    Feb 29 falls on Feb 28 in common years, and comes back to Feb 29 in leap years.
    """
    return origin + _years(year - origin.year)


def birthday_origin(*, month: int, day: int, year: int | None) -> date:
    """The birth date, or the month/day in a leap year when the year is unknown.

    Raises ValueError for an impossible date (Feb 30, Apr 31; Feb 29 of a common year).
    """
    return date(year or LEAP_ANCHOR_YEAR, month, day)


def occurrences_between(
    origin: date, *, after: date, until: date, first_year: int | None = None
) -> list[date]:
    """Yearly occurrences of `origin` with after < d <= until, from `first_year` on.

    `first_year` defaults to the origin's own year (a birthday counts from birth).
    """
    start = max(after.year, first_year if first_year is not None else origin.year)
    found = []
    for year in range(start, until.year + 1):
        occurrence = yearly_on(origin, year)
        if after < occurrence <= until:
            found.append(occurrence)
    return found


def event_window(*, last_run_on: date | None, today: date, created_on: date) -> tuple[date, date]:
    """The (after, until] window of birthdays/anniversaries a run raises (rule 5).

    Everything after the user's last completed run and up to today; the first run
    covers today only; never a date before the contact was created. Today itself is
    always in the window, so a contact added after today's first hourly run still
    gets today's birthday on the next one (the unique constraint dedups the rest).
    """
    yesterday = today - timedelta(days=1)
    after = yesterday if last_run_on is None else min(last_run_on, yesterday)
    after = max(after, created_on - timedelta(days=1))
    return after, today


def birthday_occurrences(
    *, month: int, day: int, year: int | None, after: date, until: date
) -> list[tuple[date, int | None]]:
    """Birthdays in (after, until]: (date, age turned or None when the year is unknown)."""
    origin = birthday_origin(month=month, day=day, year=year)
    # With a known year, the first birthday is the year after birth.
    first_year = year + 1 if year else 1
    return [
        (d, d.year - year if year else None)
        for d in occurrences_between(origin, after=after, until=until, first_year=first_year)
    ]


def anniversary_occurrences(*, started_on: date, after: date, until: date) -> list[tuple[date, int]]:
    """Work anniversaries in (after, until], from the first full year on: (date, years)."""
    return [
        (d, d.year - started_on.year)
        for d in occurrences_between(started_on, after=after, until=until, first_year=started_on.year + 1)
    ]


# --- "Why" strings -------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def humanize_since(then: date, today: date) -> str:
    """'today', 'yesterday', then Django's timesince to one unit: '5 days ago',
    '3 weeks ago', '4 months ago', '2 years ago'; a future date is 'on Nov 2'.

    The one "N days ago" of the app: the reminders' why strings and the contact
    pages' `|ago` filter both call it. timesince counts calendar months and years;
    its non-breaking spaces become plain ones so the words wrap and match as text.
    """
    days = (today - then).days
    if days < 0:
        return "on " + short_date(then)
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    return span_between(then, today) + " ago"


@lru_cache(maxsize=8192)
def span_between(start: date, end: date) -> str:
    """'5 days', '3 weeks', '4 months', '2 years' (Django's timesince, one unit).

    Memoised: the warmth of 100,000 contacts asks it for a few thousand distinct
    (date, today) pairs, and timesince (with its translation lookups) was over half
    of the refresh's time. The app speaks one language, so the words do not vary.
    """
    return timesince(start, end, depth=1).replace("\xa0", " ")


def short_date(d: date) -> str:
    """'2 Nov' (no zero padding, no year): the app writes day before month everywhere."""
    return f"{d.day} {d:%b}"


def why_check_in(
    *, last_talked_on: date | None, last_interaction_on: date | None, created_on: date | None, today: date
) -> str:
    """Why a check-in is due, in words. A LinkedIn "Connected on" (an interaction that
    was no conversation: `last_interaction_on` without `last_talked_on`) is said as such."""
    if last_talked_on is not None:
        return f"last talked {humanize_since(last_talked_on, today)}"
    if last_interaction_on is not None:
        return f"connected {humanize_since(last_interaction_on, today)}, never talked"
    if created_on is not None:
        return f"no interaction logged since you added them {humanize_since(created_on, today)}"
    return "no interaction logged yet"


def why_birthday(*, age: int | None) -> str:
    return f"turns {age}" if age else "birthday"


def why_anniversary(*, years: int, company: str) -> str:
    where = f" at {company}" if company else " in their role"
    return _plural(years, "year") + where


def why_follow_up(*, interaction_kind: str, occurred_on: date) -> str:
    return f"follow up on {interaction_kind.lower()} of {short_date(occurred_on)}"


def why_job_change(*, company: str, title: str) -> str:
    role = " at ".join(part for part in (title, company) if part)
    return f"new role: {role} — congratulate them" if role else "new role — congratulate them"
