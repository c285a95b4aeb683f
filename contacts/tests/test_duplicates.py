"""Finding likely duplicates and merging a pair without losing anything."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from contacts.duplicates import contact_merge, duplicate_pairs_for_owner
from contacts.models import Contact, ContactEmail, Interaction, RoleHistory
from contacts.tests.factories import make_contact, make_interaction, make_reminder, make_tag
from reminders.models import Reminder


def names(pairs):
    return {
        frozenset(
            (
                p.first["first_name"] + " " + p.first["last_name"],
                p.second["first_name"] + " " + p.second["last_name"],
            )
        )
        for p in pairs
    }


def test_finds_same_email_same_linkedin_same_name_and_typos(alice):
    make_contact(owner=alice, first_name="Ada", last_name="Lovelace", emails=["ada@example.org"])
    make_contact(owner=alice, first_name="Augusta", last_name="King", emails=["ADA@example.org"])
    make_contact(
        owner=alice, first_name="Grace", last_name="Hopper", linkedin_url="https://www.linkedin.com/in/grace"
    )
    make_contact(owner=alice, first_name="G.", last_name="H.", linkedin_url="http://linkedin.com/in/grace/")
    make_contact(owner=alice, first_name="Alan", last_name="Turing", company="Bletchley Park")
    make_contact(owner=alice, first_name="Alan", last_name="Turing", company="Bletchley Park Ltd")
    make_contact(owner=alice, first_name="Katherine", last_name="Johnson", company="NASA")
    make_contact(owner=alice, first_name="Katherin", last_name="Johnson", company="NASA")
    make_contact(owner=alice, first_name="John", last_name="Smith", company="Acme")
    make_contact(owner=alice, first_name="John", last_name="Smith", company="Totally Different Bank")
    pairs = duplicate_pairs_for_owner(owner=alice)
    found = names(pairs)
    assert frozenset({"Ada Lovelace", "Augusta King"}) in found
    assert frozenset({"Grace Hopper", "G. H."}) in found
    assert frozenset({"Alan Turing"}) in found
    assert frozenset({"Katherine Johnson", "Katherin Johnson"}) in found
    assert frozenset({"John Smith"}) not in found  # same name, unrelated companies
    reasons = {r for p in pairs for r in p.reasons}
    assert "same email ada@example.org" in reasons and "same LinkedIn profile" in reasons


def test_other_users_contacts_are_never_paired(alice, bob):
    make_contact(owner=alice, first_name="Ada", last_name="Lovelace", emails=["ada@example.org"])
    make_contact(owner=bob, first_name="Ada", last_name="Lovelace", emails=["ada@example.org"])
    assert duplicate_pairs_for_owner(owner=alice) == []


@pytest.mark.parametrize("count", [10, 300])
def test_finding_costs_a_fixed_number_of_queries(alice, count, django_assert_num_queries):
    """Contacts, emails, the "not a duplicate" marks; and, when there are pairs, one more
    to count the interactions that pick whom a merge keeps by default."""
    for i in range(count):
        make_contact(owner=alice, first_name=f"P{i}", last_name="Same", emails=[f"p{i}@example.com"])
    with django_assert_num_queries(3):
        assert duplicate_pairs_for_owner(owner=alice) == []
    for i in range(count):
        make_contact(owner=alice, first_name=f"Q{i}", last_name="Other", emails=[f"p{i}@example.com"])
    with django_assert_num_queries(4):
        assert len(duplicate_pairs_for_owner(owner=alice)) == min(count, 200)


def test_merge_moves_everything_and_loses_nothing(alice):
    london = make_tag(owner=alice, name="london")
    mentors = make_tag(owner=alice, name="mentors")
    keep = make_contact(
        owner=alice,
        first_name="Ada",
        last_name="Lovelace",
        company="",
        title="Analyst",
        emails=["ada@example.org"],
        phones=["+44 1"],
        tags=[london],
        notes="Met at the Royal Society",
    )
    lose = make_contact(
        owner=alice,
        first_name="Ada",
        last_name="King",
        company="Analytical Engines",
        title="Countess",
        emails=["ADA@example.org", "countess@example.org"],
        phones=["+44 1", "+44 2"],
        tags=[mentors],
        notes="Loves poetry",
        birthday_month=12,
        birthday_day=10,
    )
    introduced = make_contact(owner=alice, first_name="Charles", introduced_by=lose)
    shared = make_interaction(contacts=[keep, lose], occurred_on=date(2026, 1, 1))
    own = make_interaction(contact=lose, occurred_on=date(2026, 2, 1))
    make_reminder(contact=keep, kind="check_in", due_on=date(2026, 12, 1))
    make_reminder(contact=lose, kind="check_in", due_on=date(2026, 12, 1))  # clashes: dropped
    make_reminder(contact=lose, kind="follow_up", due_on=date(2026, 12, 2))
    RoleHistory.objects.create(contact=lose, company="Old Co", title="Intern", ended_on=date(2020, 1, 1))
    merged = contact_merge(
        owner=alice,
        survivor_id=keep.pk,
        other_id=lose.pk,
        picks={"company": "other", "title": "survivor", "notes": "both", "birthday": "other"},
    )
    assert not Contact.objects.filter(pk=lose.pk).exists()
    assert merged.company == "Analytical Engines" and merged.title == "Analyst"
    assert merged.notes == "Met at the Royal Society\n\nLoves poetry"
    assert (merged.birthday_month, merged.birthday_day) == (12, 10)
    assert sorted(ContactEmail.objects.filter(contact=merged).values_list("value", flat=True)) == [
        "ada@example.org",
        "countess@example.org",
    ]
    assert sorted(merged.phones.values_list("value", flat=True)) == ["+44 1", "+44 2"]
    assert set(merged.tags.values_list("name", flat=True)) == {"london", "mentors"}
    assert set(Interaction.objects.filter(contacts=merged)) == {shared, own}
    assert list(shared.contacts.all()) == [merged]
    assert sorted(Reminder.objects.filter(contact=merged).values_list("kind", flat=True)) == [
        "check_in",
        "follow_up",
    ]
    assert RoleHistory.objects.filter(contact=merged, company="Old Co").exists()
    introduced.refresh_from_db()
    assert introduced.introduced_by == merged
    merged.refresh_from_db()
    assert merged.last_interaction_on == date(2026, 2, 1)


def test_merge_pages_are_scoped_and_work(alice_client, alice, bob):
    a = make_contact(owner=alice, first_name="Ada", last_name="Lovelace", emails=["ada@example.org"])
    b = make_contact(
        owner=alice, first_name="Ada", last_name="Lovelace", company="Engines", emails=["ada@example.org"]
    )
    bobs = make_contact(owner=bob, first_name="Ada", last_name="Lovelace")
    listing = alice_client.get(reverse("contacts:duplicates")).content.decode()
    assert reverse("contacts:duplicate_merge", args=[a.pk, b.pk]) in listing
    page = alice_client.get(reverse("contacts:duplicate_merge", args=[a.pk, b.pk]))
    assert page.status_code == 200 and "Engines" in page.content.decode()
    other = Client()
    other.force_login(bob)
    assert other.get(reverse("contacts:duplicate_merge", args=[a.pk, b.pk])).status_code == 404
    assert alice_client.get(reverse("contacts:duplicate_merge", args=[a.pk, bobs.pk])).status_code == 404
    assert alice_client.post(reverse("contacts:duplicate_merge", args=[a.pk, bobs.pk])).status_code == 404
    assert alice_client.get(reverse("contacts:duplicate_merge", args=[a.pk, a.pk])).status_code == 404
    response = alice_client.post(reverse("contacts:duplicate_merge", args=[a.pk, b.pk]), {"company": "other"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.company == "Engines" and not Contact.objects.filter(pk=b.pk).exists()
    assert Contact.objects.filter(pk=bobs.pk).exists()


def test_merge_table_shows_labels_and_dates_not_codes(alice_client, alice):
    from datetime import date

    a = make_contact(
        owner=alice, first_name="Ada", last_name="Lovelace", relationship="friend_family", tie_strength="weak"
    )
    b = make_contact(
        owner=alice,
        first_name="Ada",
        last_name="Lovelace",
        relationship="mentor",
        tie_strength="strong",
        birthday_month=12,
        birthday_day=2,
        birthday_year=1988,
        started_on=date(2021, 3, 5),
    )
    html = alice_client.get(reverse("contacts:duplicate_merge", args=[a.pk, b.pk])).content.decode()
    assert "Friend / family" in html and "Strong" in html and "Mentor" in html
    assert "2 Dec 1988" in html and "5 Mar 2021" in html
    assert "friend_family" not in html.replace('value="friend_family"', "") and "02/12/1988" not in html
