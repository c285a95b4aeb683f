"""A realistic, deterministic demo network (seed_demo and the benchmark use it).

Everything comes from one random.Random(seed) and an explicit `today`, so the same
seed on the same day gives the same network. Rows are bulk-created; the reminder
engine is told once at the end.
"""

import itertools
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import transaction

from reminders import services as reminder_services

from .models import (
    Contact,
    ContactEmail,
    ContactLabel,
    ContactPhone,
    Exchange,
    Interaction,
    InteractionKind,
    Network,
    Relationship,
    Tag,
    TieStrength,
)

DEMO_PASSWORD = "keepwarm-demo"
DEMO_TIMEZONE = "Europe/London"

FIRST_NAMES = (
    "Amara Aisha Alejandro Ana Anika Arjun Astrid Ben Bianca Carlos Chen Chloe Dara Daniel Elena Emeka "
    "Emma Farah Felix Fatima Gabriel Grace Hana Hiro Ines Isaac Ivan Jamal Jana Javier Jin Julia Kai Kavya "
    "Kofi Lars Laura Layla Leo Lucia Malik Maria Mateo Maya Mei Mohammed Nadia Naomi Nikhil Noah Nora Olga "
    "Omar Priya Rafael Rania Ravi Rosa Sami Sara Sebastian Sofia Tariq Thomas Tomas Uma Valentina Wei Yara "
    "Yusuf Zara Zoe"
).split()
LAST_NAMES = (
    "Adeyemi Andersen Bauer Becker Bianchi Chen Costa Dubois Eriksson Fernandes Fischer Garcia Gupta Haddad "
    "Hansen Hoffmann Ibrahim Ito Jansen Kapoor Kim Kowalski Larsen Lee Lopez Martin Mehta Moreau Murphy "
    "Nakamura Nguyen Novak Okafor Olsen Park Patel Petrov Ramos Rossi Sato Schmidt Silva Singh Sokolov "
    "Tanaka Taylor Torres Van der Berg Wagner Walsh Wang Weber Williams Yilmaz Zhang"
).split()
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
# (name, cadence in months or None)
DEMO_TAGS = (
    ("investors", 1),
    ("alumni-mit", None),
    ("london", None),
    ("founders", 2),
    ("ex-northwind", None),
    ("hiring", None),
)


