"""Give before you ask: offers noted when logging an "asked" interaction, shown on the
contact page until marked given (with reopen), deletable, and private to their owner."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts import services
from contacts.models import Interaction, Offer
from contacts.tests.factories import make_contact

HTMX = {"HTTP_HX_REQUEST": "true"}


def log_post(contact_ids, **overrides) -> dict:
    data = {
        "log-occurred_on": timezone.localdate().isoformat(),
        "log-kind": "coffee",
        "log-contacts": [str(pk) for pk in contact_ids],
        "log-summary": "Asked for an intro to their CTO",
        "log-topics": "",
        "log-exchange": "asked",
        "log-follow_up_on": "",
        "log-offer_1": "Intro to a designer I know",
        "log-offer_2": "  ",
        "log-offer_3": "Review  their   pitch deck",
    }
    data.update(overrides)
    return data


@pytest.fixture
def ada(alice):
    return make_contact(owner=alice, first_name="Ada", last_name="Lovelace")


def test_asked_with_notes_creates_an_open_offer_per_non_blank_note(alice_client, alice, ada):
    response = alice_client.post(reverse("contacts:interaction_create", args=[ada.pk]), log_post([ada.pk]))
    assert response.status_code == 302
    interaction = Interaction.objects.get(owner=alice)
    offers = list(Offer.objects.filter(owner=alice).order_by("id"))
    assert [o.text for o in offers] == ["Intro to a designer I know", "Review their pitch deck"]
    assert {o.contact_id for o in offers} == {ada.pk}
    assert all(o.interaction_id == interaction.pk for o in offers)
    assert all(o.given_on is None and o.created_on == timezone.localdate() for o in offers)


def test_each_note_is_an_offer_for_each_person_of_the_interaction(alice_client, alice, ada):
    grace = make_contact(owner=alice, first_name="Grace", last_name="Hopper")
    alice_client.post(reverse("contacts:interaction_create", args=[ada.pk]), log_post([ada.pk, grace.pk]))
    pairs = sorted(Offer.objects.values_list("contact_id", "text"))
    assert pairs == sorted(
        (pk, text)
        for pk in (ada.pk, grace.pk)
        for text in ("Intro to a designer I know", "Review their pitch deck")
    )


@pytest.mark.parametrize("exchange", ["", "gave", "mutual"])
def test_notes_are_ignored_unless_the_user_asked(alice_client, alice, ada, exchange):
    alice_client.post(
        reverse("contacts:interaction_create", args=[ada.pk]),
        log_post([ada.pk], **{"log-exchange": exchange}),
    )
    assert Interaction.objects.filter(owner=alice).count() == 1
    assert not Offer.objects.exists()


def test_blank_notes_make_no_offers(alice_client, alice, ada):
    blank = {"log-offer_1": "", "log-offer_2": " ", "log-offer_3": ""}
    alice_client.post(reverse("contacts:interaction_create", args=[ada.pk]), log_post([ada.pk], **blank))
    assert Interaction.objects.filter(owner=alice, exchange="asked").count() == 1
    assert not Offer.objects.exists()


def test_at_most_three_offers(alice_client, alice, ada):
    extra = {"log-offer_2": "Two", "log-offer_4": "Four", "log-offer_5": "Five"}
    alice_client.post(reverse("contacts:interaction_create", args=[ada.pk]), log_post([ada.pk], **extra))
    assert Offer.objects.count() == 3
    with pytest.raises(ValueError, match="at most 3"):
        services.interaction_create_with_offers(
            owner=alice,
            contact_ids=[ada.pk],
            occurred_on=timezone.localdate(),
            today=timezone.localdate(),
            kind="coffee",
            exchange="asked",
            offers=["a", "b", "c", "d"],
        )
    assert Interaction.objects.count() == 1  # the refused call wrote nothing


def test_a_too_long_note_is_a_form_error_and_nothing_is_saved(alice_client, alice, ada):
    response = alice_client.post(
        reverse("contacts:interaction_create", args=[ada.pk]),
        log_post([ada.pk], **{"log-offer_1": "x" * 201}),
        **HTMX,
    )
    assert response.status_code == 200
    assert "at most 200 characters" in response.content.decode()
    assert not Interaction.objects.exists() and not Offer.objects.exists()


def test_offers_and_interaction_are_one_transaction(alice, ada, bob):
    """A contact that is not the owner's makes the interaction fail: no offer is left behind."""
    stranger = make_contact(owner=bob)
    with pytest.raises(ValueError):
        services.interaction_create_with_offers(
            owner=alice,
            contact_ids=[ada.pk, stranger.pk],
            occurred_on=timezone.localdate(),
            today=timezone.localdate(),
            kind="coffee",
            exchange="asked",
            offers=["Intro"],
        )
    assert not Interaction.objects.exists() and not Offer.objects.exists()


