"""Message rules: the restricted placeholder substitution, the built-in templates, the
template a moment calls for, and the `mailto:` link. Pure: strings and dates in,
strings out (no ORM, no clock, no settings).

Why a substitution of our own: a template's text is typed by the user (and a contact's
name comes from any imported file), so it is data, never code. Rendered as a Django
template, `{{ settings.SECRET_KEY }}` would print the key; through `str.format`,
`{first_name.__class__.__mro__}` walks attributes and `{0:>99999999}` allocates. Here
one regex finds `{…}` groups, and a group is replaced only when its inside is exactly
one of PLACEHOLDERS; anything else stays as typed and is reported, and a value put in
is never read again (one pass), so a contact called "{company}" stays "{company}".
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote

from dateutil.relativedelta import relativedelta

# The placeholders a template may use, with what each becomes (shown on the template form).
PLACEHOLDERS: dict[str, str] = {
    "first_name": "their first name",
    "how_we_met": "how you met (the contact's “How we met”)",
    "last_topic": "the topics of your last conversation (else its summary)",
    "company": "their company",
    "title": "their job title",
    "years": "“3 years”: years in the role for a work anniversary, else years you have known them",
    "my_name": "your name",
}

# A brace group on one line: `{first_name}`, and also `{foo}`, `{0}`, `{a.b}`, so that
# every attempt at a placeholder is either filled or reported, never silently kept.
TOKEN = re.compile(r"\{([^{}\n]{1,60})\}")
MAX_REPORTED = 20


@dataclass(frozen=True)
class Filled:
    """A text with its placeholders filled.

    `unknown`: brace groups that are no placeholder, left as typed ("{foo}").
    `missing`: known placeholders this contact has no value for, left as typed
    ("{company}") so that the user sees the gap before sending.
    Each in order of first appearance, at most MAX_REPORTED.
    """

    text: str
    unknown: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


def fill(text: str, values: Mapping[str, str]) -> Filled:
    """`text` with each `{name}` of PLACEHOLDERS replaced by `values[name]` (one pass).

    Never raises, never evaluates anything: a value is inserted as plain text and not
    scanned again; an unknown `{…}` or a placeholder whose value is empty stays as
    typed and is listed in the result.
    """
    unknown: dict[str, None] = {}
    missing: dict[str, None] = {}

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in PLACEHOLDERS:
            if len(unknown) < MAX_REPORTED:
                unknown[match.group(0)] = None
            return match.group(0)
        value = values.get(name) or ""
        if not value:
            missing[match.group(0)] = None
            return match.group(0)
        return value

    return Filled(TOKEN.sub(replace, text), tuple(unknown), tuple(missing)[:MAX_REPORTED])


def merge_reports(*parts: Filled) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(unknown, missing) over several filled texts, each name once, in order."""
    unknown = dict.fromkeys(name for part in parts for name in part.unknown)
    missing = dict.fromkeys(name for part in parts for name in part.missing)
    return tuple(unknown)[:MAX_REPORTED], tuple(missing)[:MAX_REPORTED]


def message_body(*, greeting: str, context: str, intent: str, closing: str) -> str:
    """The four parts as a message: one paragraph each, blank lines between, empty parts skipped."""
    parts = (part.strip() for part in (greeting, context, intent, closing))
    return "\n\n".join(part for part in parts if part)


# --- the built-in templates ------------------------------------------------------


@dataclass(frozen=True)
class Builtin:
    slug: str
    name: str
    subject: str
    greeting: str
    context: str
    intent: str
    closing: str
    position: int


BUILTINS: tuple[Builtin, ...] = (
    Builtin(
        slug="reconnect",
        name="Reconnect after a long time",
        subject="It's been a while",
        greeting="Hi {first_name},",
        context="It's been far too long since we last caught up. You came to mind today, "
        "and I realised I don't know what you're working on these days.",
        intent="No agenda, I'd just love to hear how you're doing. "
        "Would you be up for a coffee or a short call in the next few weeks?",
        closing="All the best,\n{my_name}",
        position=10,
    ),
    Builtin(
        slug="follow-up",
        name="Follow up within 48 hours of meeting",
        subject="Great to meet you",
        greeting="Hi {first_name},",
        context="Thanks again for taking the time to talk. "
        "I really enjoyed our conversation about {last_topic}.",
        intent="I'd like to stay in touch: if there's anything I can help with, just say, "
        "and I'll let you know how things go on my side.",
        closing="Best,\n{my_name}",
        position=20,
    ),
    Builtin(
        slug="birthday",
        name="Happy birthday",
        subject="Happy birthday, {first_name}!",
        greeting="Hi {first_name},",
        context="Happy birthday! I hope you get to spend the day with people you like.",
        intent="Wishing you a great year ahead, and let's catch up soon.",
        closing="Warmly,\n{my_name}",
        position=30,
    ),
    Builtin(
        slug="congratulations",
        name="Congratulations on the new role / work anniversary",
        subject="Congratulations!",
        greeting="Hi {first_name},",
        context="I saw your news from {company} and wanted to say congratulations. "
        "It's great to see you doing so well as {title}.",
        intent="I'd love to hear how it's going, and if there's anything I can do to help, just ask.",
        closing="Cheers,\n{my_name}",
        position=40,
    ),
    Builtin(
        slug="share-article",
        name="Saw this and thought of you",
        subject="Saw this and thought of you",
        greeting="Hi {first_name},",
        context="I came across this and thought of you, given our chat about {last_topic}: "
        "[paste the link here]",
        intent="No need to reply. I just thought you might find it useful.",
        closing="Best,\n{my_name}",
        position=50,
    ),
)
BUILTIN_SLUGS = frozenset(b.slug for b in BUILTINS)
BUILTIN_BY_SLUG = {b.slug: b for b in BUILTINS}


