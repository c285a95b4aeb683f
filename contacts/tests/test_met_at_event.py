"""Met at an event (/contacts/met/): people created or matched by the import's rules, one
event interaction each on the event's date, a follow-up the reminder engine raises two
days later, all or nothing, and a query count that does not grow with the account."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact, ContactEmail, Interaction
from contacts.tests.factories import make_contact
from reminders.models import Reminder

URL = "/contacts/met/"


def met_post(people: list[dict], *, event: str = "PyData London", occurred_on=None, total: int = 5) -> dict:
    occurred_on = occurred_on or timezone.localdate()
    data = {
        "event": event,
        "occurred_on": occurred_on.isoformat(),
        "people-TOTAL_FORMS": str(max(total, len(people))),
        "people-INITIAL_FORMS": "0",
        "people-MIN_NUM_FORMS": "0",
        "people-MAX_NUM_FORMS": "30",
    }
    for i, person in enumerate(people):
        for key, value in person.items():
            data[f"people-{i}-{key}"] = value
    return data


def test_the_form_has_five_blank_rows_without_javascript_and_an_empty_row_to_clone(alice_client):
    assert reverse("contacts:met") == URL
    html = alice_client.get(URL).content.decode()
    assert 'name="people-TOTAL_FORMS" value="5"' in html
    assert 'name="people-4-name"' in html and 'name="people-5-name"' not in html
    assert '<template id="met-empty-row">' in html and 'name="people-__prefix__-name"' in html
    assert 'id="met-add" hidden' in html  # shown by static/js/met.js


def test_new_people_become_contacts_with_an_event_interaction_and_a_follow_up(alice_client, alice):
    day = timezone.localdate() - timedelta(days=1)
    response = alice_client.post(
        URL,
        met_post(
            [
                {
                    "name": "Ada Lovelace",
                    "company": "Analytical Engines",
                    "handle": "ada@example.org",
                    "notes": "Wants intros to fintech people",
                },
                {"name": "Grace Hopper", "handle": "https://www.linkedin.com/in/grace-hopper/"},
            ],
            occurred_on=day,
        ),
    )
    assert response.status_code == 302 and response.url == reverse("contacts:met_done")
    ada = Contact.objects.get(owner=alice, first_name="Ada")
    grace = Contact.objects.get(owner=alice, first_name="Grace")
    assert (ada.last_name, ada.company, ada.how_we_met) == (
        "Lovelace",
        "Analytical Engines",
        "Met at PyData London",
    )
    assert list(ada.emails.values_list("value", flat=True)) == ["ada@example.org"]
    assert grace.linkedin_url == "https://www.linkedin.com/in/grace-hopper"
    for contact in (ada, grace):
        (interaction,) = contact.interactions.all()
        assert interaction.kind == "event" and interaction.occurred_on == day
        assert interaction.follow_up_on == day + timedelta(days=2)
        assert list(interaction.contacts.all()) == [contact]  # one interaction per person
        assert contact.last_interaction_on == Contact.objects.get(pk=contact.pk).last_interaction_on == day
    assert ada.interactions.get().summary == "Met at PyData London\nWants intros to fintech people"
    assert grace.interactions.get().summary == "Met at PyData London"


def test_a_new_contacts_first_interaction_is_the_event_on_its_date(alice_client, alice):
    """What the goals' "new people met at an event" counts."""
    day = timezone.localdate() - timedelta(days=3)
    alice_client.post(URL, met_post([{"name": "Ada Lovelace"}], occurred_on=day))
    ada = Contact.objects.get(owner=alice)
    first = ada.interactions.order_by("occurred_on", "id").first()
    assert (first.kind, first.occurred_on) == ("event", day)
    assert ada.interactions.count() == 1


def test_the_summary_lists_who_was_created_and_who_matched_with_links(alice_client, alice):
    known = make_contact(owner=alice, first_name="Robert", last_name="Noyce", emails=["bob@intel.example"])
    response = alice_client.post(
        URL,
        met_post([{"name": "Ada Lovelace"}, {"name": "Bob Noyce", "handle": "BOB@intel.example"}]),
        follow=True,
    )
    html = response.content.decode()
    ada = Contact.objects.get(owner=alice, first_name="Ada")
    created = html.split('id="met-created"')[1].split("</ul>")[0]
    matched = html.split('id="met-matched"')[1].split("</ul>")[0]
    assert f'href="/contacts/{ada.pk}/"' in created and "Ada Lovelace" in created
    assert f'href="/contacts/{known.pk}/"' in matched and "Robert Noyce" in matched
    assert "typed “Bob Noyce”" in matched
    assert "1 new contact, 1 already in your contacts" in html


