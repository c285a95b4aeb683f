"""The insights page's numbers: one selector, `network_insights`, read by the page and
served as JSON at /insights/data.json.

Every figure is a GROUP BY or a conditional COUNT in the database, so the cost is a
fixed number of queries (pinned by the tests) whatever the size of the network; Python
only walks the grouped rows (a few dozen: kinds, weeks, months, cadence combinations,
industries) and the few people of "Who can I help this week?".

Scope: the owner's active (not archived) contacts, except "new contacts per month",
which counts every contact by the month it was added, and the interaction counts
(per week, gave/asked), which count everything the owner logged.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    IntegerField,
    Q,
    Value,
    When,
)
from django.urls import reverse

from contacts.models import (
    Contact,
    Exchange,
    Interaction,
    Network,
    Offer,
    Relationship,
    Tag,
    TieStrength,
)
from crm.models import profile_zone
from reminders import rules as reminder_rules
from reminders.warmth import BAND_LABELS, BANDS, band_range

from . import rules

WEEKS = 52
MONTHS = 12
RECIPROCITY_DAYS = 90
HELP_LIMIT = 10  # people shown under "Who can I help this week?"
OFFER_LIMIT = 50  # open offers read (oldest first) for that list
TOP_GROUPS = 8  # industries / companies charted one by one; the rest as "others"
WARM_BANDS = ("hot", "warm")  # a strong tie in these bands is warm; in the others, cooling

TagThrough = Contact.tags.through
InteractionContact = Interaction.contacts.through


def _rows(choices, counts: dict[str, int], total: int) -> list[dict]:
    """One row per choice, in the choices' order, zeros included."""
    return [
        {
            "key": key,
            "label": str(label),
            "count": counts.get(key, 0),
            "percent": rules.percent(counts.get(key, 0), total),
        }
        for key, label in choices
    ]


def _active_groups(owner: User) -> list[dict]:
    """The owner's active contacts grouped by every column the tie figures and the circles
    read: tie strength, relationship, network, a strong tie's warmth band
    (reminders.warmth.BANDS), own cadence and shortest tag cadence. One scan of the
    contacts for both (a few hundred groups at most: each key has a handful of values).

    Each strong tie's warmth band is a group key (one CASE a row), not a conditional
    COUNT per band (every one evaluated on every row). The shortest tag cadence is a CASE
    over the owner's few distinct tag cadences, shortest first, each an uncorrelated
    IN (subquery) that the database reads once, rather than a correlated MIN per contact
    (10,000 sub-plans on PostgreSQL).
    """
    strong = Q(tie_strength=TieStrength.STRONG)
    band = Case(
        *(When(strong & Q(warmth__range=band_range(name)), then=Value(name)) for name, _low in BANDS),
        default=Value(""),
        output_field=CharField(),
    )
    values = sorted(
        set(
            Tag.objects.filter(owner=owner, checkin_cadence_months__isnull=False).values_list(
                "checkin_cadence_months", flat=True
            )
        )
    )
    whens = [
        When(
            pk__in=TagThrough.objects.filter(tag__owner=owner, tag__checkin_cadence_months=months).values(
                "contact_id"
            ),
            then=Value(months),
        )
        for months in values
    ]
    tag_min = (
        Case(*whens, default=Value(None), output_field=IntegerField())
        if whens
        else Value(None, IntegerField())
    )
    return list(
        Contact.objects.filter(owner=owner, archived=False)
        .annotate(band=band, tag_min=tag_min)
        .values("tie_strength", "relationship", "network", "band", "checkin_cadence_months", "tag_min")
        .annotate(n=Count("id"))
        .order_by()
    )


