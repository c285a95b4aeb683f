"""A realistic, deterministic demo network (seed_demo and the benchmarks use it).

The network looks like a real user's after some months, so that every page has
real numbers on its first start: close ties seen every few weeks (hot), ties kept
in rhythm (warm), a backlog of overdue check-ins (cool; more than a day's focus),
dormant ties last talked to one to five years ago with the history that makes them
worth reviving (an introducer, a company the user worked at too, a favour in the
past, a senior title; cold), a LinkedIn import of some weeks ago never contacted
(its first check-ins staggered as the importer does), and people met in the last
weeks. Due today: a follow-up promised two days ago, a birthday, a work
anniversary, a new role and a check-in or two. What a user would have closed by
now is closed: past follow-ups and check-ins are done, some dormant ties' check-ins
dismissed.

Everything comes from one random.Random(seed) and an explicit `today`, so the same
seed on the same day gives the same network. Rows are bulk-created; then the
reminder engine computes the schedule, warmth and reconnect rank
(`contacts_schedule_refresh`) and runs the reminder job for the user
(`reminders_generate`: the reminders due and today's focus).
"""

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from crm.models import Profile, profile_zone
from goals.models import Goal
from goals.services import goal_create
from goals.suggestions import SUGGESTIONS_BY_SLUG
from reminders import rules
from reminders import services as reminder_services
from reminders.models import Reminder, ReminderKind, ReminderStatus
from reminders.ranking import seniority

from .models import (
    CONNECTED_SUMMARY,
    Contact,
    ContactEmail,
    ContactLabel,
    ContactPhone,
    Exchange,
    Interaction,
    InteractionKind,
    Network,
    Offer,
    Relationship,
    RoleHistory,
    Tag,
    TieStrength,
)

DEMO_PASSWORD = "keepwarm-demo"
DEMO_TIMEZONE = "Europe/London"
# The demo user's past employers (Profile.past_companies): "worked together at …".
DEMO_PAST_COMPANIES = ("Northwind Analytics", "Cobalt Consulting")