def test_the_summary_page_without_a_save_goes_back_to_the_form(alice_client):
    response = alice_client.get(reverse("contacts:met_done"))
    assert response.status_code == 302 and response.url == URL


@pytest.mark.parametrize(
    "stored, typed",
    [
        ("Ada@Example.ORG", "ada@example.org"),
        ("ada@example.org", "  ADA@EXAMPLE.ORG "),
        ("josé@bücher.example", "JOSÉ@xn--bcher-kva.example"),
    ],
)
def test_an_existing_contact_is_matched_by_email(alice_client, alice, stored, typed):
    known = make_contact(owner=alice, first_name="Ada", last_name="King", company="", emails=[stored])
    alice_client.post(URL, met_post([{"name": "Ada Lovelace", "company": "AE", "handle": typed}]))
    assert Contact.objects.filter(owner=alice).count() == 1
    (interaction,) = known.interactions.all()
    assert interaction.kind == "event"
    known.refresh_from_db()
    assert known.first_name == "Ada" and known.last_name == "King"  # a match keeps what is there
    assert known.company == "AE"  # ...and fills what was empty
    assert known.emails.count() == 1  # the same address is not added twice


@pytest.mark.parametrize(
    "stored, typed",
    [
        ("https://www.linkedin.com/in/ada-lovelace", "http://uk.linkedin.com/in/Ada-Lovelace/?trk=people"),
        ("https://linkedin.com/in/ada-lovelace/", "www.linkedin.com/in/ada-lovelace"),
        ("https://www.linkedin.com/in/ada-lovelace", "linkedin.com/in/ADA-LOVELACE#about"),
    ],
)
def test_an_existing_contact_is_matched_by_linkedin_url(alice_client, alice, stored, typed):
    known = make_contact(owner=alice, first_name="Augusta", last_name="King", linkedin_url=stored)
    alice_client.post(URL, met_post([{"name": "Ada Lovelace", "handle": typed}]))
    assert Contact.objects.filter(owner=alice).count() == 1
    assert known.interactions.get().kind == "event"


def test_an_existing_contact_is_matched_by_name_and_company(alice_client, alice):
    known = make_contact(owner=alice, first_name="Grace", last_name="Hopper", company="US Navy")
    alice_client.post(
        URL,
        met_post(
            [{"name": "grace  HOPPER", "company": "us navy"}, {"name": "Grace Hopper", "company": "Yale"}]
        ),
    )
    assert known.interactions.count() == 1
    assert Contact.objects.filter(owner=alice, first_name="Grace").count() == 2  # at Yale: someone else


def test_a_matched_contact_gets_a_new_email(alice_client, alice):
    known = make_contact(
        owner=alice, first_name="Grace", last_name="Hopper", company="Navy", emails=["g@navy.example"]
    )
    alice_client.post(
        URL, met_post([{"name": "Grace Hopper", "company": "Navy", "handle": "grace@yale.example"}])
    )
    assert sorted(known.emails.values_list("value", flat=True)) == ["g@navy.example", "grace@yale.example"]
    assert ContactEmail.objects.get(value="grace@yale.example").owner_id == alice.pk


def test_another_users_contacts_are_never_matched(alice_client, alice, bob):
    make_contact(owner=bob, first_name="Ada", last_name="Lovelace", emails=["ada@example.org"])
    alice_client.post(URL, met_post([{"name": "Ada Lovelace", "handle": "ada@example.org"}]))
    mine = Contact.objects.get(owner=alice)
    assert mine.interactions.get().owner_id == alice.pk
    assert Interaction.objects.filter(owner=bob).count() == 0


def test_two_rows_for_one_person_make_one_contact_and_one_interaction(alice_client, alice):
    alice_client.post(
        URL,
        met_post(
            [
                {"name": "Ada Lovelace", "handle": "ada@example.org", "notes": "Engines"},
                {"name": "Ada L.", "handle": "Ada@Example.org", "notes": "Poetry"},
            ]
        ),
    )
    ada = Contact.objects.get(owner=alice)
    assert ada.interactions.get().summary == "Met at PyData London\nEngines\nPoetry"


def test_blank_rows_are_ignored(alice_client, alice):
    people = [
        {"name": ""},
        {"name": "Ada Lovelace"},
        {"name": " ", "company": "  ", "handle": "", "notes": " "},
    ]
    response = alice_client.post(URL, met_post(people, total=6))
    assert response.status_code == 302
    assert list(Contact.objects.filter(owner=alice).values_list("first_name", flat=True)) == ["Ada"]