def _contact_counts(owner: User, today: date, groups: list[dict]) -> dict:
    """The figures that count contacts by their own columns: the tie mix and the strong
    ties' warmth from the active contacts' `groups` (`_active_groups`); and every contact
    added in each of the last MONTHS calendar months, one conditional COUNT per month
    between local midnights in the owner's time zone (no conversion per row; the
    (owner, created_at) index reads only the last months). Not in the groups' query:
    SQLite evaluates every conditional COUNT on every row (49 ms against 28 ms).
    """
    zone = profile_zone(owner.profile.timezone)
    first = today.replace(day=1) - relativedelta(months=MONTHS - 1)
    starts = [first + relativedelta(months=n) for n in range(MONTHS + 1)]
    bounds = [datetime.combine(day, time.min, tzinfo=zone) for day in starts]
    strength: dict[str, int] = defaultdict(int)
    kinds: dict[str, int] = defaultdict(int)
    networks: dict[str, int] = defaultdict(int)
    warmth: dict[str, int] = defaultdict(int)
    for row in groups:
        strength[row["tie_strength"]] += row["n"]
        kinds[row["relationship"]] += row["n"]
        networks[row["network"]] += row["n"]
        if row["band"]:
            warmth[row["band"]] += row["n"]
    added = Contact.objects.filter(
        owner=owner, created_at__gte=bounds[0], created_at__lt=bounds[-1]
    ).aggregate(
        **{
            f"m{n}": Count("id", filter=Q(created_at__gte=bounds[n], created_at__lt=bounds[n + 1]))
            for n in range(MONTHS)
        }
    )
    total = sum(strength.values())
    list_url = reverse("contacts:list")
    strong_bands = [
        {
            "band": name,
            "label": BAND_LABELS[name],
            "count": warmth[name],
            "warm": name in WARM_BANDS,
            "url": f"{list_url}?tie_strength=strong&warmth={name}",
        }
        for name, _low in BANDS
    ]
    return {
        "total": total,
        "ties": {
            "strength": _rows(TieStrength.choices, strength, total),
            "relationship": _rows(Relationship.choices, kinds, total),
            "network": _rows(Network.choices, networks, total),
        },
        "strong_ties": {
            "bands": strong_bands,
            "warm": sum(b["count"] for b in strong_bands if b["warm"]),
            "cooling": sum(b["count"] for b in strong_bands if not b["warm"]),
        },
        "months": [
            {"month": m.strftime("%Y-%m"), "label": m.strftime("%b %Y"), "count": added[f"m{n}"]}
            for n, m in enumerate(starts[:-1])
        ],
    }


def _industries_and_companies(owner: User) -> list[tuple[str, str, int]]:
    """(industry, company, active contacts) for each pair the owner's contacts hold: one
    scan for both diversity figures. A company is mostly in one industry, so there are
    about as many pairs as companies, the rows a company GROUP BY alone would give."""
    return list(
        Contact.objects.filter(owner=owner, archived=False)
        .values("industry", "company")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("industry", "company", "n")
    )


def _diversity(pairs: list[tuple[str, str, int]], field: str, total: int) -> dict:
    """Groups of `field` (case and surrounding spaces aside), the Blau index and the echo hint.

    The database groups the exact spellings (a GROUP BY on the bare columns, `pairs`: no
    function per row); the spellings (a handful of industries, at most one per company)
    are folded here with str.casefold, the same on both databases (SQLite's LOWER folds
    ASCII only). A group is named by its most common spelling; a blank value is unknown.
    """
    column = 0 if field == "industry" else 1
    spellings: dict[str, dict[str, int]] = defaultdict(dict)
    for row in pairs:
        value, n = row[column], row[2]
        label = value.strip()
        if label:
            forms = spellings[label.casefold()]
            forms[label] = forms.get(label, 0) + n
    groups = sorted(
        (
            {"label": min(forms.items(), key=lambda item: (-item[1], item[0]))[0], "n": sum(forms.values())}
            for forms in spellings.values()
        ),
        key=lambda row: (-row["n"], row["label"].casefold(), row["label"]),
    )
    counts = {row["label"]: row["n"] for row in groups}
    known = sum(counts.values())
    top = [
        {"label": row["label"], "count": row["n"], "percent": rules.percent(row["n"], known)}
        for row in groups[:TOP_GROUPS]
    ]
    rest = groups[TOP_GROUPS:]
    if rest:
        others = sum(row["n"] for row in rest)
        top.append(
            {
                "label": f"{len(rest)} others",
                "count": others,
                "percent": rules.percent(others, known),
                "others": True,
            }
        )
    echo = rules.echo_chamber(counts)
    return {
        "index": round(rules.blau_index(counts.values()), 3),
        "effective": round(rules.effective_groups(counts.values()), 1),
        "groups": len(groups),
        "known": known,
        "unknown": total - known,
        "top": top,
        "hint": rules.echo_hint(echo, field=field, total=total),
    }


