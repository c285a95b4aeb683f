"""Search finds people however their names are spelt: accents and case aside, on both databases."""

from datetime import date

import pytest
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from contacts import selectors
from contacts.duplicates import contact_merge
from contacts.importing.services import import_run
from contacts.models import Contact
from contacts.search import contact_search_text, fold, fold_unicode, search_words
from contacts.selectors import ContactFilters
from contacts.tests.factories import make_contact


def found(owner, q: str) -> set[str]:
    page = selectors.contact_list(owner=owner, filters=ContactFilters(q=q))
    return {c.full_name for c in page.object_list}


# --- the rule -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Zoë", "zoe"),
        ("ŁUKASZ Wróbel", "lukasz wrobel"),
        ("Ødegaard", "odegaard"),
        ("Straße", "strasse"),
        ("  José   Núñez ", "jose nunez"),
        ("Ольга Иванова", "ольга иванова"),
        ("ÆSIR", "aesir"),
        ("", ""),
    ],
)
def test_fold_takes_accents_and_case_off(text, folded):
    assert fold(text) == folded


@given(st.text())
@example("\u0345")  # the Greek iota subscript: a combining mark whose capital is a letter
def test_fold_is_idempotent_and_case_blind(text):
    once = fold(text)
    assert fold(once) == once
    assert fold(text.upper()) == fold(text.lower()) or any(c in text for c in "ıİſ")  # Turkish dotless i


@given(st.text(alphabet=st.characters(codec="latin-1", categories=["L"], exclude_characters="µ"), min_size=1))
def test_fold_of_a_latin_name_is_plain_lowercase_letters(name):
    """Every Western European letter folds to a plain one (µ, the micro sign, is Greek mu)."""
    assert all(c.isascii() or not c.isalpha() for c in fold(name)), fold(name)


def test_search_words_fold_each_word_and_drop_the_empty():
    assert search_words("  Zoë   ACME ") == ["zoe", "acme"]
    assert search_words("\u0301") == []  # a lone combining mark folds to nothing


# --- the contact list and the picker ---------------------------------------------------


@pytest.fixture
def people(alice):
    make_contact(owner=alice, first_name="Zoë", last_name="Kravitz", company="Nordström")
    make_contact(owner=alice, first_name="Łukasz", last_name="Wróbel", company="Allegro")
    make_contact(owner=alice, first_name="Ingrid", last_name="Ødegaard", company="Equinor")
    make_contact(owner=alice, first_name="Ольга", last_name="Иванова", company="Яндекс")
    make_contact(owner=alice, first_name="Zoe", last_name="Plain", company="Acme")


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("zoe", {"Zoë Kravitz", "Zoe Plain"}),
        ("ZOË", {"Zoë Kravitz", "Zoe Plain"}),
        ("łukasz", {"Łukasz Wróbel"}),
        ("lukasz wrobel", {"Łukasz Wróbel"}),
        ("ødegaard", {"Ingrid Ødegaard"}),
        ("ODEGAARD", {"Ingrid Ødegaard"}),
        ("nordstrom", {"Zoë Kravitz"}),
        ("ольга", {"Ольга Иванова"}),
        ("ИВАНОВА яндекс", {"Ольга Иванова"}),
        ("zoe acme", {"Zoe Plain"}),
    ],
)
def test_list_search_ignores_accents_and_case(alice, people, q, expected):
    assert found(alice, q) == expected


def test_list_page_and_picker_find_zoe(alice_client, alice, people):
    body = alice_client.get(reverse("contacts:list"), {"q": "zoe"}).content.decode()
    assert "Zoë Kravitz" in body and "Łukasz" not in body
    picked = alice_client.get(reverse("contacts:picker"), {"q": "lukasz"}).content.decode()
    assert "Łukasz Wróbel" in picked and "Zoë" not in picked


# --- every way a contact is written keeps its search text ------------------------------


def test_an_edit_through_save_with_update_fields_refreshes_search_text(alice):
    contact = make_contact(owner=alice, first_name="Ada", last_name="Lovelace", company="Acme")
    contact.company = "Ørsted"
    contact.save(update_fields=["company"])
    assert found(alice, "orsted") == {"Ada Lovelace"}
    assert not found(alice, "acme")


def test_bulk_create_and_bulk_update_fill_search_text(alice):
    a, b = Contact.objects.bulk_create(
        [Contact(owner=alice, first_name="Zoë", last_name="A"), Contact(owner=alice, first_name="Renée")]
    )
    assert found(alice, "zoe") == {"Zoë A"}
    b.last_name = "Ørn"
    Contact.objects.bulk_update([b], ["last_name"])
    assert found(alice, "renee orn") == {"Renée Ørn"}


def test_the_edit_form_refreshes_search_text(alice_client, alice):
    contact = make_contact(owner=alice, first_name="Ada", last_name="Lovelace")
    response = alice_client.post(
        reverse("contacts:edit", args=[contact.pk]),
        {
            "first_name": "Zoë",
            "last_name": "Lovelace",
            "relationship": "peer",
            "network": "operational",
            "tie_strength": "weak",
            "emails-TOTAL_FORMS": "0",
            "emails-INITIAL_FORMS": "0",
            "phones-TOTAL_FORMS": "0",
            "phones-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert found(alice, "zoe") == {"Zoë Lovelace"}


def test_an_import_writes_search_text_for_new_and_updated_contacts(alice):
    make_contact(
        owner=alice, first_name="Łukasz", last_name="Wróbel", company="", title="", emails=["l@x.pl"]
    )
    csv = (
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Zoë,Kravitz,,,Nordström,Designer,01 Jan 2024\n"
        "Łukasz,Wróbel,,l@x.pl,Allegro,Engineer,02 Jan 2024\n"
    )
    import_run(owner=alice, text=csv, fmt="linkedin", today=date(2026, 11, 26))
    assert found(alice, "nordstrom designer") == {"Zoë Kravitz"}
    assert found(alice, "lukasz allegro") == {"Łukasz Wróbel"}
    for c in Contact.objects.filter(owner=alice):
        assert c.search_text == contact_search_text(c.first_name, c.last_name, c.company, c.title)


def test_a_merge_keeps_the_survivors_search_text(alice):
    survivor = make_contact(owner=alice, first_name="Zoe", last_name="K", company="")
    other = make_contact(owner=alice, first_name="Zoë", last_name="K", company="Nordström")
    contact_merge(owner=alice, survivor_id=survivor.pk, other_id=other.pk, picks={"company": "other"})
    assert found(alice, "nordstrom") == {"Zoe K"}


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_fold_ascii_fast_path_equals_the_unicode_path(text):
    assert fold(text) == fold_unicode(text)