def test_a_row_without_a_name_is_an_error_on_that_row_and_nothing_is_saved(alice_client, alice):
    people = [
        {"name": "Ada Lovelace", "handle": "ada@example.org"},
        {"name": ""},
        {"name": "", "company": "Navy", "handle": "grace@navy.example"},
    ]
    response = alice_client.post(URL, met_post(people))
    assert response.status_code == 200  # the form again, with its errors
    html = response.content.decode()
    assert "Row 3: give this person&#x27;s name, or clear the row." in html
    assert "Nothing was saved." in html and "Check row 3 below." in html
    assert 'value="ada@example.org"' in html  # what was typed is kept
    assert not Contact.objects.exists() and not Interaction.objects.exists()


@pytest.mark.parametrize(
    "handle, message",
    [
        ("not-an-email@", "Row 2: “not-an-email@” is not an email address."),
        ("https://twitter.com/ada", "Row 2: give an email address or a LinkedIn profile URL."),
        ("https://www.linkedin.com/", "is not a LinkedIn profile URL."),
    ],
)
def test_a_bad_email_or_url_is_an_error_on_its_row(alice_client, handle, message):
    response = alice_client.post(
        URL, met_post([{"name": "Ada Lovelace"}, {"name": "Grace", "handle": handle}])
    )
    assert response.status_code == 200  # the form again, with its errors
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not Contact.objects.exists()


def test_event_name_and_a_past_date_are_required(alice_client):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = alice_client.post(URL, met_post([{"name": "Ada"}], event=" ", occurred_on=tomorrow))
    html = response.content.decode()
    assert response.status_code == 200  # the form again, with its errors
    assert "Give the event&#x27;s name." in html and "cannot be in the future" in html
    assert not Contact.objects.exists()


def test_at_least_one_person(alice_client):
    response = alice_client.post(URL, met_post([]))
    assert response.status_code == 200  # the form again, with its errors
    assert "Add at least one person" in response.content.decode()


def test_broken_management_data_is_an_error_not_a_500(alice_client):
    for total in ("", "abc", "99999999999999999999", "-1", "31"):
        data = met_post([{"name": "Ada"}])
        data["people-TOTAL_FORMS"] = total
        assert alice_client.post(URL, data).status_code == 200, total
    assert not Contact.objects.exists()


def test_the_follow_up_reminder_is_raised_by_the_engine_two_days_after_the_event(alice_client, alice):
    day = timezone.localdate() - timedelta(days=4)
    alice_client.post(URL, met_post([{"name": "Ada Lovelace"}, {"name": "Grace Hopper"}], occurred_on=day))
    people = set(Contact.objects.filter(owner=alice).values_list("pk", flat=True))

    call_command("generate_reminders", "--date", (day + timedelta(days=1)).isoformat(), "--user", "alice")
    assert not Reminder.objects.filter(kind="follow_up").exists()

    call_command("generate_reminders", "--date", (day + timedelta(days=2)).isoformat(), "--user", "alice")
    follow_ups = Reminder.objects.filter(owner=alice, kind="follow_up")
    assert {r.contact_id for r in follow_ups} == people
    assert {r.due_on for r in follow_ups} == {day + timedelta(days=2)}
    assert {r.status for r in follow_ups} == {"open"}


def _met_queries(client, people: int) -> int:
    rows = [
        {"name": f"New Person{i}", "company": "Acme", "handle": f"new{i}@example.org"} for i in range(people)
    ]
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(URL, met_post(rows, total=max(5, people), event=f"Meetup {people}"))
    assert response.status_code == 302
    return len(ctx)


def test_the_query_count_does_not_grow_with_the_account_and_is_bounded_per_person(alice_client, alice, bob):
    for i in range(3):
        make_contact(
            owner=alice, emails=[f"a{i}@example.org"], linkedin_url=f"https://www.linkedin.com/in/a{i}"
        )
    _met_queries(alice_client, 2)  # the first request of a session writes more (the session, caches)
    small = _met_queries(alice_client, 2)
    for i in range(3, 60):
        make_contact(
            owner=alice, emails=[f"a{i}@example.org"], linkedin_url=f"https://www.linkedin.com/in/a{i}"
        )
    large = _met_queries(alice_client, 2)
    assert large == small

    # Per person: each new person costs the same number of queries.
    client_b = alice_client.__class__()
    client_b.force_login(bob)
    _met_queries(client_b, 1)
    one, three = _met_queries(client_b, 1), _met_queries(client_b, 3)
    per_person = (three - one) / 2
    assert per_person == int(per_person) and per_person <= 40  # contact_create + interaction_create each
