"""network_insights on a small known network: every figure by hand.

Alice (Europe/Berlin, default cadences: strong 3 months, weak 6) on Wednesday 17 June 2026:

| who | tie    | relationship | network     | industry          | company  | warmth | cadence            |
|-----|--------|--------------|-------------|-------------------|----------|--------|--------------------|
| Ada | strong | mentor       | strategic   | Venture Capital   | Seedcamp | 80 hot | own 1              |
| Ben | strong | peer         | operational | " Venture Capital"| Seedcamp | 50 warm| tag investors 1    |
| Cai | strong | alumni       | personal    | Software          | Acme     | 30 cool| strong default 3   |
| Dee | weak   | peer         | operational | Venture Capital   | acme     | 10 cold| weak default 6     |
| Eve | weak   | recruiter    | strategic   | —                 | —        | 0      | own 0 (never)      |
| Fay | weak   | other        | operational | Health            | Mercy    | 0      | own 24             |
| Hal | weak   | other        | operational | —                 | —        | 0      | tags 1 and 0 → 0   |
Gus is archived (strong, VC): counted nowhere but "new contacts per month" and the
interaction totals. Bob's network is counted nowhere.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.models import CONNECTED_SUMMARY, Contact, Offer
from contacts.tests.factories import make_contact, make_interaction, make_tag, make_user
from insights.selectors import network_insights

pytestmark = pytest.mark.django_db

T = date(2026, 6, 17)  # a Wednesday; its week starts on Monday 15 June


def days(n: int) -> date:
    return T - timedelta(days=n)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def settle_last_interactions(owner) -> None:
    """What interaction_create keeps on each contact: the date of its latest interaction."""
    for contact in Contact.objects.filter(owner=owner):
        last = contact.interactions.order_by("-occurred_on").values_list("occurred_on", flat=True).first()
        Contact.objects.filter(pk=contact.pk).update(last_interaction_on=last)


@pytest.fixture
def network():
    alice = make_user("alice", tz="Europe/Berlin")
    investors = make_tag(owner=alice, name="investors", checkin_cadence_months=1)
    paused = make_tag(owner=alice, name="paused", checkin_cadence_months=0)
    make_tag(owner=alice, name="plain")  # no cadence: ignored
    c = {}
    c["ada"] = make_contact(
        owner=alice, first_name="Ada", last_name="A", tie_strength="strong", relationship="mentor",
        network="strategic", industry="Venture Capital", company="Seedcamp", warmth=80,
        checkin_cadence_months=1, created_at=utc(2026, 6, 1, 10),
    )  # fmt: skip
    c["ben"] = make_contact(
        owner=alice, first_name="Ben", last_name="B", tie_strength="strong", relationship="peer",
        network="operational", industry=" Venture Capital", company="Seedcamp ", warmth=50,
        tags=[investors], created_at=utc(2026, 5, 31, 23, 30),  # 1 June, 01:30 in Berlin
    )  # fmt: skip
    c["cai"] = make_contact(
        owner=alice, first_name="Cai", last_name="C", tie_strength="strong", relationship="alumni",
        network="personal", industry="Software", company="Acme", warmth=30, created_at=utc(2026, 1, 15, 9),
    )  # fmt: skip
    c["dee"] = make_contact(
        owner=alice, first_name="Dee", last_name="D", tie_strength="weak", relationship="peer",
        network="operational", industry="Venture Capital", company="acme", warmth=10,
        created_at=utc(2025, 6, 30, 22, 30),  # 1 July 2025, 00:30 in Berlin: inside the 12 months
    )  # fmt: skip
    c["eve"] = make_contact(
        owner=alice, first_name="Eve", last_name="E", tie_strength="weak", relationship="recruiter",
        network="strategic", industry="", company="", checkin_cadence_months=0,
        created_at=utc(2025, 6, 30, 12),  # June 2025 in Berlin: before the 12 months
    )  # fmt: skip
    c["fay"] = make_contact(
        owner=alice, first_name="Fay", last_name="F", tie_strength="weak", relationship="other",
        network="operational", industry="Health", company="Mercy", checkin_cadence_months=24,
        created_at=utc(2026, 3, 3, 12),
    )  # fmt: skip
    c["hal"] = make_contact(
        owner=alice, first_name="Hal", last_name="H", tie_strength="weak", relationship="other",
        network="operational", industry="", company="", tags=[investors, paused], created_at=utc(2026, 3, 20, 12),
    )  # fmt: skip
    c["gus"] = make_contact(
        owner=alice, first_name="Gus", last_name="G", tie_strength="strong", industry="Venture Capital",
        company="Seedcamp", warmth=90, archived=True, checkin_cadence_months=1, created_at=utc(2026, 2, 10, 12),
    )  # fmt: skip
    make_interaction(contact=c["ada"], occurred_on=days(0), exchange="gave")
    make_interaction(contacts=[c["ada"], c["ben"]], occurred_on=days(3), kind="meeting", exchange="asked")
    make_interaction(contact=c["ben"], occurred_on=days(10), kind="call", exchange="asked")
    make_interaction(contact=c["cai"], occurred_on=days(100), exchange="asked")  # before the 90 days
    make_interaction(contact=c["cai"], occurred_on=days(40), exchange="mutual")
    make_interaction(contact=c["dee"], occurred_on=days(400))  # before the 52 weeks
    make_interaction(contact=c["dee"], occurred_on=days(30), kind="email", exchange="asked")
    make_interaction(contact=c["dee"], occurred_on=days(5), kind="message")  # thanked
    make_interaction(contact=c["eve"], occurred_on=days(20), kind="other", summary=CONNECTED_SUMMARY)
    make_interaction(contact=c["fay"], occurred_on=days(89), exchange="gave")  # first day of the 90
    make_interaction(contact=c["gus"], occurred_on=days(2), exchange="asked")
    settle_last_interactions(alice)
    Offer.objects.create(owner=alice, contact=c["cai"], text="intro to a designer", created_on=days(5))
    Offer.objects.create(
        owner=alice, contact=c["ada"], text="review her deck", created_on=days(9), given_on=days(1)
    )
    Offer.objects.create(owner=alice, contact=c["gus"], text="an article", created_on=days(9))

    bob = make_user("bob", tz="UTC")
    for n in range(3):
        other = make_contact(
            owner=bob, tie_strength="strong", industry="Venture Capital", company="Seedcamp",
            checkin_cadence_months=1, warmth=10,
        )  # fmt: skip
        make_interaction(contact=other, occurred_on=days(n), exchange="asked")
        Offer.objects.create(owner=bob, contact=other, text="bob's", created_on=days(1))
    settle_last_interactions(bob)
    return alice, c


def rows(items, *keys):
    return [tuple(item[k] for k in keys) for item in items]


def test_tie_mix(network):
    alice, _ = network
    data = network_insights(owner=alice, today=T)
    assert data["contacts"] == 7
    # 3 strong of 7 = 43 %, 4 weak = 57 %
    assert rows(data["ties"]["strength"], "key", "count", "percent") == [("weak", 4, 57), ("strong", 3, 43)]
    assert {r["key"]: r["count"] for r in data["ties"]["relationship"]} == {
        "colleague": 0, "mentor": 1, "mentee": 0, "peer": 2, "manager": 0, "report": 0,
        "alumni": 1, "friend_family": 0, "client": 0, "recruiter": 1, "other": 2,
    }  # fmt: skip
    assert rows(data["ties"]["network"], "key", "count") == [
        ("strategic", 2),
        ("operational", 4),
        ("personal", 1),
    ]


def test_diversity_of_industries_and_companies(network):
    alice, _ = network
    d = network_insights(owner=alice, today=T)["diversity"]
    industry = d["industry"]
    # Known industries: Venture Capital 3 (Ada, Ben's with a space, Dee), Software 1, Health 1: 5 of 7.
    # Blau = 1 − (3/5)² − (1/5)² − (1/5)² = 1 − 0.36 − 0.04 − 0.04 = 0.56
    # effective groups = 1 / 0.44 = 2.27… → 2.3
    assert industry["index"] == 0.56
    assert industry["effective"] == 2.3
    assert (industry["known"], industry["unknown"], industry["groups"]) == (5, 2, 3)
    assert rows(industry["top"], "label", "count", "percent") == [
        ("Venture Capital", 3, 60),
        ("Health", 1, 20),
        ("Software", 1, 20),
    ]
    assert industry["hint"] == ""  # 60 % but only 5 known: too few to call it an echo chamber
    company = d["company"]
    # Companies, case and spaces aside: Seedcamp 2, Acme 2 (Acme, acme), Mercy 1: 5 known.
    # Blau = 1 − 0.4² − 0.4² − 0.2² = 1 − 0.16 − 0.16 − 0.04 = 0.64; effective = 1 / 0.36 = 2.78 → 2.8
    assert company["index"] == 0.64
    assert company["effective"] == 2.8
    # "Acme" and "acme" once each: the group takes the first spelling in order, "Acme".
    assert rows(company["top"], "label", "count") == [("Acme", 2), ("Seedcamp", 2), ("Mercy", 1)]
    assert (d["threshold_percent"], d["min_known"]) == (50, 10)


def test_echo_chamber_hint_with_enough_known():
    alice = make_user("alice")
    for n in range(12):
        make_contact(owner=alice, industry="Venture capital" if n < 8 else f"Field {n}", company=f"Co {n}")
    make_contact(owner=alice, industry="")
    d = network_insights(owner=alice, today=T)["diversity"]
    # 8 of the 12 with an industry: 67 %, above 50 %.
    assert d["industry"]["hint"] == (
        "67% of your contacts (of the 12 whose industry you noted) work in Venture capital — meet people outside it."
    )
    # Blau = 1 − (8/12)² − 4 × (1/12)² = 1 − 64/144 − 4/144 = 76/144 = 0.5277… → 0.528
    assert d["industry"]["index"] == 0.528
    assert d["company"]["hint"] == ""  # 12 different companies


def test_activity(network):
    alice, _ = network
    a = network_insights(owner=alice, today=T)["activity"]
    weeks = a["weeks"]
    assert len(weeks) == 52
    assert (weeks[0]["week"], weeks[-1]["week"]) == ("2025-06-23", "2026-06-15")
    # Interactions by the Monday of their week; the one 400 days ago is left out; the
    # meeting with Ada and Ben counts once; Eve's LinkedIn connection counts (logged).
    assert {w["week"]: w["count"] for w in weeks if w["count"]} == {
        "2026-06-15": 2,  # Ada today, Gus (archived) on the 15th
        "2026-06-08": 2,  # Ada + Ben on the 14th, Dee on the 12th
        "2026-06-01": 1,  # Ben on the 7th
        "2026-05-25": 1,  # Eve: connected on LinkedIn on the 28th
        "2026-05-18": 1,  # Dee's email on the 18th
        "2026-05-04": 1,  # Cai on 8 May
        "2026-03-16": 1,  # Fay on 20 March
        "2026-03-09": 1,  # Cai on 9 March
    }
    months = a["months"]
    assert [m["month"] for m in months][:2] == ["2025-07", "2025-08"] and months[-1]["month"] == "2026-06"
    # Months in Berlin: Ben's 23:30 UTC on 31 May is 1 June; Dee's 22:30 UTC on 30 June 2025 is July.
    assert {m["month"]: m["count"] for m in months if m["count"]} == {
        "2025-07": 1,  # Dee
        "2026-01": 1,  # Cai
        "2026-02": 1,  # Gus, archived since
        "2026-03": 2,  # Fay, Hal
        "2026-06": 2,  # Ada, Ben
    }
    strong = a["strong_ties"]
    assert rows(strong["bands"], "band", "count") == [("hot", 1), ("warm", 1), ("cool", 1), ("cold", 0)]
    assert (strong["warm"], strong["cooling"]) == (2, 1)
    assert strong["bands"][2]["url"] == "/contacts/?tie_strength=strong&warmth=cool"


def test_reciprocity_and_who_to_help(network):
    alice, c = network
    r = network_insights(owner=alice, today=T)["reciprocity"]
    # In the 90 days (20 March – 17 June): gave: Ada today, Fay on 20 March; asked: the
    # meeting, Ben's call, Dee's email, Gus's (archived: still something you asked);
    # mutual: Cai. Cai's "asked" 100 days ago is out.
    assert (r["gave"], r["asked"], r["mutual"]) == (2, 4, 1)
    assert r["since"] == "2026-03-20"
    assert r["hint"] == "You asked 4 times and gave 2 times in 90 days: time to give back."
    # Cai: an open offer. Ben: helped on 14 June, nothing since, asked twice.
    # Dee: asked once, gave nothing, thanked since (a message on the 12th).
    # Ada: asked once, gave once, talked since: not listed. Gus: archived.
    assert [(p["name"], p["reasons"]) for p in r["help"]] == [
        ("Cai C", ["you offered: “intro to a designer”"]),
        (
            "Ben B",
            ["helped you on 14 Jun; not heard from you since", "you asked twice and have not given yet"],
        ),
        ("Dee D", ["you asked once and have not given yet"]),
    ]
    assert r["help"][0]["url"] == f"/contacts/{c['cai'].pk}/"
    assert r["help_total"] == 3


def test_circles_and_their_links(network, client):
    alice, c = network
    circles = network_insights(owner=alice, today=T)["circles"]
    # Effective cadences: Ada 1 (own), Ben 1 (tag), Cai 3 (strong default), Dee 6 (weak
    # default), Fay 24 (own), Eve 0 (own), Hal 0 (tags 1 and 0: the shortest, 0, wins).
    assert rows(circles["layers"], "key", "count", "dunbar", "overflow") == [
        ("monthly", 2, 15, False),
        ("quarterly", 3, 50, False),
        ("yearly", 4, 150, False),
    ]
    assert (circles["beyond_yearly"], circles["never"]) == (1, 2)
    assert all(layer["hint"] == "" for layer in circles["layers"])
    # Each layer's link lists exactly its people.
    client.force_login(alice)
    expected = {1: {"ada", "ben"}, 3: {"ada", "ben", "cai"}, 12: {"ada", "ben", "cai", "dee"}}
    for layer in circles["layers"]:
        page = client.get(layer["url"]).context["page"]
        assert {x.pk for x in page.object_list} == {c[name].pk for name in expected[layer["max_months"]]}


def test_an_overflowing_layer_says_so_and_links_to_exactly_those_people(client):
    alice = make_user("alice", strong_cadence_months=1)
    monthly = [make_contact(owner=alice, tie_strength="strong") for _ in range(16)]
    make_contact(owner=alice, tie_strength="weak")  # 6 months: yearly layer only
    layer = network_insights(owner=alice, today=T)["circles"]["layers"][0]
    assert layer["count"] == 16 and layer["overflow"]
    assert layer["hint"] == (
        "16 people on a monthly cadence — people keep about 15 that close; which of them are really strong ties?"
    )
    client.force_login(alice)
    page = client.get(layer["url"]).context["page"]
    assert {x.pk for x in page.object_list} == {x.pk for x in monthly}


def test_an_empty_account_has_zeros_and_no_hints():
    alice = make_user("alice")
    data = network_insights(owner=alice, today=T)
    assert data["contacts"] == 0
    assert all(r["count"] == 0 and r["percent"] == 0 for r in data["ties"]["strength"])
    for field in ("industry", "company"):
        d = data["diversity"][field]
        assert (d["index"], d["effective"], d["known"], d["top"], d["hint"]) == (0.0, 0.0, 0, [], "")
    assert sum(w["count"] for w in data["activity"]["weeks"]) == 0
    assert data["activity"]["strong_ties"]["warm"] == data["activity"]["strong_ties"]["cooling"] == 0
    r = data["reciprocity"]
    assert (r["gave"], r["asked"], r["mutual"], r["help"], r["help_total"], r["hint"]) == (0, 0, 0, [], 0, "")
    assert [layer["count"] for layer in data["circles"]["layers"]] == [0, 0, 0]


def test_one_contact_is_not_a_division_by_zero():
    alice = make_user("alice")
    make_contact(owner=alice, industry="Law", company="Firm")
    data = network_insights(owner=alice, today=T)
    assert data["diversity"]["industry"]["index"] == 0.0
    assert data["diversity"]["industry"]["effective"] == 1.0
    assert data["ties"]["strength"][0]["percent"] == 100


def test_bobs_view_counts_only_bobs_network(network):
    bob = User.objects.get(username="bob")
    data = network_insights(owner=bob, today=T)
    assert data["contacts"] == 3
    assert (data["reciprocity"]["asked"], data["reciprocity"]["gave"]) == (3, 0)
    # All three have an open offer and owe thanks: the longest waiting (asked 2 days ago) first.
    assert [p["reasons"][0] for p in data["reciprocity"]["help"]] == [
        "helped you on 15 Jun; not heard from you since",
        "helped you on 16 Jun; not heard from you since",
        "helped you on 17 Jun; not heard from you since",
    ]
    assert data["reciprocity"]["help_total"] == 3
    assert data["circles"]["layers"][0]["count"] == 3
    assert data["diversity"]["industry"]["known"] == 3


def _grow(owner, start: int, n: int) -> None:
    tag = make_tag(owner=owner, checkin_cadence_months=2)
    for i in range(start, start + n):
        contact = make_contact(
            owner=owner, industry=f"Industry {i % 7}", company=f"Company {i}",
            tie_strength="strong" if i % 3 else "weak", warmth=i % 100,
            tags=[tag] if i % 4 == 0 else [],
        )  # fmt: skip
        make_interaction(contact=contact, occurred_on=days(i % 120), exchange=("asked", "gave", None)[i % 3])
        if i % 5 == 0:
            Offer.objects.create(owner=owner, contact=contact, text=f"offer {i}", created_on=days(1))
    settle_last_interactions(owner)


def _queries(owner_id: int) -> int:
    owner = User.objects.get(pk=owner_id)  # a fresh user: the profile is read as in a request
    with CaptureQueriesContext(connection) as ctx:
        network_insights(owner=owner, today=T)
    return len(ctx.captured_queries)


def test_query_count_is_constant_in_the_number_of_contacts():
    alice = make_user("alice")
    _grow(alice, 0, 5)
    small = _queries(alice.pk)
    _grow(alice, 5, 60)
    large = _queries(alice.pk)
    assert small == large == 10, [small, large]


def test_who_to_help_shows_the_largest_debts_first_and_counts_everyone():
    alice = make_user("alice")
    people = [make_contact(owner=alice, first_name=f"P{n:02d}", last_name="") for n in range(12)]
    for n, person in enumerate(people):
        make_interaction(contact=person, occurred_on=days(20 + n), exchange="asked")
        make_interaction(contact=person, occurred_on=days(1))  # thanked since
    for _ in range(3):  # P11 was asked four times in all
        make_interaction(contact=people[11], occurred_on=days(50), exchange="asked")
    settle_last_interactions(alice)
    r = network_insights(owner=alice, today=T)["reciprocity"]
    assert r["help_total"] == 12
    # P11 first (asked 4 times); then, one ask each, the longest waiting first: P10 (30 days) … P02.
    assert [p["name"] for p in r["help"]] == ["P11", *(f"P{n:02d}" for n in range(10, 1, -1))]
    assert r["help"][0]["reasons"] == ["you asked 4 times and have not given yet"]


@pytest.mark.parametrize("strong, weak", [(3, 6), (1, 0), (0, 12)])
def test_the_contact_list_filter_selects_each_layer_as_the_rule_counts_it(strong, weak):
    """The ?cadence_within= filter (SQL) and the layers (reminders.rules.cadence_months per
    group) agree, whatever the mix of own cadences, tag cadences and profile defaults."""
    import random

    from contacts.selectors import ContactFilters, contact_queryset
    from reminders import rules as reminder_rules

    rnd = random.Random(f"{strong}-{weak}")
    alice = make_user("alice", strong_cadence_months=strong, weak_cadence_months=weak)
    tags = [make_tag(owner=alice, checkin_cadence_months=m) for m in (None, 0, 1, 2, 3, 12, 24)]
    expected: dict[int, int] = {}
    for _ in range(60):
        own = rnd.choice([None, None, None, 0, 1, 2, 3, 6, 12, 13, 24])
        tie = rnd.choice(["strong", "weak"])
        mine = rnd.sample(tags, rnd.choice([0, 0, 1, 2]))
        make_contact(owner=alice, checkin_cadence_months=own, tie_strength=tie, tags=mine)
        months = reminder_rules.cadence_months(
            contact_cadence=own,
            tag_cadences=[t.checkin_cadence_months for t in mine],
            default=reminder_rules.default_cadence(tie, strong=strong, weak=weak),
        )
        expected[months] = expected.get(months, 0) + 1
    make_contact(owner=alice, checkin_cadence_months=1, archived=True)  # archived: in no layer
    layers = network_insights(owner=User.objects.get(pk=alice.pk), today=T)["circles"]["layers"]
    for layer in layers:
        want = sum(n for months, n in expected.items() if 1 <= months <= layer["max_months"])
        assert layer["count"] == want
        filtered = contact_queryset(owner=alice, filters=ContactFilters(cadence_within=layer["max_months"]))
        assert filtered.count() == want, layer["key"]


def test_industries_fold_case_beyond_ascii_and_take_the_commonest_spelling():
    alice = make_user("alice")
    for industry in ("Öl und Gas", "ÖL UND GAS", "öl und gas ", "ÖL UND GAS", "Law"):
        make_contact(owner=alice, industry=industry)
    d = network_insights(owner=alice, today=T)["diversity"]["industry"]
    assert rows(d["top"], "label", "count") == [("ÖL UND GAS", 4), ("Law", 1)]
    # 4 / 1 of 5: 1 − 0.8² − 0.2² = 1 − 0.64 − 0.04 = 0.32
    assert d["index"] == 0.32