FIRST_NAMES = (
    "Amara Aisha Alejandro Ana Anika Arjun Astrid Ben Bianca Carlos Chen Chloe Dara Daniel Elena Emeka "
    "Emma Farah Felix Fatima Gabriel Grace Hana Hiro Ines Isaac Ivan Jamal Jana Javier Jin Julia Kai Kavya "
    "Kofi Lars Laura Layla Leo Lucia Malik Maria Mateo Maya Mei Mohammed Nadia Naomi Nikhil Noah Nora Olga "
    "Omar Priya Rafael Rania Ravi Rosa Sami Sara Sebastian Sofia Tariq Thomas Tomas Uma Valentina Wei Yara "
    "Yusuf Zara Zoe"
).split()
# A tuple, not a split string: a surname can have several words.
LAST_NAMES = (
    "Adeyemi", "Andersen", "Bauer", "Becker", "Bianchi", "Chen", "Costa", "da Silva", "de la Cruz",
    "Dubois", "Eriksson", "Fernandes", "Fischer", "Garcia", "Gupta", "Haddad", "Hansen", "Hoffmann",
    "Ibrahim", "Ito", "Jansen", "Kapoor", "Kim", "Kowalski", "Larsen", "Lee", "Lopez", "Martin", "Mehta",
    "Moreau", "Murphy", "Nakamura", "Nguyen", "Novak", "O'Brien", "Okafor", "Olsen", "Park", "Patel",
    "Petrov", "Ramos", "Rossi", "Sato", "Schmidt", "Silva", "Singh", "Sokolov", "Tanaka", "Taylor",
    "Torres", "Van der Berg", "Wagner", "Walsh", "Wang", "Weber", "Williams", "Yilmaz", "Zhang",
)  # fmt: skip
# (company, industry, domain stem)
COMPANIES = (
    ("Northwind Analytics", "Software", "northwind"),
    ("Bluefin Capital", "Venture capital", "bluefin"),
    ("Helix Therapeutics", "Biotech", "helixtx"),
    ("Copperleaf Energy", "Energy", "copperleaf"),
    ("Lumen Health", "Healthcare", "lumenhealth"),
    ("Atlas Logistics", "Logistics", "atlaslog"),
    ("Quill & Co", "Publishing", "quillco"),
    ("Meridian Bank", "Banking", "meridian"),
    ("Orbital Robotics", "Robotics", "orbital"),
    ("Fernway Design", "Design", "fernway"),
    ("Granite Ventures", "Venture capital", "granitevc"),
    ("Tidewater University", "Education", "tidewater"),
    ("Pixelforge Games", "Gaming", "pixelforge"),
    ("Sundial Foods", "Food", "sundial"),
    ("Kestrel Security", "Cybersecurity", "kestrel"),
    ("Harbor Legal", "Legal", "harborlegal"),
    ("Nimbus Cloud", "Software", "nimbus"),
    ("Verdant Agritech", "Agriculture", "verdant"),
    ("Cobalt Consulting", "Consulting", "cobalt"),
    ("Riverstone Partners", "Private equity", "riverstone"),
)
DOMAINS = {name: domain for name, _, domain in COMPANIES}
INDUSTRIES = {name: industry for name, industry, _ in COMPANIES}
TITLES = (
    "Software Engineer",
    "Senior Engineer",
    "Staff Engineer",
    "Engineering Manager",
    "VP Engineering",
    "CTO",
    "Product Manager",
    "Head of Product",
    "Designer",
    "Data Scientist",
    "Partner",
    "Principal",
    "Associate",
    "Founder & CEO",
    "COO",
    "Head of Talent",
    "Technical Recruiter",
    "Marketing Lead",
    "Sales Director",
    "Research Scientist",
    "Professor",
    "Consultant",
)
# Where dormant ties often are now: people you knew years ago have moved up.
SENIOR_TITLES = tuple(title for title in TITLES if seniority(title) >= 2)
LOCATIONS = (
    "London",
    "London",
    "London",
    "Berlin",
    "Paris",
    "Amsterdam",
    "Lisbon",
    "New York",
    "San Francisco",
    "Boston",
    "Toronto",
    "Singapore",
    "Bangalore",
    "Nairobi",
    "Lagos",
    "Sydney",
    "Tokyo",
    "Stockholm",
)
HOW_WE_MET = (
    "Worked together at a previous job",
    "MIT alumni dinner",
    "Conference panel",
    "Introduced over email",
    "Meetup talk",
    "Hackathon teammates",
    "Coffee after a webinar",
    "University classmates",
    "Met at a friend's wedding",
    "",
    "",
)
MET_RECENTLY = ("Conference panel", "Meetup talk", "Introduced over email", "Coffee after a webinar")
TOPICS = (
    "career move",
    "fundraising",
    "hiring",
    "side project",
    "industry trends",
    "mentoring",
    "product strategy",
    "a book recommendation",
    "conference plans",
    "relocation",
    "AI tooling",
    "team management",
)
SUMMARIES = (
    "Caught up on {t}.",
    "Talked about {t}; promised to send an article.",
    "Quick chat about {t}.",
    "They asked for advice on {t}.",
    "Shared notes on {t} and swapped intros.",
    "Long conversation about {t} — worth following up.",
    "Sent congratulations and talked about {t}.",
)
RELATIONSHIP_WEIGHTS = {
    Relationship.COLLEAGUE: 18,
    Relationship.PEER: 16,
    Relationship.ALUMNI: 12,
    Relationship.MENTOR: 6,
    Relationship.MENTEE: 5,
    Relationship.MANAGER: 4,
    Relationship.REPORT: 4,
    Relationship.CLIENT: 8,
    Relationship.RECRUITER: 5,
    Relationship.FRIEND_FAMILY: 6,
    Relationship.OTHER: 4,
}
# Dormant ties are mostly people from past jobs and school (Levin et al.'s "dormant ties").
DORMANT_RELATIONSHIPS = {
    Relationship.COLLEAGUE: 30,
    Relationship.MANAGER: 8,
    Relationship.MENTOR: 8,
    Relationship.ALUMNI: 16,
    Relationship.CLIENT: 10,
    Relationship.PEER: 12,
    Relationship.REPORT: 6,
}
# A LinkedIn import brings people you rarely rated.
IMPORTED_RELATIONSHIPS = {
    Relationship.OTHER: 40,
    Relationship.ALUMNI: 20,
    Relationship.PEER: 20,
    Relationship.RECRUITER: 10,
    Relationship.COLLEAGUE: 10,
}
KIND_WEIGHTS = {
    InteractionKind.COFFEE: 20,
    InteractionKind.CALL: 18,
    InteractionKind.EMAIL: 20,
    InteractionKind.MESSAGE: 18,
    InteractionKind.MEETING: 10,
    InteractionKind.EVENT: 6,
    InteractionKind.INFORMATIONAL_INTERVIEW: 3,
    InteractionKind.INTRODUCTION: 3,
    InteractionKind.OTHER: 2,
}
EXCHANGE_WEIGHTS = {None: 45, Exchange.GAVE: 25, Exchange.ASKED: 12, Exchange.MUTUAL: 18}
# (name, cadence in months or None)
DEMO_TAGS = (
    ("investors", 1),
    ("alumni-mit", None),
    ("london", None),
    ("founders", 2),
    ("ex-northwind", None),
    ("hiring", None),
)

# The network's segments and their shares of the contacts (largest remainder rounding).
CLOSE = "close"
ACTIVE = "active"
OVERDUE = "overdue"
DORMANT = "dormant"
IMPORTED = "imported"
RECENT = "recent"
SEGMENT_SHARES = (
    (CLOSE, 0.08),  # strong ties seen every few weeks: hot
    (ACTIVE, 0.30),  # seen within their cadence: warm, some cool
    (OVERDUE, 0.12),  # a check-in past due: the backlog
    (DORMANT, 0.18),  # last talked 1–5 years ago, with history: cold, the reconnect list
    (IMPORTED, 0.22),  # a LinkedIn import of some weeks ago, never contacted
    (RECENT, 0.10),  # met in the last weeks
)
# How extra interactions (beyond each person's planned ones) are shared out, by segment.
EXTRA_WEIGHTS = {CLOSE: 10.0, ACTIVE: 3.0, OVERDUE: 1.5, RECENT: 1.0}