def _cadences(owner: User, groups: list[dict]) -> dict[int, int]:
    """{effective check-in cadence in months: active contacts on it}, from the active
    contacts' `groups` (own cadence, tie strength, shortest tag cadence among their keys):
    the precedence rule itself (reminders.rules.cadence_months) runs once per group, not
    per contact."""
    profile = owner.profile
    found: dict[int, int] = defaultdict(int)
    for row in groups:
        months = reminder_rules.cadence_months(
            contact_cadence=row["checkin_cadence_months"],
            tag_cadences=[] if row["tag_min"] is None else [row["tag_min"]],
            default=reminder_rules.default_cadence(
                row["tie_strength"], strong=profile.strong_cadence_months, weak=profile.weak_cadence_months
            ),
        )
        found[months] += row["n"]
    return found


def _circles(owner: User, groups: list[dict]) -> dict:
    by_cadence = _cadences(owner, groups)
    list_url = reverse("contacts:list")
    layers = []
    for layer, count in rules.layer_counts(by_cadence):
        layers.append(
            {
                "key": layer.key,
                "label": layer.label,
                "max_months": layer.max_months,
                "dunbar": layer.dunbar,
                "count": count,
                "overflow": count > layer.dunbar,
                "hint": rules.layer_hint(layer, count),
                "url": f"{list_url}?cadence_within={layer.max_months}",
            }
        )
    return {
        "layers": layers,
        "beyond_yearly": sum(n for months, n in by_cadence.items() if months > rules.LAYERS[-1].max_months),
        "never": by_cadence.get(0, 0),
        "weekly_note": rules.WEEKLY_NOTE,
    }


def _weeks(owner: User, today: date) -> list[dict]:
    """Interactions per week, Monday to Sunday, the last WEEKS weeks.

    Grouped by day in the database, on the (owner, occurred_on) index alone (at most 364
    rows), then by week here: a week truncation is a Python function per row on SQLite
    (django_date_trunc), 1.5 s for 70,000 interactions. Everything logged counts, a
    LinkedIn connection on the day it was made included: leaving those out would read
    every row of the year from the table (10× the cost) for a few rows.
    """
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=WEEKS - 1)
    counts: dict[date, int] = defaultdict(int)
    for day, n in (
        Interaction.objects.filter(owner=owner, occurred_on__gte=first, occurred_on__lte=today)
        .values("occurred_on")
        .annotate(n=Count("*"))
        .order_by()
        .values_list("occurred_on", "n")
    ):
        counts[day - timedelta(days=day.weekday())] += n
    weeks = [first + timedelta(weeks=n) for n in range(WEEKS)]
    return [{"week": monday.isoformat(), "count": counts.get(monday, 0)} for monday in weeks]


def _name(first: str, last: str) -> str:
    return f"{first} {last}".strip()