def test_the_log_form_asks_what_you_can_offer(alice_client, ada):
    html = alice_client.get(reverse("contacts:interaction_create", args=[ada.pk]), **HTMX).content.decode()
    assert "What can you offer in return?" in html
    assert 'data-offers-for="asked"' in html
    assert html.count('name="log-offer_') == 3


def test_htmx_log_shows_the_new_offers_on_the_page(alice_client, ada):
    response = alice_client.post(
        reverse("contacts:interaction_create", args=[ada.pk]), log_post([ada.pk]), **HTMX
    )
    html = response.content.decode()
    assert 'id="contact-offers" hx-swap-oob="true"' in html
    assert "Intro to a designer I know" in html


def _offer(owner, contact, text="Intro to a designer", **fields) -> Offer:
    return Offer.objects.create(
        owner=owner, contact=contact, text=text, created_on=timezone.localdate(), **fields
    )


def test_open_offers_show_on_the_contact_page_until_given(alice_client, alice, ada):
    offer = _offer(alice, ada, "Send the hiring guide")
    page = alice_client.get(ada.get_absolute_url()).content.decode()
    assert "You can offer in return" in page and "Send the hiring guide" in page
    assert reverse("contacts:offer_given", args=[offer.pk]) in page

    response = alice_client.post(reverse("contacts:offer_given", args=[offer.pk]))
    assert response.status_code == 302 and response.url == ada.get_absolute_url()
    offer.refresh_from_db()
    assert offer.given_on == timezone.localdate()
    page = alice_client.get(ada.get_absolute_url()).content.decode()
    assert reverse("contacts:offer_given", args=[offer.pk]) not in page
    assert reverse("contacts:offer_reopen", args=[offer.pk]) in page  # recently given: Reopen

    alice_client.post(reverse("contacts:offer_reopen", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.given_on is None


def test_given_long_ago_is_not_shown(alice_client, alice, ada):
    _offer(alice, ada, "Old favour", given_on=timezone.localdate() - timedelta(days=60))
    assert "Old favour" not in alice_client.get(ada.get_absolute_url()).content.decode()


def test_htmx_given_answers_the_panel_and_an_undo_toast(alice_client, alice, ada):
    offer = _offer(alice, ada)
    response = alice_client.post(reverse("contacts:offer_given", args=[offer.pk]), **HTMX)
    assert response.status_code == 200
    assert reverse("contacts:offer_reopen", args=[offer.pk]) in response["HX-Trigger"]
    assert 'data-offer="given"' in response.content.decode()
    # Marking it given twice keeps the first date.
    Offer.objects.filter(pk=offer.pk).update(given_on=timezone.localdate() - timedelta(days=3))
    alice_client.post(reverse("contacts:offer_given", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.given_on == timezone.localdate() - timedelta(days=3)
    assert alice_client.post(reverse("contacts:offer_reopen", args=[offer.pk]), **HTMX).status_code == 204


def test_an_offer_can_be_deleted(alice_client, alice, ada):
    offer = _offer(alice, ada)
    response = alice_client.post(reverse("contacts:offer_delete", args=[offer.pk]))
    assert response.status_code == 302
    assert not Offer.objects.exists()


@pytest.mark.parametrize("name", ["contacts:offer_given", "contacts:offer_reopen", "contacts:offer_delete"])
def test_another_users_offer_is_a_404_and_unchanged(bob_client, alice, ada, name):
    offer = _offer(alice, ada)
    assert bob_client.post(reverse(name, args=[offer.pk])).status_code == 404
    assert bob_client.post(reverse(name, args=[offer.pk]), **HTMX).status_code == 404
    offer.refresh_from_db()
    assert offer.given_on is None


def test_offers_are_get_refused(alice_client, alice, ada):
    offer = _offer(alice, ada)
    assert alice_client.get(reverse("contacts:offer_given", args=[offer.pk])).status_code == 405
    offer.refresh_from_db()
    assert offer.given_on is None


def test_editing_an_interaction_leaves_its_offers_alone(alice_client, alice, ada):
    alice_client.post(reverse("contacts:interaction_create", args=[ada.pk]), log_post([ada.pk]))
    interaction = Interaction.objects.get()
    edit = reverse("contacts:interaction_edit", args=[interaction.pk])
    assert "What can you offer in return?" not in alice_client.get(edit).content.decode()
    alice_client.post(
        edit,
        {
            "occurred_on": interaction.occurred_on.isoformat(),
            "kind": "call",
            "contacts": [str(ada.pk)],
            "summary": "Changed",
            "exchange": "gave",
        },
    )
    interaction.refresh_from_db()
    assert interaction.kind == "call"
    assert Offer.objects.filter(interaction=interaction).count() == 2