@dataclass(frozen=True)
class DemoResult:
    user: User
    created_user: bool
    contacts: int
    interactions: int


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _aware(day: date, tz: ZoneInfo, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 19), rng.choice((0, 15, 30, 45))), tzinfo=tz)


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def build_contacts(
    *, owner: User, count: int, rng: random.Random, today: date, tz: ZoneInfo
) -> list[Contact]:
    """Unsaved Contact rows: varied people, ~30% strong ties, a Feb 29 birthday."""
    contacts = []
    for n in range(count):
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        company, industry, _ = rng.choice(COMPANIES)
        relationship = _pick(rng, RELATIONSHIP_WEIGHTS)
        strong = rng.random() < 0.3 or relationship in (Relationship.MENTOR, Relationship.MANAGER)
        if rng.random() < 0.1 and n % 7 == 0:
            strong = False
        network = {
            Relationship.FRIEND_FAMILY: Network.PERSONAL,
            Relationship.MENTOR: Network.STRATEGIC,
            Relationship.CLIENT: Network.STRATEGIC,
        }.get(relationship) or rng.choice((Network.OPERATIONAL, Network.OPERATIONAL, Network.STRATEGIC))
        # Most contacts were added long ago; a few this month.
        age_days = rng.randint(3, 40) if rng.random() < 0.08 else rng.randint(400, 1100)
        contact = Contact(
            owner=owner,
            first_name=first,
            last_name=last,
            company=company,
            title=rng.choice(TITLES),
            industry=industry,
            location=rng.choice(LOCATIONS),
            linkedin_url=(
                f"https://www.linkedin.com/in/{_slug(first)}-{_slug(last)}-{rng.randint(1000, 9999)}"
                if rng.random() < 0.6
                else ""
            ),
            how_we_met=rng.choice(HOW_WE_MET),
            relationship=relationship,
            network=network,
            tie_strength=TieStrength.STRONG if strong else TieStrength.WEAK,
            checkin_cadence_months=rng.choice((None,) * 12 + (0, 2, 4)),
            notes=rng.choice(
                ("", "", "", "Prefers WhatsApp to email.", "Two kids; loves climbing.", "Vegetarian.")
            ),
            created_at=_aware(today - timedelta(days=age_days), tz, rng),
        )
        if n == 3:
            contact.birthday_month, contact.birthday_day = 2, 29  # the leap-day birthday
            contact.birthday_year = 1988 if rng.random() < 0.5 else None
        elif rng.random() < 0.7:
            contact.birthday_month = rng.randint(1, 12)
            contact.birthday_day = rng.randint(1, 28)
            contact.birthday_year = rng.randint(1960, 2000) if rng.random() < 0.5 else None
        if rng.random() < 0.65:
            contact.started_on = today - timedelta(days=rng.randint(60, 365 * 9))
        contacts.append(contact)
    return contacts


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
    """Create (or extend) `username`'s demo network; returns what was made.

    The user is created with DEMO_PASSWORD when missing. Interactions fall in the
    last two years and never before their contacts were added.
    """
    rng = random.Random(seed)
    user = User.objects.filter(username=username).first()
    created_user = user is None
    if user is None:
        user = User.objects.create_user(
            username=username, email=f"{username}@example.com", password=DEMO_PASSWORD
        )
        user.profile.timezone = timezone_name
        user.profile.save(update_fields=["timezone"])
    tz = ZoneInfo(user.profile.timezone or "UTC")

    tags = {}
    for name, cadence in DEMO_TAGS:
        tags[name], _ = Tag.objects.get_or_create(
            owner=user, name=name, defaults={"checkin_cadence_months": cadence}
        )

    people = Contact.objects.bulk_create(
        build_contacts(owner=user, count=contacts, rng=rng, today=today, tz=tz), batch_size=batch_size
    )
    emails, phones, tag_rows = [], [], []
    through = Contact.tags.through
    for contact in people:
        domain = next(d for c, _, d in COMPANIES if c == contact.company)
        local = f"{_slug(contact.first_name)}.{_slug(contact.last_name)}"
        emails.append(
            ContactEmail(contact=contact, value=f"{local}@{domain}.example.com", label=ContactLabel.WORK)
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
        chosen = set()
        if contact.industry in ("Venture capital", "Private equity") or rng.random() < 0.04:
            chosen.add("investors")
        if contact.relationship == Relationship.ALUMNI or rng.random() < 0.08:
            chosen.add("alumni-mit")
        if contact.location == "London":
            chosen.add("london")
        if contact.title == "Founder & CEO":
            chosen.add("founders")
        if (
            contact.company == "Northwind Analytics"
            or contact.relationship == Relationship.COLLEAGUE
            and rng.random() < 0.2
        ):
            chosen.add("ex-northwind")
        if contact.title in ("Head of Talent", "Technical Recruiter", "VP Engineering"):
            chosen.add("hiring")
        tag_rows += [through(contact_id=contact.pk, tag_id=tags[name].pk) for name in sorted(chosen)]
    ContactEmail.objects.bulk_create(emails, batch_size=batch_size)
    ContactPhone.objects.bulk_create(phones, batch_size=batch_size)
    through.objects.bulk_create(tag_rows, batch_size=batch_size)

    # A couple of introductions: later contacts introduced by earlier ones.
    for index in range(5, len(people), max(7, len(people) // 6)):
        introducer = people[rng.randrange(0, index)]
        Contact.objects.filter(pk=people[index].pk).update(introduced_by=introducer)

    made = _create_interactions(
        owner=user, people=people, count=interactions, rng=rng, today=today, tz=tz, batch_size=batch_size
    )
    reminder_services.contacts_schedule_refresh(contact_ids=[c.pk for c in people])
    return DemoResult(user=user, created_user=created_user, contacts=len(people), interactions=made)


def _create_interactions(
    *,
    owner: User,
    people: list[Contact],
    count: int,
    rng: random.Random,
    today: date,
    tz: ZoneInfo,
    batch_size: int,
) -> int:
    if not people or count <= 0:
        return 0
    # Strong ties are seen about three times as often as weak ones.
    weights = [3 if c.tie_strength == TieStrength.STRONG else 1 for c in people]
    # Cumulative once: choices(weights=...) would re-add 10,000 weights on every call.
    cum_weights = list(itertools.accumulate(weights))
    rows, members = [], []
    for _ in range(count):
        contact = rng.choices(people, cum_weights=cum_weights)[0]
        added = contact.created_at.astimezone(tz).date()
        earliest = max(added, today - timedelta(days=730))
        span = (today - earliest).days
        occurred = earliest + timedelta(days=int(span * rng.random() ** 0.8)) if span > 0 else today
        group = [contact]
        if rng.random() < 0.1:
            other = rng.choice(people)
            if other.pk != contact.pk and other.created_at.astimezone(tz).date() <= occurred:
                group.append(other)
        topic = rng.choice(TOPICS)
        exchange = rng.choices(
            [None, Exchange.GAVE, Exchange.ASKED, Exchange.MUTUAL], weights=[45, 25, 12, 18]
        )[0]
        follow_up = occurred + timedelta(days=rng.choice((2, 2, 7, 14))) if rng.random() < 0.1 else None
        rows.append(
            Interaction(
                owner=owner,
                occurred_on=occurred,
                kind=_pick(rng, KIND_WEIGHTS),
                summary=rng.choice(SUMMARIES).format(t=topic),
                topics=topic,
                exchange=exchange,
                follow_up_on=follow_up,
            )
        )
        members.append(group)
    created = Interaction.objects.bulk_create(rows, batch_size=batch_size)
    through = Interaction.contacts.through
    through.objects.bulk_create(
        [
            through(interaction_id=i.pk, contact_id=c.pk)
            for i, group in zip(created, members, strict=True)
            for c in group
        ],
        batch_size=batch_size,
    )
    return len(created)