@dataclass(frozen=True)
class DemoResult:
    user: User
    created_user: bool
    contacts: int
    interactions: int
    reminders: int  # active on `today`, after the reminder job ran


@dataclass
class _Person:
    """One contact as planned: its row, its segment and the dates its history is built from."""

    contact: Contact
    segment: str
    tags: tuple[str, ...]
    cadence: int  # the effective check-in cadence in months (0 = none)
    created_on: date
    last_on: date | None = None  # the planned last interaction
    earlier: list[date] = field(default_factory=list)  # planned conversations before last_on
    helped_on: date | None = None  # the planned "they helped you" (asked/mutual) conversation
    connected_on: date | None = None  # an import's "Connected on LinkedIn" date
    closed_check_in: tuple[date, str, date] | None = None  # (due_on, status, closed on)
    important: bool = False  # planned for today: its conversations are created first
    introducer: "_Person | None" = None
    past_role: tuple[str, str, date] | None = None  # (company, title, ended_on) at a past company
    job_change: tuple[str, str, date | None] | None = None  # the role left two days ago
    promised_on: date | None = None  # the follow-up date of the last conversation


@dataclass
class _Meeting:
    """One interaction to create."""

    on: date
    people: list[_Person]
    kind: str
    summary: str
    topics: str = ""
    exchange: str | None = None
    follow_up_on: date | None = None
    keep_open: bool = False  # a promise planned late: its follow-up stays open


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _aware(day: date, tz: ZoneInfo, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 19), rng.choice((0, 15, 30, 45))), tzinfo=tz)


def _moment_on(today: date, tz: ZoneInfo) -> datetime:
    """Now, when it is `today` in `tz`; else noon of `today` there (a seed for another day)."""
    now = timezone.now()
    return (
        now if timezone.localtime(now, tz).date() == today else datetime.combine(today, time(12), tzinfo=tz)
    )


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _cadence_days(today: date, months: int) -> int:
    """How many days `months` calendar months back from today are (6 months for "none")."""
    return (today - (today - relativedelta(months=months or 6))).days


def segment_sizes(count: int) -> dict[str, int]:
    """How many of `count` contacts fall in each segment (shares rounded by largest remainder)."""
    exact = [share * count for _, share in SEGMENT_SHARES]
    sizes = [int(value) for value in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - sizes[i]), i))
    for i in by_remainder[: count - sum(sizes)]:
        sizes[i] += 1
    return {name: size for (name, _), size in zip(SEGMENT_SHARES, sizes, strict=True)}


def _due_today_after(today: date, cadence: int) -> tuple[date, int] | None:
    """(last interaction, cadence) that put a check-in due exactly today, the contact's own
    cadence first (a month-end today has no date N months back for some N)."""
    for months in dict.fromkeys((cadence, 3, 6, 1, 2, 4, 12)):
        if months <= 0:
            continue
        last = today - relativedelta(months=months)
        if rules.next_check_in(last, months) == today:
            return last, months
    return None


@dataclass(frozen=True)
class _Setup:
    """What planning a person needs besides the random stream."""

    owner: User
    today: date
    tz: ZoneInfo
    import_on: date  # the day of the demo's LinkedIn import
    strong_cadence: int
    weak_cadence: int
    tag_cadences: dict[str, int | None]


def _tags_for(contact: Contact, rng: random.Random) -> tuple[str, ...]:
    """The demo tags a contact gets from its company, relationship, title and city."""
    chosen = set()
    if contact.industry in ("Venture capital", "Private equity") or rng.random() < 0.04:
        chosen.add("investors")
    if contact.relationship == Relationship.ALUMNI or rng.random() < 0.08:
        chosen.add("alumni-mit")
    if contact.location == "London":
        chosen.add("london")
    if contact.title == "Founder & CEO":
        chosen.add("founders")
    if contact.company == "Northwind Analytics" or (
        contact.relationship == Relationship.COLLEAGUE and rng.random() < 0.2
    ):
        chosen.add("ex-northwind")
    if contact.title in ("Head of Talent", "Technical Recruiter", "VP Engineering"):
        chosen.add("hiring")
    return tuple(sorted(chosen))


