"""Duplicates you can trust: "not a duplicate" is remembered, a merge's default picks
keep what the user typed over what an import brought, near-duplicates at one company
are found (and look-alikes are not), and adding someone who exists already warns first."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from contacts.duplicates import (
    contact_merge,
    contacts_like,
    created_by_import,
    duplicate_pairs_for_owner,
    first_names_match,
    merge_differences,
    not_duplicate_mark,
    pair_key,
    surname_parts,
)
from contacts.importing.services import import_run
from contacts.models import CONNECTED_SUMMARY, Contact, NotDuplicate
from contacts.tests.factories import make_contact, make_interaction

IMPORTED_ON = date(2026, 1, 5)  # what an import writes to first_check_in_on


def names(pairs):
    return {
        frozenset(
            (
                f"{p.first['first_name']} {p.first['last_name']}",
                f"{p.second['first_name']} {p.second['last_name']}",
            )
        )
        for p in pairs
    }


def merge_url(a, b):
    return reverse("contacts:duplicate_merge", args=[a.pk, b.pk])


def not_url(a, b):
    return reverse("contacts:duplicate_not", args=[a.pk, b.pk])


# --- "Not a duplicate", remembered -------------------------------------------------


def test_pair_key_puts_the_lower_id_first_and_refuses_one_contact():
    assert pair_key(7, 3) == (3, 7) == pair_key(3, 7)
    with pytest.raises(ValueError):
        pair_key(4, 4)


def test_a_pair_marked_not_a_duplicate_is_never_suggested_again(alice):
    a = make_contact(owner=alice, first_name="Ada", last_name="Lovelace", emails=["ada@example.org"])
    b = make_contact(owner=alice, first_name="Ada", last_name="Lovelace", emails=["ADA@example.org"])
    c = make_contact(owner=alice, first_name="Alan", last_name="Turing", company="Bletchley")
    d = make_contact(owner=alice, first_name="Alan", last_name="Turing", company="Bletchley")
    assert names(duplicate_pairs_for_owner(owner=alice)) == {
        frozenset({"Ada Lovelace"}),
        frozenset({"Alan Turing"}),
    }

    not_duplicate_mark(owner=alice, a_id=b.pk, b_id=a.pk)  # either order
    not_duplicate_mark(owner=alice, a_id=a.pk, b_id=b.pk)  # twice: still one row
    assert list(NotDuplicate.objects.values_list("owner", "first", "second")) == [(alice.pk, a.pk, b.pk)]
    pairs = duplicate_pairs_for_owner(owner=alice)
    assert [(p.first["id"], p.second["id"]) for p in pairs] == [(c.pk, d.pk)]


def test_the_database_refuses_a_pair_stored_the_wrong_way_round(alice):
    a, b = make_contact(owner=alice), make_contact(owner=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        NotDuplicate.objects.create(owner=alice, first=b, second=a)


def test_marking_needs_both_contacts_to_be_yours(alice, bob):
    mine = make_contact(owner=alice, first_name="Ada", last_name="Lovelace")
    theirs = make_contact(owner=bob, first_name="Ada", last_name="Lovelace")
    with pytest.raises(Contact.DoesNotExist):
        not_duplicate_mark(owner=alice, a_id=mine.pk, b_id=theirs.pk)
    with pytest.raises(Contact.DoesNotExist):
        not_duplicate_mark(owner=bob, a_id=mine.pk, b_id=theirs.pk)
    assert not NotDuplicate.objects.exists()


def test_one_owners_mark_hides_nothing_from_another(alice, bob):
    a = make_contact(owner=alice, first_name="Ada", last_name="Lovelace")
    b = make_contact(owner=alice, first_name="Ada", last_name="Lovelace")
    make_contact(owner=bob, first_name="Ada", last_name="Lovelace")
    make_contact(owner=bob, first_name="Ada", last_name="Lovelace")
    not_duplicate_mark(owner=alice, a_id=a.pk, b_id=b.pk)
    assert duplicate_pairs_for_owner(owner=alice) == []
    assert len(duplicate_pairs_for_owner(owner=bob)) == 1


def test_a_merge_keeps_the_not_a_duplicate_marks_of_the_record_it_removes(alice):
    keep = make_contact(owner=alice, first_name="Ada", last_name="Lovelace", company="AE")
    lose = make_contact(owner=alice, first_name="Ada", last_name="Lovelace", company="AE")
    namesake = make_contact(owner=alice, first_name="Ada", last_name="Lovelace", company="AE")
    not_duplicate_mark(owner=alice, a_id=lose.pk, b_id=namesake.pk)
    contact_merge(owner=alice, survivor_id=keep.pk, other_id=lose.pk, picks={})
    assert NotDuplicate.objects.filter(owner=alice, first=keep, second=namesake).exists()
    assert duplicate_pairs_for_owner(owner=alice) == []


def test_not_a_duplicate_button_without_js_redirects_with_a_message(alice_client, alice):
    a = make_contact(owner=alice, first_name="Ada", last_name="Lovelace", company="AE")
    b = make_contact(owner=alice, first_name="Ada", last_name="Lovelace", company="AE")
    page = alice_client.get(reverse("contacts:duplicates")).content.decode()
    assert f'action="{not_url(a, b)}"' in page and f'hx-post="{not_url(a, b)}"' in page
    assert f'hx-target="#pair-{a.pk}-{b.pk}"' in page and f'id="pair-{a.pk}-{b.pk}"' in page
    response = alice_client.post(not_url(b, a), follow=True)
    assert response.redirect_chain == [(reverse("contacts:duplicates"), 302)]
    body = response.content.decode()
    assert "two different people" in body and f'id="pair-{a.pk}-{b.pk}"' not in body
    assert NotDuplicate.objects.filter(owner=alice, first=a, second=b).count() == 1


def test_not_a_duplicate_with_htmx_removes_the_row_and_offers_undo(alice_client, alice):
    import json

    a = make_contact(owner=alice, first_name="Ada", last_name="Lovelace", company="AE")
    b = make_contact(owner=alice, first_name="Ada", last_name="Lovelace", company="AE")
    response = alice_client.post(not_url(a, b), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.content == b""  # outerHTML swap: the row goes
    undo = json.loads(response["HX-Trigger"])["kw-undo"]
    assert undo["url"] == reverse("contacts:duplicate_not_undo", args=[a.pk, b.pk])
    assert alice_client.post(undo["url"], HTTP_HX_REQUEST="true").status_code == 200
    assert not NotDuplicate.objects.exists()
    assert len(duplicate_pairs_for_owner(owner=alice)) == 1


def test_not_a_duplicate_is_a_post_with_csrf_and_scoped_to_the_owner(alice, bob):
    a = make_contact(owner=alice, first_name="Ada", last_name="Lovelace")
    b = make_contact(owner=alice, first_name="Ada", last_name="Lovelace")
    bobs = make_contact(owner=bob, first_name="Ada", last_name="Lovelace")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post(not_url(a, b)).status_code == 403  # no token
    client = Client()
    client.force_login(alice)
    assert client.get(not_url(a, b)).status_code == 405
    assert client.post(not_url(a, bobs)).status_code == 404  # someone else's contact in the pair
    assert client.post(not_url(a, a)).status_code == 404
    as_bob = Client()
    as_bob.force_login(bob)
    assert as_bob.post(not_url(a, b)).status_code == 404
    assert as_bob.post(reverse("contacts:duplicate_not_undo", args=[a.pk, b.pk])).status_code == 404
    assert not NotDuplicate.objects.exists()


# --- near-duplicates ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (("Grace", "Okafor-Bello"), ("Grace", "Okafor")),
        (("Grace", "Okafor-Bello"), ("Grace", "Bello")),
        (("Grace", "Okafor Bello"), ("Grace", "Bello")),
        (("Jon", "Smith"), ("Jonathan", "Smith")),
        (("J.", "Smith"), ("John", "Smith")),
        (("Bob", "Marley"), ("Robert", "Marley")),
        (("Zoë", "Ødegaard-Berg"), ("zoe", "ODEGAARD")),
        (("Ana", "da Silva"), ("Ana", "Silva")),
    ],
)
def test_near_duplicates_at_the_same_company_are_flagged(alice, one, other):
    make_contact(owner=alice, first_name=one[0], last_name=one[1], company="Northwind")
    make_contact(owner=alice, first_name=other[0], last_name=other[1], company="northwind ")
    pairs = duplicate_pairs_for_owner(owner=alice)
    assert len(pairs) == 1
    assert pairs[0].reasons == ["similar name at Northwind"]


def test_near_duplicates_at_a_similar_company_are_flagged_too(alice):
    make_contact(owner=alice, first_name="Grace", last_name="Okafor-Bello", company="Acme Corporation")
    make_contact(owner=alice, first_name="Grace", last_name="Okafor", company="Acme Corp")
    [pair] = duplicate_pairs_for_owner(owner=alice)
    assert pair.reasons == ["similar name, similar company"]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (("Grace", "Okafor", "Acme"), ("Grace", "Hopper", "Acme")),  # another surname
        (("Grace", "Okafor", "Acme"), ("Grace", "Bello", "Acme")),  # neither holds the other
        (("Grace", "Okafor-Bello", "Acme"), ("Grace", "Okafor", "Globex")),  # another company
        (("Grace", "Okafor-Bello", "Acme"), ("Grace", "Okafor", "")),  # no company to go by
        (("Jon", "Smith", "Acme"), ("Jonathan", "Smith", "Globex")),
        (("Grace", "Lee", "Acme"), ("Grace", "Leeson", "Acme")),  # part of a word
        (("John", "Smith", "Acme"), ("Jane", "Smith", "Acme")),
        (("Daniel", "Weber", "Acme"), ("Daniela", "Weber", "Globex")),  # not a short form, nor the same place
        (("Ana", "Patel", "Acme"), ("Hana", "Patel", "Acme")),  # one letter off a short name
        (("Aisha", "Nakamura", "Acme"), ("Maria", "Nakamura", "Acme")),  # a long surname is no excuse
        (("Ana", "van der Berg", "Acme"), ("Ana", "van Dijk", "Acme")),  # particles are not a match
    ],
)
def test_look_alikes_are_not_flagged(alice, one, other):
    make_contact(owner=alice, first_name=one[0], last_name=one[1], company=one[2])
    make_contact(owner=alice, first_name=other[0], last_name=other[1], company=other[2])
    assert duplicate_pairs_for_owner(owner=alice) == []


def test_name_rules():
    assert surname_parts("okafor-bello") == {"okafor", "bello"}
    assert surname_parts("van der berg") == {"berg"}
    assert surname_parts("de") == {"de"}
    assert first_names_match("jon", "jonathan") and first_names_match("j.", "john")
    assert first_names_match("bob", "robert") and not first_names_match("al", "alice")
    assert not first_names_match("daniel", "daniela")


def test_each_pair_is_reported_once_with_every_reason(alice):
    make_contact(
        owner=alice, first_name="Grace", last_name="Okafor-Bello", company="Acme", emails=["g@acme.com"]
    )
    make_contact(owner=alice, first_name="Grace", last_name="Okafor", company="Acme", emails=["G@acme.com"])
    [pair] = duplicate_pairs_for_owner(owner=alice)
    assert pair.reasons == ["same email g@acme.com", "similar name at Acme"]


def test_a_typo_in_either_name_is_still_found(alice):
    make_contact(owner=alice, first_name="Katherine", last_name="Johnson", company="NASA")
    make_contact(owner=alice, first_name="Katherin", last_name="Johnson", company="NASA")
    make_contact(owner=alice, first_name="Katherine", last_name="Jonson", company="NASA")
    found = names(duplicate_pairs_for_owner(owner=alice))
    assert frozenset({"Katherine Johnson", "Katherin Johnson"}) in found
    assert frozenset({"Katherine Johnson", "Katherine Jonson"}) in found


# --- default picks: what the user typed over what an import brought ----------------


def test_a_real_import_marks_the_contacts_it_creates_and_only_those(alice):
    typed = make_contact(owner=alice, first_name="Grace", last_name="Hopper")
    csv = "First Name,Last Name,Email,Company\nAda,Lovelace,ada@example.org,AE\nGrace,Hopper,,Navy\n"
    import_run(owner=alice, text=csv, filename="people.csv", today=date(2026, 11, 23))
    imported = Contact.objects.get(owner=alice, first_name="Ada")
    typed.refresh_from_db()
    assert created_by_import(imported) and not created_by_import(typed)


def _typed_and_imported(alice):
    imported = make_contact(
        owner=alice,
        first_name="Ada",
        last_name="Lovelace",
        company="AE Ltd",
        title="Analyst",
        location="London",
        notes="From the CSV",
        first_check_in_on=IMPORTED_ON,
    )
    typed = make_contact(
        owner=alice,
        first_name="Ada",
        last_name="Lovelace",
        company="Analytical Engines",
        title="Countess",
        location="",
        relationship="mentor",
        tie_strength="strong",
        notes="Loves poetry",
    )
    return typed, imported


def test_default_picks_keep_what_the_user_typed_whichever_record_is_kept(alice):
    typed, imported = _typed_and_imported(alice)
    for survivor, other, hand in ((imported, typed, "other"), (typed, imported, "survivor")):
        picks = {row["name"]: row["pick"] for row in merge_differences(survivor, other)}
        assert picks["company"] == picks["title"] == hand  # both filled: the typed value
        assert picks["relationship"] == picks["tie_strength"] == hand  # a choice over a default
        assert picks["location"] == ("survivor" if survivor is imported else "other")  # filled over empty
        assert picks["notes"] == "both"


def test_default_picks_between_two_typed_records_keep_the_survivors_and_the_active_one(alice):
    a = make_contact(owner=alice, first_name="Ada", company="AE", title="", archived=True)
    b = make_contact(owner=alice, first_name="Ada", company="Engines", title="Countess")
    picks = {row["name"]: (row["pick"], row["reason"]) for row in merge_differences(a, b)}
    assert picks["company"] == ("survivor", "the kept contact's")
    assert picks["title"] == ("other", "the filled-in value")
    assert picks["archived"] == ("other", "still active")


def test_the_duplicates_page_keeps_the_typed_contact_then_the_busier_one_by_default(alice_client, alice):
    imported = make_contact(
        owner=alice, first_name="Ada", last_name="Lovelace", company="AE", first_check_in_on=IMPORTED_ON
    )
    typed = make_contact(owner=alice, first_name="Ada", last_name="Lovelace", company="AE")
    quiet = make_contact(owner=alice, first_name="Alan", last_name="Turing", company="GCHQ")
    busy = make_contact(owner=alice, first_name="Alan", last_name="Turing", company="GCHQ")
    make_interaction(contact=busy)
    make_interaction(contact=quiet, summary=CONNECTED_SUMMARY)  # a connection is not a conversation
    make_interaction(contact=quiet, summary=CONNECTED_SUMMARY, occurred_on=date(2020, 1, 1))
    pairs = {p.first["first_name"]: p for p in duplicate_pairs_for_owner(owner=alice)}
    assert pairs["Ada"].keep["id"] == typed.pk and pairs["Ada"].other_imported
    assert pairs["Alan"].keep["id"] == busy.pk
    page = alice_client.get(reverse("contacts:duplicates")).content.decode()
    assert merge_url(typed, imported) in page and merge_url(busy, quiet) in page
    assert merge_url(imported, typed) not in page and "imported</span>" in page


def test_the_merge_page_preselects_the_typed_values_and_says_why(alice_client, alice):
    typed, imported = _typed_and_imported(alice)
    html = alice_client.get(merge_url(imported, typed)).content.decode()
    assert 'name="company" value="other" checked' in html
    assert 'name="notes" value="both" checked' in html
    assert "created by an import" in html and "added by hand" in html
    assert "suggested: typed by hand, not imported" in html
    # Posting the page as shown keeps the typed values on the kept record.
    form = {
        "company": "other",
        "title": "other",
        "relationship": "other",
        "tie_strength": "other",
        "notes": "both",
    }
    alice_client.post(merge_url(imported, typed), form)
    merged = Contact.objects.get(owner=alice)
    assert (merged.company, merged.title, merged.relationship) == ("Analytical Engines", "Countess", "mentor")
    assert merged.location == "London" and merged.notes == "From the CSV\n\nLoves poetry"


# --- adding someone who is there already ------------------------------------------


def _new_contact(**fields):
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "relationship": "other",
        "network": "operational",
        "tie_strength": "weak",
        "emails-TOTAL_FORMS": "1",
        "emails-INITIAL_FORMS": "0",
        "emails-0-value": "",
        "emails-0-label": "work",
        "phones-TOTAL_FORMS": "0",
        "phones-INITIAL_FORMS": "0",
    }
    data.update(fields)
    return data


@pytest.mark.parametrize(
    ("existing", "typed", "reason"),
    [
        (
            {"first_name": "Augusta", "emails": ["ada@example.org"]},
            {"first_name": "Countess", "emails-0-value": "ADA@Example.org"},
            "same email",
        ),
        (
            {"first_name": "Augusta", "linkedin_url": "https://www.linkedin.com/in/ada-lovelace"},
            {"first_name": "Countess", "linkedin_url": "http://linkedin.com/in/Ada-Lovelace/"},
            "same LinkedIn profile",
        ),
        (
            {"first_name": "Zoë", "last_name": "Ødegaard"},
            {"first_name": "zoe", "last_name": "ODEGAARD"},
            "same name",
        ),
    ],
)
def test_adding_someone_who_exists_warns_then_adds_anyway(alice_client, alice, existing, typed, reason):
    there = make_contact(owner=alice, **{"last_name": "King", **existing})
    url = reverse("contacts:create")
    response = alice_client.post(url, _new_contact(**typed))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="duplicate-warning"' in html and f'href="/contacts/{there.pk}/"' in html and reason in html
    assert 'name="confirm_duplicate" value="1"' in html
    assert Contact.objects.filter(owner=alice).count() == 1  # nothing saved
    response = alice_client.post(url, _new_contact(confirm_duplicate="1", **typed))
    assert response.status_code == 302
    assert Contact.objects.filter(owner=alice).count() == 2


def test_someone_new_is_added_at_once(alice_client, alice, bob):
    make_contact(owner=alice, first_name="Ada", last_name="King", emails=["augusta@example.org"])
    make_contact(
        owner=bob, first_name="Ada", last_name="Lovelace", emails=["ada@example.org"]
    )  # bob's: no match
    response = alice_client.post(
        reverse("contacts:create"), _new_contact(**{"emails-0-value": "ada@example.org"})
    )
    assert response.status_code == 302
    assert Contact.objects.filter(owner=alice, last_name="Lovelace").exists()


def test_editing_a_contact_never_warns(alice_client, alice):
    make_contact(owner=alice, first_name="Ada", last_name="Lovelace", emails=["ada@example.org"])
    other = make_contact(owner=alice, first_name="Grace", last_name="Hopper")
    response = alice_client.post(
        reverse("contacts:edit", args=[other.pk]), _new_contact(**{"emails-0-value": "ada@example.org"})
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.full_name == "Ada Lovelace"


def test_looking_for_an_existing_contact_is_one_query(alice, django_assert_num_queries):
    for i in range(20):
        make_contact(
            owner=alice,
            first_name="Ada",
            last_name="Lovelace",
            emails=[f"ada{i}@example.org", f"x{i}@example.org"],
        )
    make_contact(owner=alice, first_name="Grace", linkedin_url="https://www.linkedin.com/in/grace")
    make_contact(owner=alice, first_name="Gracie", linkedin_url="https://www.linkedin.com/in/grace-hopper")
    with django_assert_num_queries(1):
        found = contacts_like(
            owner=alice,
            first_name="ADA",
            last_name="lovelace",
            emails=["ada3@example.org"],
            linkedin_url="linkedin.com/in/grace",
        )
    assert len(found) == 10  # the first ten, by name
    assert all("same name" in m.reasons for m in found)
    by_url = contacts_like(
        owner=alice, first_name="Nobody", last_name="", linkedin_url="https://linkedin.com/in/grace/"
    )
    assert [(m.contact.first_name, m.reasons) for m in by_url] == [("Grace", ["same LinkedIn profile"])]