# --- which template a moment calls for ------------------------------------------

# A reminder kind (the values of ReminderKind) -> the built-in it calls for.
KIND_TEMPLATES = {
    "birthday": "birthday",
    "job_change": "congratulations",
    "work_anniversary": "congratulations",
    "follow_up": "follow-up",
}
# "Follow up within 48 hours of meeting": a first interaction this recent is a new acquaintance.
FOLLOW_UP_DAYS = 2


def follow_up_since(today: date) -> date:
    """The earliest first-interaction date that still calls for the follow-up note:
    someone first met on this day or later (up to today) was met at most two days ago."""
    return today - timedelta(days=FOLLOW_UP_DAYS)


def suggested_template(*, reminder_kind: str | None, is_dormant: bool, met_recently: bool) -> str:
    """The slug of the built-in template for this moment.

    The reminder the user came from decides first (birthday → birthday; job change
    or work anniversary → congratulations; follow-up → follow-up). Otherwise a dormant
    tie gets the reconnect note, someone first met at most two days ago
    (`met_recently`: first interaction on or after `follow_up_since(today)`) the
    follow-up, and anyone else the reconnect note.
    """
    if reminder_kind in KIND_TEMPLATES:
        return KIND_TEMPLATES[reminder_kind]
    if is_dormant:
        return "reconnect"
    if met_recently:
        return "follow-up"
    return "reconnect"


def placeholders_in(*texts: str) -> set[str]:
    """The known placeholders the texts use (so that only their values are looked up)."""
    return {m.group(1) for text in texts for m in TOKEN.finditer(text) if m.group(1) in PLACEHOLDERS}


def years_text(start: date | None, on: date) -> str:
    """Whole years from `start` to `on` as words ("1 year", "3 years"); "" under a year.

    Counted with relativedelta, so a start on Feb 29 completes its year on Feb 28.
    """
    if start is None or start > on:
        return ""
    years = relativedelta(on, start).years
    if years < 1:
        return ""
    return f"{years} year" if years == 1 else f"{years} years"


def years_value(
    *,
    anniversary_on: date | None,
    started_on: date | None,
    first_met_on: date | None,
    added_on: date,
    today: date,
) -> str:
    """What `{years}` says: for a work anniversary (`anniversary_on`, the reminder's date),
    the years in the role on that day; otherwise how long the user has known the contact
    (since the first interaction, else since the contact was added)."""
    if anniversary_on is not None and started_on is not None:
        return years_text(started_on, anniversary_on)
    known_since = min(first_met_on, added_on) if first_met_on is not None else added_on
    return years_text(known_since, today)


def last_topic_text(*, topics: str, summary: str, limit: int = 120) -> str:
    """The last conversation in a few words: its topics, else the first line of its summary
    (cut at a word near `limit`, without a trailing full stop, to sit inside a sentence)."""
    text = " ".join(topics.split()) or " ".join(summary.strip().split("\n", 1)[0].split())
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + "…"
    return text.rstrip(".")


# --- the mailto: link --------------------------------------------------------------


def mailto_url(address: str, *, subject: str, body: str) -> str:
    """A `mailto:` URL (RFC 6068) for `address` with subject and body.

    Everything is percent-encoded as UTF-8 (spaces as %20, never "+", which mail apps
    would show), line breaks as %0D%0A; the address keeps only "@" unencoded, so a
    "?" or "&" in it cannot start a header of its own.
    """

    def encode(text: str) -> str:
        return quote(text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n"), safe="")

    return f"mailto:{quote(address, safe='@')}?subject={encode(subject)}&body={encode(body)}"