def _reciprocity(owner: User, today: date) -> dict:
    since = today - timedelta(days=RECIPROCITY_DAYS - 1)  # the last 90 days, today included
    window = Q(occurred_on__gte=since, occurred_on__lte=today)
    totals = {
        row["exchange"]: row["n"]
        for row in Interaction.objects.filter(window, owner=owner, exchange__isnull=False)
        .values("exchange")
        .annotate(n=Count("*"))
        .order_by()
    }
    gave, asked, mutual = (totals.get(kind, 0) for kind in (Exchange.GAVE, Exchange.ASKED, Exchange.MUTUAL))
    if asked > gave:
        hint = f"You asked {asked} times and gave {gave} times in {RECIPROCITY_DAYS} days: time to give back."
    elif gave or asked:
        hint = f"You gave {gave} times and asked {asked} times in {RECIPROCITY_DAYS} days."
    else:
        hint = ""
    help_rows, help_total = _help(owner, today, since)
    return {
        "days": RECIPROCITY_DAYS,
        "since": since.isoformat(),
        "gave": gave,
        "asked": asked,
        "mutual": mutual,
        "hint": hint,
        "help": help_rows,
        "help_total": help_total,
    }


def _help(owner: User, today: date, since: date) -> tuple[list[dict], int]:
    """ "Who can I help this week?": people you asked more of than you gave in the window,
    people who helped you (an "asked" interaction) and have not heard from you since, and
    people you offered something to (an open Offer). At most HELP_LIMIT people: those with an
    open offer first, then the unthanked, then the others; within each, the largest imbalance
    (asked − gave), then the longest waiting. The database sorts the debts the same way, so
    reading the first HELP_LIMIT of them is enough, and counts them all in the same pass
    (COUNT(*) OVER (), after the GROUP BY), with how many of them have an open offer too."""
    open_offers = Offer.objects.filter(owner=owner, given_on__isnull=True, contact__archived=False)
    debts = _debts(owner, since=since, today=today)
    total_in_debt = debts[0]["total"] if debts else 0
    in_debt_with_offer = debts[0]["with_offer"] if debts else 0
    offers = list(
        open_offers.order_by("created_on", "id").values(
            "contact_id", "contact__first_name", "contact__last_name", "text", "created_on"
        )[:OFFER_LIMIT]
    )
    offer_people = open_offers.values("contact_id").distinct().count()
    people: dict[int, dict] = {}

    def person(contact_id: int, first: str, last: str) -> dict:
        if contact_id not in people:
            people[contact_id] = {
                "contact_id": contact_id,
                "name": _name(first, last),
                "url": reverse("contacts:detail", args=[contact_id]),
                "reasons": [],
                "offers": [],
                "_rank": (1, 1, 0, ""),
            }
        return people[contact_id]

    for offer in offers:
        entry = person(offer["contact_id"], offer["contact__first_name"], offer["contact__last_name"])
        entry["offers"].append(offer["text"])
        entry["_rank"] = (0, *entry["_rank"][1:])
    for row in debts:
        entry = person(row["contact_id"], row["contact__first_name"], row["contact__last_name"])
        unthanked = row["unthanked"] == 0  # the database's verdict (the CASE above)
        if unthanked:
            entry["reasons"].append(
                f"helped you on {row['last_asked_on'].day} {row['last_asked_on']:%b}; not heard from you since"
            )
        if row["asked"] > row["gave"]:
            gave = f"gave {_times(row['gave'])}" if row["gave"] else "have not given yet"
            entry["reasons"].append(f"you asked {_times(row['asked'])} and {gave}")
        entry["_rank"] = (
            entry["_rank"][0],
            0 if unthanked else 1,
            -(row["asked"] - row["gave"]),
            row["last_asked_on"].isoformat() if row["last_asked_on"] else "",
        )
    for entry in people.values():
        if entry["offers"]:
            entry["reasons"].append("you offered: " + "; ".join(f"“{text}”" for text in entry["offers"]))
    ranked = sorted(people.values(), key=lambda e: (e["_rank"], e["name"], e["contact_id"]))
    for entry in ranked:
        del entry["_rank"]
    return ranked[:HELP_LIMIT], total_in_debt + offer_people - in_debt_with_offer