def _new_person(segment: str, setup: _Setup, rng: random.Random) -> _Person:
    """One contact of `segment` with its planned dates (its created_at is set by `_create_contacts`)."""
    today = setup.today
    company, industry, _ = rng.choice(COMPANIES)
    title = rng.choice(TITLES)
    own_cadence = rng.choice((None,) * 12 + (0, 2, 4))
    if segment == DORMANT:
        relationship = _pick(rng, DORMANT_RELATIONSHIPS)
        strong = rng.random() < 0.3  # was a strong tie
        if rng.random() < 0.5:
            title = rng.choice(SENIOR_TITLES)
        own_cadence = 0 if rng.random() < 0.15 else None  # "no check-ins" for some
    elif segment == IMPORTED:
        relationship = _pick(rng, IMPORTED_RELATIONSHIPS)
        strong = False
        own_cadence = None
    elif segment == CLOSE:
        relationship = _pick(rng, RELATIONSHIP_WEIGHTS)
        strong = rng.random() < 0.9
    elif segment == RECENT:
        relationship = _pick(rng, {Relationship.PEER: 3, Relationship.OTHER: 2, Relationship.CLIENT: 1})
        strong = False
        own_cadence = None
    else:
        relationship = _pick(rng, RELATIONSHIP_WEIGHTS)
        strong = rng.random() < 0.3 or relationship in (Relationship.MENTOR, Relationship.MANAGER)
        if segment == OVERDUE and own_cadence == 0:
            own_cadence = None
    network = {
        Relationship.FRIEND_FAMILY: Network.PERSONAL,
        Relationship.MENTOR: Network.STRATEGIC,
        Relationship.CLIENT: Network.STRATEGIC,
    }.get(relationship) or rng.choice((Network.OPERATIONAL, Network.OPERATIONAL, Network.STRATEGIC))
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    if segment == IMPORTED:
        how_we_met, notes = "", ""
    elif segment == RECENT:
        how_we_met, notes = rng.choice(MET_RECENTLY), ""
    else:
        how_we_met = rng.choice(HOW_WE_MET)
        notes = rng.choice(
            ("", "", "", "Prefers WhatsApp to email.", "Two kids; loves climbing.", "Vegetarian.")
        )
    contact = Contact(
        owner=setup.owner,
        first_name=first,
        last_name=last,
        company=company,
        title=title,
        industry=industry,
        location=rng.choice(LOCATIONS),
        linkedin_url=(
            f"https://www.linkedin.com/in/{_slug(first)}-{_slug(last)}-{rng.randint(1000, 9999)}"
            if segment == IMPORTED or rng.random() < 0.6
            else ""
        ),
        how_we_met=how_we_met,
        relationship=relationship,
        network=network,
        tie_strength=TieStrength.STRONG if strong else TieStrength.WEAK,
        checkin_cadence_months=own_cadence,
        notes=notes,
    )
    past_role = _at_past_company(contact, today, rng) if segment == DORMANT and rng.random() < 0.35 else None
    birthday_share = {CLOSE: 0.85, ACTIVE: 0.65, OVERDUE: 0.6, DORMANT: 0.4, RECENT: 0.2}.get(segment, 0.0)
    if rng.random() < birthday_share:
        contact.birthday_month = rng.randint(1, 12)
        contact.birthday_day = rng.randint(1, 28)
        contact.birthday_year = rng.randint(1960, 2000) if rng.random() < 0.5 else None
    if segment != IMPORTED and contact.started_on is None and rng.random() < 0.6:
        contact.started_on = today - timedelta(days=rng.randint(60, 365 * 9))

    tags = _tags_for(contact, rng)
    cadence = rules.cadence_months(
        contact_cadence=own_cadence,
        tag_cadences=[setup.tag_cadences.get(name) for name in tags],
        default=rules.default_cadence(
            contact.tie_strength, strong=setup.strong_cadence, weak=setup.weak_cadence
        ),
    )
    if segment == OVERDUE and cadence == 0:  # a profile without check-ins: this one has its own
        contact.checkin_cadence_months = cadence = 6
    person = _Person(
        contact=contact, segment=segment, tags=tags, cadence=cadence, created_on=today, past_role=past_role
    )
    _plan_dates(person, setup, rng)
    return person


def _at_past_company(contact: Contact, today: date, rng: random.Random) -> tuple[str, str, date] | None:
    """A dormant tie from one of the user's past companies: still there, or moved on since;
    returns the old role (company, title, ended on) for the role history in that case."""
    company = rng.choice(DEMO_PAST_COMPANIES)
    contact.relationship = Relationship.COLLEAGUE
    contact.how_we_met = "Worked together at a previous job"
    if rng.random() < 0.5:
        contact.company, contact.industry = company, INDUSTRIES[company]
        return None
    ended_on = today - timedelta(days=rng.randint(200, 1500))
    contact.company = rng.choice([name for name, _, _ in COMPANIES if name not in DEMO_PAST_COMPANIES])
    contact.industry = INDUSTRIES[contact.company]
    contact.started_on = ended_on + timedelta(days=rng.randint(1, 30))
    return company, rng.choice(TITLES), ended_on


