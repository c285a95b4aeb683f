"""Pure rules of the digest: period keys, digest days and hours, look-ahead, the reconnect
pick, the subject line of a focus.

No ORM, no clock, no settings: callers pass the dates. Yearly dates (birthdays,
work anniversaries and their Feb 29 rule) come from reminders/rules.py, the
reminder engine's, so the digest and the dashboard never disagree on a date.
"""

import zlib
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TypeVar

T = TypeVar("T")

FREQUENCIES = ("daily", "weekly")  # the ones that send ("off" never does)


def period_key(frequency: str, today: date) -> str:
    """The DigestLog period for a digest sent on local date `today`.

    Daily: the ISO date ("2026-11-23"). Weekly: the ISO week ("2026-W48"), whose
    year is the ISO year (Dec 29 2025 is in 2026-W01).
    """
    if frequency == "weekly":
        iso = today.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if frequency == "daily":
        return today.isoformat()
    raise ValueError(f"no digest period for frequency {frequency!r}")


def is_digest_day(frequency: str, today: date) -> bool:
    """Daily digests go out every day, weekly ones on (local) Mondays, 'off' never."""
    if frequency == "daily":
        return True
    if frequency == "weekly":
        return today.weekday() == 0
    return False


def is_digest_hour(frequency: str, digest_hour: int, local_now: datetime) -> bool:
    """True when `local_now` (aware, in the user's zone) is the user's digest hour on a digest day."""
    return local_now.hour == digest_hour and is_digest_day(frequency, local_now.date())


def lookahead_until(today: date, lead_days: int) -> date:
    """The last day whose birthdays and anniversaries a digest sent on `today` announces:
    the user's `birthday_lead_days` ahead (the reminders page's look-ahead too)."""
    return today + timedelta(days=max(lead_days, 0))


def focus_headline(first_names: Sequence[str]) -> str:
    """The subject line of a digest that has a focus, from its people's first names
    in focus order: "1 person to keep warm today: Grace", "2 people to keep warm
    today: Grace and Felix", "5 people to keep warm today: Grace, Felix and 3 more"."""
    n = len(first_names)
    if n == 0:
        raise ValueError("a focus headline needs at least one person")
    if n == 1:
        who = first_names[0]
    elif n == 2:
        who = f"{first_names[0]} and {first_names[1]}"
    else:
        who = f"{first_names[0]}, {first_names[1]} and {n - 2} more"
    return f"{n} {'person' if n == 1 else 'people'} to keep warm today: {who}"


def pick_for_period(candidates: Sequence[T], *, seed: str) -> T | None:
    """One of `candidates`, the same one for the same seed (user + period), or None.

    crc32, not hash(): Python salts str hashes per process, and the choice must
    be the same in every worker and on a retry.
    """
    if not candidates:
        return None
    return candidates[zlib.crc32(seed.encode()) % len(candidates)]