def _debts(owner: User, *, since: date, today: date) -> list[dict]:
    """The first HELP_LIMIT people in debt (`_help`), each with `total` and `with_offer`:
    how many are in debt in all, and how many of those have an open offer.

    Raw SQL, to aggregate before joining: the window's exchanges are counted per person
    from two covering indexes (the partial (owner, occurred_on, exchange) one and the
    people's (interaction, contact) one), and only then is each person's row read, once,
    for the name and the last interaction; the ORM's GROUP BY would join every exchange
    to its person's row first (three times the time on 10,000 interactions).
    """
    ops = connection.ops
    interaction, through, contact, offer = (
        ops.quote_name(model._meta.db_table) for model in (Interaction, InteractionContact, Contact, Offer)
    )
    sql = f"""
        WITH agg AS (
            SELECT t.contact_id AS contact_id,
                   SUM(CASE WHEN i.exchange = %s THEN 1 ELSE 0 END) AS asked,
                   SUM(CASE WHEN i.exchange = %s THEN 1 ELSE 0 END) AS gave,
                   MAX(CASE WHEN i.exchange = %s THEN i.occurred_on END) AS last_asked
            FROM {interaction} i JOIN {through} t ON t.interaction_id = i.id
            WHERE i.owner_id = %s AND i.occurred_on >= %s AND i.occurred_on <= %s AND i.exchange IN (%s, %s)
            GROUP BY t.contact_id
        ), debts AS (
            SELECT agg.contact_id, c.first_name, c.last_name, agg.asked, agg.gave, agg.last_asked,
                   CASE WHEN agg.last_asked >= c.last_interaction_on THEN 0 ELSE 1 END AS unthanked
            FROM agg JOIN {contact} c ON c.id = agg.contact_id
            WHERE NOT c.archived AND (agg.asked > agg.gave OR agg.last_asked >= c.last_interaction_on)
        )
        SELECT contact_id, first_name, last_name, asked, gave, last_asked, unthanked,
               COUNT(*) OVER () AS total,
               SUM(CASE WHEN contact_id IN (
                   SELECT o.contact_id FROM {offer} o WHERE o.owner_id = %s AND o.given_on IS NULL
               ) THEN 1 ELSE 0 END) OVER () AS with_offer
        FROM debts
        ORDER BY unthanked, asked - gave DESC, last_asked, contact_id
        LIMIT %s
    """
    asked, gave = Exchange.ASKED.value, Exchange.GAVE.value
    day = ops.adapt_datefield_value
    params = [asked, gave, asked, owner.pk, day(since), day(today), asked, gave, owner.pk, HELP_LIMIT]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        {
            "contact_id": contact_id,
            "contact__first_name": first,
            "contact__last_name": last,
            "asked": n_asked,
            "gave": n_gave,
            "last_asked_on": _as_date(last_asked),
            "unthanked": unthanked,
            "total": total,
            "with_offer": with_offer,
        }
        for contact_id, first, last, n_asked, n_gave, last_asked, unthanked, total, with_offer in rows
    ]


def _as_date(value) -> date | None:
    """A raw-SQL date: text on SQLite, a date on PostgreSQL."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def network_insights(*, owner: User, today: date) -> dict:
    """Everything /insights/ shows, as plain JSON-ready values (see the module docstring).

    `today` is the owner's local date. An empty network gives zeros, empty lists and no
    hints (every share is guarded against an empty whole).
    """
    groups = _active_groups(owner)
    pairs = _industries_and_companies(owner)
    counts = _contact_counts(owner, today, groups)
    active = counts["total"]
    return {
        "today": today.isoformat(),
        "contacts": active,
        "ties": counts["ties"],
        "diversity": {
            "threshold_percent": round(100 * rules.ECHO_SHARE),
            "min_known": rules.MIN_KNOWN,
            "industry": _diversity(pairs, "industry", active),
            "company": _diversity(pairs, "company", active),
        },
        "activity": {
            "weeks": _weeks(owner, today),
            "months": counts["months"],
            "strong_ties": counts["strong_ties"],
        },
        "reciprocity": _reciprocity(owner, today),
        "circles": _circles(owner, groups),
    }