def _plan_dates(person: _Person, setup: _Setup, rng: random.Random) -> None:
    """The person's creation day, planned conversations and closed check-in, by segment."""
    today, segment, cadence = setup.today, person.segment, person.cadence
    days = _cadence_days(today, cadence)
    if segment == IMPORTED:
        person.created_on = setup.import_on
        if rng.random() < 0.6:
            person.connected_on = setup.import_on - timedelta(days=rng.randint(90, 3000))
        return
    if segment == RECENT:
        person.created_on = today - timedelta(days=rng.randint(3, 40))
        person.last_on = person.created_on + timedelta(days=rng.randint(0, (today - person.created_on).days))
        if person.last_on > person.created_on:
            person.earlier = [person.created_on]  # the first meeting
        return
    if segment == DORMANT:
        person.last_on = today - timedelta(days=rng.randint(400, 1825))
        on = person.last_on
        for _ in range(rng.randint(1, 4)):
            on -= timedelta(days=rng.randint(25, 300))
            person.earlier.append(on)
        person.created_on = on - timedelta(days=rng.randint(30, 700))
        if rng.random() < 0.55:
            person.helped_on = rng.choice([person.last_on, *person.earlier])
        if cadence and rng.random() < 0.6:
            # The check-in came due and was dismissed ("not now"): the next is months away.
            closed_on = today - timedelta(days=rng.randint(7, max(8, days * 9 // 10)))
            person.closed_check_in = (
                closed_on - timedelta(days=rng.randint(0, 20)),
                ReminderStatus.DISMISSED,
                closed_on,
            )
        return
    if segment == CLOSE:
        person.created_on = today - timedelta(days=rng.randint(400, 1800))
        person.last_on = today - timedelta(days=rng.randint(1, max(1, min(25, days // 2))))
    elif segment == ACTIVE:
        person.created_on = today - timedelta(days=rng.randint(200, 1500))
        person.last_on = today - timedelta(days=rng.randint(max(1, days // 10), max(1, days * 85 // 100)))
    else:  # OVERDUE: one to eight tenths of a cadence past the check-in
        person.created_on = today - timedelta(days=rng.randint(400, 1500))
        on = today - relativedelta(months=cadence) - timedelta(days=rng.randint(1, max(1, days * 8 // 10)))
        while rules.next_check_in(on, cadence) >= today:
            on -= timedelta(days=1)
        person.last_on = on
    person.created_on = min(person.created_on, person.last_on - timedelta(days=30))
    if cadence and rng.random() < 0.5:
        # The last conversation came from a check-in, done that day.
        due = max(person.created_on, person.last_on - timedelta(days=rng.randint(0, 14)))
        person.closed_check_in = (due, ReminderStatus.DONE, person.last_on)


def _plan_network(count: int, setup: _Setup, rng: random.Random) -> list[_Person]:
    """`count` people in the segments' shares, in a shuffled order, with today's specials."""
    segments = [name for name, size in segment_sizes(count).items() for _ in range(size)]
    rng.shuffle(segments)
    people = [_new_person(segment, setup, rng) for segment in segments]
    _plan_specials(people, setup, rng)
    _plan_introductions(people, rng)
    _stagger_import(people, setup)
    return people


def _plan_specials(people: list[_Person], setup: _Setup, rng: random.Random) -> None:
    """Today's handful: follow-ups promised, check-ins due today, a birthday, a work
    anniversary and a new role; the week's birthdays; a Feb 29 birthday. Scaled with
    the network (about one follow-up per 300 people, one check-in due per 100);
    each special falls on a different person."""
    today, n = setup.today, len(people)
    used: set[int] = set()

    def take(*segments: str, check_ins: bool = False) -> _Person | None:
        for index, person in enumerate(people):
            if index not in used and person.segment in segments and (person.cadence or not check_ins):
                used.add(index)
                return person
        return None

    for met in [2] * max(1, n // 300) + [6] * max(1, n // 300):
        # Met `met` days ago, promised to follow up within 48 hours: due today, or late.
        person = take(RECENT)
        if person is None:
            break
        person.created_on = person.last_on = today - timedelta(days=met)
        person.earlier = []
        person.promised_on = person.last_on + timedelta(days=2)
        person.important = True
    for _ in range(max(2, n // 100)):
        person = take(ACTIVE, check_ins=True)
        found = _due_today_after(today, person.cadence) if person is not None else None
        if found is None:
            break
        person.last_on, months = found
        if months != person.cadence:
            person.contact.checkin_cadence_months = person.cadence = months
        person.created_on = min(person.created_on, person.last_on - timedelta(days=30))
        person.closed_check_in = None
        person.important = True
    for days_ahead in (0, 2, 5):  # a birthday today, two more this week
        person = take(CLOSE, ACTIVE)
        if person is None:
            return
        on = today + timedelta(days=days_ahead)
        person.contact.birthday_month, person.contact.birthday_day = on.month, on.day
        year = rng.randint(1965, 1998)
        if (on.month, on.day) == (2, 29):
            year -= year % 4  # born on a Feb 29: in a leap year
        person.contact.birthday_year = year if rng.random() < 0.5 else None
    person = take(ACTIVE)
    if person is not None:  # the leap-day birthday (Feb 28 in common years)
        person.contact.birthday_month, person.contact.birthday_day = 2, 29
        person.contact.birthday_year = 1988 if rng.random() < 0.5 else None
    person = take(ACTIVE)
    if person is not None:  # a work anniversary today
        # Started on a Feb 29 when today is one (a leap year back), else 2–8 years ago today.
        years = rng.choice((4, 8)) if (today.month, today.day) == (2, 29) else rng.randint(2, 8)
        person.contact.started_on = today - relativedelta(years=years)
    person = take(CLOSE, ACTIVE)
    if person is not None:  # a new role two days ago: the best touchpoint there is
        old_company, old_title = person.contact.company, person.contact.title
        company = rng.choice([name for name, _, _ in COMPANIES if name != old_company])
        person.contact.company, person.contact.industry = company, INDUSTRIES[company]
        person.contact.title = rng.choice(SENIOR_TITLES)
        person.job_change = (old_company, old_title, person.contact.started_on)
        person.contact.started_on = today - timedelta(days=2)


def _plan_introductions(people: list[_Person], rng: random.Random) -> None:
    """Who introduced whom: some dormant ties, half the people met recently, a few others."""
    introducers = [p for p in people if p.segment in (CLOSE, ACTIVE)]
    if len(introducers) < 2:
        return
    share = {DORMANT: 0.3, RECENT: 0.5, ACTIVE: 0.08}
    for person in people:
        if rng.random() < share.get(person.segment, 0.0):
            introducer = rng.choice(introducers)
            if introducer is not person:
                person.introducer = introducer
                if person.segment == RECENT:
                    person.contact.how_we_met = "Introduced over email"


def _stagger_import(people: list[_Person], setup: _Setup) -> None:
    """The import's first check-ins, spread over their first cadence period, best reconnect
    candidates first, as the importer does (`reminders.rules.staggered_first_check_ins`):
    among never-contacted people the reconnect rank is by seniority and past strength."""
    imported = [p for p in people if p.segment == IMPORTED]
    imported.sort(
        key=lambda p: -(3 * seniority(p.contact.title) + 5 * (p.contact.tie_strength == TieStrength.STRONG))
    )
    firsts = rules.staggered_first_check_ins(
        created_on=setup.import_on, cadences=[p.cadence for p in imported]
    )
    for person, first in zip(imported, firsts, strict=True):
        person.contact.first_check_in_on = first


def _meeting(on: date, people: list[_Person], rng: random.Random, *, exchange=None) -> _Meeting:
    topic = rng.choice(TOPICS)
    return _Meeting(
        on=on,
        people=people,
        kind=_pick(rng, KIND_WEIGHTS),
        summary=rng.choice(SUMMARIES).format(t=topic),
        topics=topic,
        exchange=exchange,
    )


def _planned_meetings(people: list[_Person], rng: random.Random) -> list[_Meeting]:
    """Each person's planned conversations, today's specials first, then the last
    conversation of everyone, then the dormant ties' older history, then the import's
    "Connected on LinkedIn" dates: a small --interactions keeps the most telling ones."""
    first, last, older, connected = [], [], [], []
    for person in people:
        if person.last_on is not None:
            # Dormant ties: favours only where planned ("helped you in 2023").
            if person.segment == DORMANT:
                exchange = (
                    rng.choice((Exchange.ASKED, Exchange.MUTUAL))
                    if person.helped_on == person.last_on
                    else None
                )
            else:
                exchange = _pick(rng, EXCHANGE_WEIGHTS)
            meeting = _meeting(person.last_on, [person], rng, exchange=exchange)
            if person.promised_on is not None:
                meeting.kind = InteractionKind.COFFEE
                meeting.summary = f"First coffee: talked about {meeting.topics}; promised to send an intro."
                meeting.follow_up_on = person.promised_on
                meeting.keep_open = True
            (first if person.important else last).append(meeting)
        for on in person.earlier:
            exchange = None
            if person.helped_on == on:
                exchange = rng.choice((Exchange.ASKED, Exchange.MUTUAL))
            elif person.segment != DORMANT:
                exchange = _pick(rng, EXCHANGE_WEIGHTS)
            older.append(_meeting(on, [person], rng, exchange=exchange))
        if person.connected_on is not None:
            connected.append(
                _Meeting(
                    on=person.connected_on,
                    people=[person],
                    kind=InteractionKind.OTHER,
                    summary=CONNECTED_SUMMARY,
                )
            )
    return first + last + older + connected


def _extra_meetings(people: list[_Person], count: int, today: date, rng: random.Random) -> list[_Meeting]:
    """`count` more conversations, mostly with close ties, never after a person's planned
    last one (so the schedule stays as planned); some with two people, a few with a follow-up."""
    pool = [
        p for p in people if p.segment in EXTRA_WEIGHTS and p.last_on is not None and p.promised_on is None
    ]
    if not pool:
        pool = [p for p in people if p.last_on is not None]
    if not pool or count <= 0:
        return []
    # Cumulative once: choices(weights=...) would re-add 10,000 weights on every call.
    cum_weights = list(itertools.accumulate(EXTRA_WEIGHTS.get(p.segment, 1.0) for p in pool))
    group_pool = [p for p in pool if p.segment in (CLOSE, ACTIVE)] or pool
    found = []
    for _ in range(count):
        person = rng.choices(pool, cum_weights=cum_weights)[0]
        window = 365 if person.segment == CLOSE else 730  # close ties: seen all year
        earliest = min(max(person.created_on, today - timedelta(days=window)), person.last_on)
        span = (person.last_on - earliest).days
        on = earliest + timedelta(days=int(span * rng.random() ** 0.8))
        group = [person]
        if rng.random() < 0.08:
            other = rng.choice(group_pool)
            if other is not person and other.created_on <= on <= other.last_on:
                group.append(other)
        meeting = _meeting(on, group, rng, exchange=_pick(rng, EXCHANGE_WEIGHTS))
        if rng.random() < 0.07:
            meeting.follow_up_on = on + timedelta(days=rng.choice((2, 2, 7, 14)))
        found.append(meeting)
    return found


def _create_interactions(
    *,
    owner: User,
    people: list[_Person],
    count: int,
    rng: random.Random,
    today: date,
    tz: ZoneInfo,
    batch_size: int,
) -> int:
    """Exactly `count` interactions (planned ones first, then extras); the follow-ups
    whose day has passed are done, as a user would have done them, except the one
    promise planned late. Returns how many were created."""
    if count <= 0:
        return 0
    meetings = _planned_meetings(people, rng)[:count]
    meetings += _extra_meetings(people, count - len(meetings), today, rng)
    created = Interaction.objects.bulk_create(
        [
            Interaction(
                owner=owner,
                occurred_on=m.on,
                kind=m.kind,
                summary=m.summary,
                topics=m.topics,
                exchange=m.exchange,
                follow_up_on=m.follow_up_on,
            )
            for m in meetings
        ],
        batch_size=batch_size,
    )
    through = Interaction.contacts.through
    through.objects.bulk_create(
        [
            through(interaction_id=i.pk, contact_id=p.contact.pk)
            for i, m in zip(created, meetings, strict=True)
            for p in m.people
        ],
        batch_size=batch_size,
    )
    done = []
    for interaction, m in zip(created, meetings, strict=True):
        due = m.follow_up_on
        if due is None or due >= today or m.keep_open:
            continue
        why = rules.why_follow_up(interaction_kind=InteractionKind(m.kind).label, occurred_on=m.on)
        closed_at = _aware(min(due + timedelta(days=rng.randint(0, 2)), today - timedelta(days=1)), tz, rng)
        done += [
            Reminder(
                owner=owner,
                contact=p.contact,
                kind=ReminderKind.FOLLOW_UP,
                due_on=due,
                status=ReminderStatus.DONE,
                completed_at=closed_at,
                interaction=interaction,
                detail=why,
            )
            for p in m.people
        ]
    Reminder.objects.bulk_create(done, batch_size=batch_size, ignore_conflicts=True)
    return len(created)


def _demo_user(username: str, timezone_name: str) -> tuple[User, bool]:
    """The user (created with DEMO_PASSWORD, the demo's time zone and past companies when missing)."""
    user = User.objects.filter(username=username).select_related("profile").first()
    if user is not None:
        return user, False
    user = User.objects.create_user(
        username=username, email=f"{username}@example.com", password=DEMO_PASSWORD
    )
    Profile.objects.filter(user=user).update(
        timezone=timezone_name, past_companies=", ".join(DEMO_PAST_COMPANIES)
    )
    return User.objects.select_related("profile").get(pk=user.pk), True


def _create_contacts(
    people: list[_Person], tags: dict[str, Tag], rng: random.Random, tz: ZoneInfo, batch_size: int
) -> None:
    """The contacts with their emails, phones, tags, introducers and past roles."""
    for person in people:
        person.contact.created_at = _aware(person.created_on, tz, rng)
        person.contact.refresh_search_text()
    Contact.objects.bulk_create([p.contact for p in people], batch_size=batch_size)
    emails, phones, tag_rows, roles = [], [], [], []
    through = Contact.tags.through
    for person in people:
        contact = person.contact
        local = f"{_slug(contact.first_name)}.{_slug(contact.last_name)}"
        emails.append(
            ContactEmail(
                contact=contact,
                value=f"{local}@{DOMAINS[contact.company]}.example.com",
                label=ContactLabel.WORK,
            )
        )
        if rng.random() < 0.35:
            emails.append(
                ContactEmail(
                    contact=contact,
                    value=f"{local}{rng.randint(1, 99)}@mail.example.org",
                    label=ContactLabel.HOME,
                )
            )
        if rng.random() < 0.5:
            number = (
                f"+44 7700 900{rng.randint(0, 999):03d}"
                if rng.random() < 0.6
                else f"+1 202 555 0{rng.randint(100, 199)}"
            )
            phones.append(ContactPhone(contact=contact, value=number, label=ContactLabel.MOBILE))
        tag_rows += [through(contact_id=contact.pk, tag_id=tags[name].pk) for name in person.tags]
        if person.introducer is not None:
            contact.introduced_by_id = person.introducer.contact.pk
        if person.past_role is not None:
            company, title, ended_on = person.past_role
            roles.append(RoleHistory(contact=contact, company=company, title=title, ended_on=ended_on))
    ContactEmail.objects.bulk_create(emails, batch_size=batch_size)
    ContactPhone.objects.bulk_create(phones, batch_size=batch_size)
    through.objects.bulk_create(tag_rows, batch_size=batch_size)
    RoleHistory.objects.bulk_create(roles, batch_size=batch_size)
    Contact.objects.bulk_update(
        [p.contact for p in people if p.introducer is not None], ["introduced_by"], batch_size=500
    )


def _create_closed_check_ins(
    *, owner: User, people: list[_Person], rng: random.Random, tz: ZoneInfo, batch_size: int
) -> None:
    """The check-ins of the past months, closed: done the day of a conversation, or
    dismissed for some dormant ties ("not now")."""
    Reminder.objects.bulk_create(
        [
            Reminder(
                owner=owner,
                contact=p.contact,
                kind=ReminderKind.CHECK_IN,
                due_on=due_on,
                status=status,
                completed_at=_aware(closed_on, tz, rng),
            )
            for p in people
            if p.closed_check_in is not None
            for due_on, status, closed_on in [p.closed_check_in]
        ],
        batch_size=batch_size,
        ignore_conflicts=True,
    )


# What a user offers the people who helped them ("give before you ask").
OFFER_TEXTS = (
    "Introduce them to someone on my team",
    "Send the article on pricing I mentioned",
    "Review their deck before the pitch",
    "Share my notes from the conference",
    "Recommend them on LinkedIn",
)
# Goals the demo user set some months ago (goals.suggestions), so history and streaks show.
DEMO_GOALS = ("informational-interviews", "coffee", "reconnect")


def _create_goals_and_offers(*, owner: User, today: date, rng: random.Random) -> None:
    """Three suggested goals set four months ago, and an offer in return for each of the
    last few favours asked (the oldest already given)."""
    set_on = today - relativedelta(months=4)
    for slug in DEMO_GOALS:
        suggestion = SUGGESTIONS_BY_SLUG[slug]
        if not Goal.objects.filter(owner=owner, measure=suggestion.measure, kind=suggestion.kind).exists():
            goal_create(
                owner=owner,
                target=suggestion.target,
                today=set_on,
                measure=suggestion.measure,
                kind=suggestion.kind,
                period=suggestion.period,
                per_event=suggestion.per_event,
            )
    asked = (
        Interaction.objects.filter(owner=owner, exchange=Exchange.ASKED, offers__isnull=True)
        .order_by("-occurred_on", "-id")
        .prefetch_related("contacts")[:4]
    )
    offers = []
    for n, interaction in enumerate(reversed(list(asked))):
        for contact in interaction.contacts.all():
            offers.append(
                Offer(
                    owner=owner,
                    contact=contact,
                    interaction=interaction,
                    text=rng.choice(OFFER_TEXTS),
                    created_on=interaction.occurred_on,
                    given_on=min(today, interaction.occurred_on + timedelta(days=9)) if n == 0 else None,
                )
            )
    Offer.objects.bulk_create(offers)


@transaction.atomic
def demo_network_create(
    *,
    username: str,
    contacts: int,
    interactions: int,
    seed: int,
    today: date,
    timezone_name: str = DEMO_TIMEZONE,
    batch_size: int = 2000,
) -> DemoResult:
    """Create (or extend) `username`'s demo network as of `today`; returns what was made.

    The user is created with DEMO_PASSWORD when missing. Then the reminder engine
    computes every contact's schedule, warmth and reconnect rank, and the reminder
    job runs for the user as of `today` (its reminders and today's focus).
    """
    rng = random.Random(seed)
    user, created_user = _demo_user(username, timezone_name)
    profile = user.profile
    tz = profile_zone(profile.timezone)
    tags = {}
    for name, cadence in DEMO_TAGS:
        tags[name], _ = Tag.objects.get_or_create(
            owner=user, name=name, defaults={"checkin_cadence_months": cadence}
        )
    setup = _Setup(
        owner=user,
        today=today,
        tz=tz,
        import_on=today - timedelta(days=rng.randint(35, 70)),
        strong_cadence=profile.strong_cadence_months,
        weak_cadence=profile.weak_cadence_months,
        tag_cadences={name: tag.checkin_cadence_months for name, tag in tags.items()},
    )
    people = _plan_network(contacts, setup, rng)
    _create_contacts(people, tags, rng, tz, batch_size)
    made = _create_interactions(
        owner=user, people=people, count=interactions, rng=rng, today=today, tz=tz, batch_size=batch_size
    )
    _create_closed_check_ins(owner=user, people=people, rng=rng, tz=tz, batch_size=batch_size)
    for person in people:
        if person.job_change is not None:
            old_company, old_title, old_started_on = person.job_change
            reminder_services.contact_role_changed(
                contact=person.contact,
                old_company=old_company,
                old_title=old_title,
                old_started_on=old_started_on,
                today=person.contact.started_on,
            )
    _create_goals_and_offers(owner=user, today=today, rng=rng)
    now = _moment_on(today, tz)
    reminder_services.contacts_schedule_refresh(contact_ids=[p.contact.pk for p in people], now=now)
    reminder_services.reminders_generate(today=today, user_ids=[user.pk], now=now)
    active = Reminder.objects.active(today).filter(owner=user).count()
    return DemoResult(
        user=user, created_user=created_user, contacts=len(people), interactions=made, reminders=active
    )
