from datetime import date, timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts import selectors
from contacts.models import Contact, ContactEmail, Interaction, Tag
from contacts.selectors import ContactFilters
from contacts.tests.factories import make_contact, make_interaction, make_tag, make_user


def seed_contacts(owner, n: int) -> list[Contact]:
    """n contacts, each with an email, two tags and an interaction (bulk, for speed)."""
    tags = [Tag.objects.get_or_create(owner=owner, name=f"t{i}")[0] for i in range(3)]
    contacts = Contact.objects.bulk_create(
        [
            Contact(
                owner=owner,
                first_name=f"P{i:04d}",
                last_name="X",
                company="Acme",
                last_interaction_on=date(2026, 1, 1) - timedelta(days=i),
            )
            for i in range(n)
        ]
    )
    ContactEmail.objects.bulk_create(
        [ContactEmail(contact=c, value=f"p{c.pk}@example.org") for c in contacts]
    )
    through = Contact.tags.through
    through.objects.bulk_create([through(contact_id=c.pk, tag_id=t.pk) for c in contacts for t in tags[:2]])
    interactions = Interaction.objects.bulk_create(
        [Interaction(owner=owner, occurred_on=date(2025, 1, 1)) for _ in contacts]
    )
    Interaction.contacts.through.objects.bulk_create(
        [
            Interaction.contacts.through(interaction_id=i.pk, contact_id=c.pk)
            for i, c in zip(interactions, contacts, strict=True)
        ]
    )
    return contacts


@pytest.mark.parametrize("size", [10, 1000])
@pytest.mark.parametrize(
    "filters", [ContactFilters(), ContactFilters(q="acme", sort="-last")], ids=["all", "search"]
)
def test_contact_list_costs_four_queries_and_rendering_none(alice, size, filters, django_assert_num_queries):
    seed_contacts(alice, size)
    with django_assert_num_queries(4):  # count (or matching ids), rows, tags, emails
        page = selectors.contact_list(owner=alice, filters=filters)
    request = RequestFactory().get("/contacts/")
    request.user = alice
    with django_assert_num_queries(0):
        html = render_to_string(
            "contacts/_contact_table.html",
            {"page": page, "filters": ContactFilters(), "request": request},
        )
    assert len(page.object_list) == min(size, 50)
    assert "t0" in html and "@example.org" in html


def _page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_page_query_count_is_the_same_at_10_and_1000_contacts(
    alice_client, alice, bob, django_assert_num_queries
):
    seed_contacts(alice, 10)
    small = _page_queries(alice_client, reverse("contacts:list"))
    seed_contacts(alice, 990)
    with django_assert_num_queries(small):
        alice_client.get(reverse("contacts:list"))
    with django_assert_num_queries(small):
        alice_client.get(reverse("contacts:list") + "?q=p0&tag=1&sort=company&page=3")


def test_detail_page_query_count_is_the_same_at_10_and_1000_interactions(
    alice_client, alice, django_assert_num_queries
):
    contact = make_contact(owner=alice, emails=["a@example.org"], phones=["1"], tags=[make_tag(owner=alice)])
    friend = make_contact(owner=alice)

    def add(n):
        rows = Interaction.objects.bulk_create(
            [Interaction(owner=alice, occurred_on=date(2025, 1, 1)) for _ in range(n)]
        )
        Interaction.contacts.through.objects.bulk_create(
            [
                Interaction.contacts.through(interaction_id=i.pk, contact_id=pk)
                for i in rows
                for pk in (contact.pk, friend.pk)
            ]
        )

    add(10)
    small = _page_queries(alice_client, contact.get_absolute_url())
    add(990)
    with django_assert_num_queries(small):
        alice_client.get(contact.get_absolute_url())


def test_search_matches_every_word_across_fields(alice):
    london = make_tag(owner=alice, name="london")
    ada = make_contact(
        owner=alice, first_name="Ada", company="Engines", tags=[london], emails=["ada@calc.org"]
    )
    make_contact(owner=alice, first_name="Ada", company="Other")
    assert [
        c.pk for c in selectors.contact_list(owner=alice, filters=ContactFilters(q="ada lond")).object_list
    ] == [ada.pk]
    assert [
        c.pk for c in selectors.contact_list(owner=alice, filters=ContactFilters(q="CALC.org")).object_list
    ] == [ada.pk]


def test_search_with_two_matching_emails_lists_the_contact_once(alice):
    make_contact(owner=alice, first_name="Ada", emails=["ada@a.org", "ada@b.org"])
    page = selectors.contact_list(owner=alice, filters=ContactFilters(q="ada"))
    assert len(page.object_list) == 1 and page.paginator.count == 1


def test_unknown_sort_falls_back_to_name(alice):
    make_contact(owner=alice, first_name="Zoe")
    make_contact(owner=alice, first_name="Amy")
    page = selectors.contact_list(owner=alice, filters=ContactFilters(sort="evil; drop table"))
    assert [c.first_name for c in page.object_list] == ["Amy", "Zoe"]


def test_timeline_pages_newest_first(alice):
    contact = make_contact(owner=alice)
    for day in range(5):
        make_interaction(contact=contact, occurred_on=date(2026, 1, 1 + day))
    first, more = selectors.contact_timeline(contact=contact, limit=3)
    rest, more2 = selectors.contact_timeline(contact=contact, offset=3, limit=3)
    assert [i.occurred_on.day for i in first] == [5, 4, 3] and more
    assert [i.occurred_on.day for i in rest] == [2, 1] and not more2


def test_contact_get_for_user_is_404_for_someone_else(alice, bob):
    from django.http import Http404

    contact = make_contact(owner=alice)
    with pytest.raises(Http404):
        selectors.contact_get_for_user(owner=bob, pk=contact.pk)


WORDS = ["ada", "lace", "acme", "grace", "navy", "lon", "vc"]
person = st.fixed_dictionaries(
    {
        "first_name": st.sampled_from(["Ada", "Grace", "Alan", "Katherine"]),
        "last_name": st.sampled_from(["Lovelace", "Hopper", "", "Navy"]),
        "company": st.sampled_from(["Acme", "Navy Labs", "", "ACME London"]),
        "email": st.sampled_from(["", "ada@acme.org", "g@navy.mil", "x@lon.example"]),
        "tag": st.sampled_from(["", "vc", "london", "Investors"]),
        "archived": st.booleans(),
    }
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(person, max_size=6), words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=2))
def test_search_finds_exactly_the_contacts_matching_every_word(db, people, words):
    """The selector agrees with a plain-Python reading of the search rule."""
    owner = make_user()
    expected = set()
    for p in people:
        tags = [Tag.objects.get_or_create(owner=owner, name=p["tag"])[0]] if p["tag"] else []
        contact = make_contact(
            owner=owner,
            first_name=p["first_name"],
            last_name=p["last_name"],
            company=p["company"],
            title="",
            archived=p["archived"],
            emails=[p["email"]] if p["email"] else [],
            tags=tags,
        )
        haystack = [p["first_name"], p["last_name"], p["company"], p["email"], p["tag"]]
        if not p["archived"] and all(any(w in h.lower() for h in haystack) for w in words):
            expected.add(contact.pk)
    page = selectors.contact_list(owner=owner, filters=ContactFilters(q=" ".join(words)))
    assert {c.pk for c in page.object_list} == expected
    assert page.paginator.count == len(expected)
