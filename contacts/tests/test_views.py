import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact, Interaction, RoleHistory, Tag
from contacts.tests.factories import make_contact, make_interaction, make_reminder, make_tag
from reminders.models import Reminder

HTMX = {"HTTP_HX_REQUEST": "true"}


def contact_post(**overrides) -> dict:
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "company": "Analytical Engines",
        "title": "Analyst",
        "relationship": "mentor",
        "network": "strategic",
        "tie_strength": "strong",
        "emails-TOTAL_FORMS": "2",
        "emails-INITIAL_FORMS": "0",
        "emails-0-value": "ada@example.org",
        "emails-0-label": "work",
        "emails-1-value": "ada@home.example.org",
        "emails-1-label": "home",
        "phones-TOTAL_FORMS": "1",
        "phones-INITIAL_FORMS": "0",
        "phones-0-value": "+44 20 7946 0000",
        "phones-0-label": "mobile",
    }
    data.update(overrides)
    return data


def log_post(contact_ids, **overrides) -> dict:
    data = {
        "log-occurred_on": "2026-10-01",
        "log-kind": "coffee",
        "log-contacts": [str(pk) for pk in contact_ids],
        "log-summary": "Talked about the engine",
        "log-topics": "maths",
        "log-exchange": "gave",
        "log-follow_up_on": "",
    }
    data.update(overrides)
    return data


# --- list ------------------------------------------------------------------------


def test_list_shows_only_my_active_contacts(alice_client, alice, bob):
    make_contact(owner=alice, first_name="Ada", last_name="Lovelace", emails=["ada@example.org"])
    make_contact(owner=alice, first_name="Old", last_name="Friend", archived=True)
    make_contact(owner=bob, first_name="Bobs", last_name="Secret")
    response = alice_client.get(reverse("contacts:list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Ada Lovelace" in body and "ada@example.org" in body
    assert "Old Friend" not in body
    assert "Bobs Secret" not in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=lovelace", {"Ada Lovelace"}),
        ("q=acme", {"Grace Hopper"}),
        ("q=ada%40example", {"Ada Lovelace"}),
        ("q=investors", {"Grace Hopper"}),
        ("q=grace+acme", {"Grace Hopper"}),
        ("relationship=mentor", {"Ada Lovelace"}),
        ("tie_strength=strong", {"Grace Hopper"}),
        ("network=personal&archived=all", {"Alan Turing"}),
        ("archived=only", {"Alan Turing"}),
        ("archived=all", {"Ada Lovelace", "Grace Hopper", "Alan Turing"}),
    ],
)
def test_list_search_and_filters(alice_client, alice, query, expected):
    investors = make_tag(owner=alice, name="investors")
    make_contact(
        owner=alice,
        first_name="Ada",
        last_name="Lovelace",
        company="Engines",
        relationship="mentor",
        emails=["ada@example.org"],
    )
    make_contact(
        owner=alice,
        first_name="Grace",
        last_name="Hopper",
        company="Acme",
        tie_strength="strong",
        tags=[investors],
    )
    make_contact(
        owner=alice,
        first_name="Alan",
        last_name="Turing",
        company="Bletchley",
        network="personal",
        archived=True,
    )
    body = alice_client.get(f"{reverse('contacts:list')}?{query}").content.decode()
    shown = {name for name in ("Ada Lovelace", "Grace Hopper", "Alan Turing") if name in body}
    assert shown == expected


def test_list_filters_by_tag_id(alice_client, alice):
    london = make_tag(owner=alice, name="london")
    make_contact(owner=alice, first_name="In", last_name="London", tags=[london])
    make_contact(owner=alice, first_name="Not", last_name="There")
    body = alice_client.get(f"{reverse('contacts:list')}?tag={london.pk}").content.decode()
    assert "In London" in body and "Not There" not in body


def test_list_sorts_by_last_interaction_recent_first(alice_client, alice):
    make_contact(owner=alice, first_name="Zed", last_interaction_on=date(2026, 9, 1))
    make_contact(owner=alice, first_name="Amy", last_interaction_on=date(2025, 1, 1))
    make_contact(owner=alice, first_name="Never", last_name="Met")
    body = alice_client.get(f"{reverse('contacts:list')}?sort=-last").content.decode()
    assert body.index("Zed") < body.index("Amy") < body.index("Never Met")


def test_list_paginates_fifty_a_page(alice_client, alice):
    Contact.objects.bulk_create(
        [Contact(owner=alice, first_name=f"P{n:03d}", last_name="X") for n in range(120)]
    )
    first = alice_client.get(reverse("contacts:list")).content.decode()
    third = alice_client.get(f"{reverse('contacts:list')}?page=3").content.decode()
    assert "P000 X" in first and "P049 X" in first and "P050 X" not in first
    assert "P100 X" in third and "101–120 of 120" in third


@pytest.mark.parametrize(
    "query",
    ["page=zzz", "page=-4", "page=99999", "sort=evil", "tag=999999", "tag=abc", "archived=x", "q=%00"],
)
def test_list_survives_malformed_query_strings(alice_client, alice, query):
    make_contact(owner=alice, first_name="Ada")
    response = alice_client.get(f"{reverse('contacts:list')}?{query}")
    assert response.status_code == 200
    assert "Ada" in response.content.decode()


def test_list_htmx_request_gets_the_table_fragment(alice_client, alice):
    make_contact(owner=alice, first_name="Ada")
    response = alice_client.get(f"{reverse('contacts:list')}?q=ada", **HTMX)
    body = response.content.decode()
    assert 'id="contact-table"' in body and "<nav" not in body
    assert response["Vary"].lower().count("hx-request") == 1


def test_last_interaction_shown_as_distance(alice_client, alice):
    today = timezone.localdate()
    make_contact(owner=alice, first_name="Ada", last_interaction_on=today - timedelta(days=95))
    assert "3 months ago" in alice_client.get(reverse("contacts:list")).content.decode()


# --- bulk ----------------------------------------------------------------------


def test_bulk_add_tag_touches_only_my_selected_contacts(alice_client, alice, bob):
    a1, a2, a3 = (make_contact(owner=alice) for _ in range(3))
    theirs = make_contact(owner=bob)
    response = alice_client.post(
        reverse("contacts:bulk"),
        {"ids": [a1.pk, a2.pk, theirs.pk], "action": "add_tag", "tag": "london", "next": "/contacts/?q=x"},
    )
    assert response.status_code == 302 and response["Location"] == "/contacts/?q=x"
    london = Tag.objects.get(owner=alice, name="london")
    assert set(london.contacts.all()) == {a1, a2}
    assert not a3.tags.exists() and not theirs.tags.exists()
    assert not Tag.objects.filter(owner=bob).exists()


@pytest.mark.parametrize(
    ("action", "extra", "field", "value"),
    [
        ("set_tie_strength", {"tie_strength": "strong"}, "tie_strength", "strong"),
        ("set_relationship", {"relationship": "mentor"}, "relationship", "mentor"),
        ("set_cadence", {"cadence": "2"}, "checkin_cadence_months", 2),
        ("set_cadence", {"cadence": ""}, "checkin_cadence_months", None),
        ("archive", {}, "archived", True),
    ],
)
def test_bulk_updates(alice_client, alice, bob, action, extra, field, value):
    mine = make_contact(owner=alice, checkin_cadence_months=5)
    theirs = make_contact(owner=bob, checkin_cadence_months=5)
    alice_client.post(reverse("contacts:bulk"), {"ids": [mine.pk, theirs.pk], "action": action, **extra})
    mine.refresh_from_db()
    theirs_before = Contact.objects.get(pk=theirs.pk)
    assert getattr(mine, field) == value
    assert theirs_before.tie_strength == "weak" and not theirs_before.archived
    assert theirs_before.checkin_cadence_months == 5 and theirs_before.relationship == "other"


def test_bulk_remove_tag_and_unarchive(alice_client, alice):
    london = make_tag(owner=alice, name="london")
    contact = make_contact(owner=alice, tags=[london], archived=True)
    alice_client.post(
        reverse("contacts:bulk"), {"ids": [contact.pk], "action": "remove_tag", "tag": "London"}
    )
    alice_client.post(reverse("contacts:bulk"), {"ids": [contact.pk], "action": "unarchive"})
    contact.refresh_from_db()
    assert not contact.tags.exists() and not contact.archived


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "archive"}, "Select at least one contact."),
        ({"ids": ["1"], "action": "explode"}, "Select a valid choice"),
        ({"ids": ["1"], "action": "add_tag", "tag": " "}, "Give the tag to add."),
        ({"ids": ["x"], "action": "archive"}, "Invalid selection."),
        ({"ids": ["1"], "action": "set_cadence", "cadence": "61"}, "less than or equal to 60"),
    ],
)
def test_bulk_invalid_input_is_a_message_not_a_500(alice_client, alice, data, message):
    response = alice_client.post(reverse("contacts:bulk"), data, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_bulk_refuses_get(alice_client):
    assert alice_client.get(reverse("contacts:bulk")).status_code == 405


def test_bulk_next_cannot_redirect_off_site(alice_client, alice):
    contact = make_contact(owner=alice)
    response = alice_client.post(
        reverse("contacts:bulk"), {"ids": [contact.pk], "action": "archive", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("contacts:list")


# --- create / edit -------------------------------------------------------------


def test_create_contact_with_two_emails_a_phone_and_new_tags(alice_client, alice):
    make_tag(owner=alice, name="London")
    response = alice_client.post(
        reverse("contacts:create"),
        contact_post(tags_text="london, investors, investors", birthday_month="12", birthday_day="10"),
    )
    contact = Contact.objects.get(owner=alice)
    assert response.status_code == 302 and response["Location"] == contact.get_absolute_url()
    assert [(e.value, e.label) for e in contact.emails.all()] == [
        ("ada@example.org", "work"),
        ("ada@home.example.org", "home"),
    ]
    assert [p.value for p in contact.phones.all()] == ["+44 20 7946 0000"]
    assert sorted(t.name for t in contact.tags.all()) == ["London", "investors"]
    assert Tag.objects.filter(owner=alice).count() == 2
    assert contact.birthday_display == "10 December"


def test_create_form_shows_two_email_rows(alice_client):
    body = alice_client.get(reverse("contacts:create")).content.decode()
    assert 'name="emails-0-value"' in body and 'name="emails-1-value"' in body


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"birthday_month": "2", "birthday_day": "30"}, "birthday_day", "February has no day 30."),
        (
            {"birthday_month": "2", "birthday_day": "29", "birthday_year": "2023"},
            "birthday_day",
            "February has no day 29 in 2023.",
        ),
        ({"birthday_month": "4", "birthday_day": ""}, "birthday_day", "Give both the month and the day."),
        ({"birthday_year": "1990"}, "birthday_month", "A birthday year needs the month and the day too."),
        ({"first_name": ""}, "first_name", "This field is required."),
        ({"checkin_cadence_months": "61"}, "checkin_cadence_months", "less than or equal to 60"),
        ({"checkin_cadence_months": "-1"}, "checkin_cadence_months", "greater than or equal to 0"),
        ({"linkedin_url": "not a url"}, "linkedin_url", "Enter a valid URL."),
        ({"emails-0-value": "not-an-email"}, "emails-0-value", "Enter a valid email address."),
    ],
)
def test_create_contact_field_errors(alice_client, alice, fields, field, message):
    response = alice_client.post(reverse("contacts:create"), contact_post(**fields))
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert not Contact.objects.filter(owner=alice).exists()


def test_feb_29_without_a_year_is_allowed(alice_client, alice):
    alice_client.post(reverse("contacts:create"), contact_post(birthday_month="2", birthday_day="29"))
    assert Contact.objects.get(owner=alice).birthday_display == "29 February"


def test_introduced_by_must_be_my_contact(alice_client, alice, bob):
    theirs = make_contact(owner=bob)
    response = alice_client.post(reverse("contacts:create"), contact_post(introduced_by=str(theirs.pk)))
    assert "Choose someone from your contacts." in response.content.decode()
    assert not Contact.objects.filter(owner=alice).exists()


def test_introduced_by_is_a_search_not_a_list_of_everyone(alice_client, alice):
    grace = make_contact(owner=alice, first_name="Grace", last_name="Hopper")
    make_contact(owner=alice, first_name="Somebody", last_name="Else")
    ada = make_contact(owner=alice, first_name="Ada", introduced_by=grace)
    body = alice_client.get(reverse("contacts:edit", args=[ada.pk])).content.decode()
    assert f'name="introduced_by" value="{grace.pk}" checked' in body
    assert "Somebody Else" not in body
    found = alice_client.get(reverse("contacts:picker"), {"q": "a", "exclude": ada.pk}).content.decode()
    assert "Somebody Else" in found and "Ada " not in found
    response = alice_client.post(
        reverse("contacts:edit", args=[ada.pk]), contact_post(first_name="Ada", introduced_by="")
    )
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.introduced_by is None


def test_edit_changing_company_records_the_old_role_and_a_job_change(alice_client, alice):
    contact = make_contact(
        owner=alice, company="Acme", title="Engineer", started_on=date(2020, 3, 1), emails=["old@example.org"]
    )
    email = contact.emails.get()
    data = contact_post(
        company="Globex",
        title="CTO",
        **{
            "emails-TOTAL_FORMS": "1",
            "emails-INITIAL_FORMS": "1",
            "emails-0-id": str(email.pk),
            "emails-0-value": "new@example.org",
            "emails-0-label": "work",
            "emails-1-value": "",
        },
    )
    response = alice_client.post(reverse("contacts:edit", args=[contact.pk]), data)
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.company, contact.title) == ("Globex", "CTO")
    assert [e.value for e in contact.emails.all()] == ["new@example.org"]
    role = RoleHistory.objects.get(contact=contact)
    assert (role.company, role.title, role.ended_on) == ("Acme", "Engineer", timezone.localdate())
    assert Reminder.objects.filter(contact=contact, kind="job_change").count() == 1
    page = alice_client.get(contact.get_absolute_url()).content.decode()
    assert "Engineer at Acme" in page


def test_edit_without_role_change_makes_no_job_change(alice_client, alice):
    contact = make_contact(owner=alice, first_name="Ada", company="Acme", title="Engineer")
    alice_client.post(
        reverse("contacts:edit", args=[contact.pk]),
        contact_post(first_name="Ada", company="Acme", title="Engineer", tie_strength="weak"),
    )
    assert not RoleHistory.objects.exists()
    assert not Reminder.objects.filter(kind="job_change").exists()


def test_edit_form_prefills_tags_and_birthday(alice_client, alice):
    contact = make_contact(
        owner=alice, birthday_month=2, birthday_day=29, tags=[make_tag(owner=alice, name="vc")]
    )
    body = alice_client.get(reverse("contacts:edit", args=[contact.pk])).content.decode()
    assert 'value="vc"' in body and 'value="29"' in body


# --- detail and logging --------------------------------------------------------


def test_detail_shows_fields_timeline_newest_first_and_open_reminders(alice_client, alice):
    boss = make_contact(owner=alice, first_name="Grace", last_name="Hopper")
    contact = make_contact(
        owner=alice,
        first_name="Ada",
        introduced_by=boss,
        how_we_met="Conference",
        phones=["+44 1"],
        emails=["ada@example.org"],
    )
    make_interaction(contact=contact, occurred_on=date(2025, 1, 1), summary="Older chat")
    make_interaction(contact=contact, occurred_on=date(2026, 1, 1), summary="Newer chat")
    make_reminder(contact=contact, kind="birthday", due_on=date(2026, 12, 10))
    make_reminder(contact=contact, kind="follow_up", due_on=date(2026, 1, 3), status="done")
    body = alice_client.get(contact.get_absolute_url()).content.decode()
    assert body.index("Newer chat") < body.index("Older chat")
    assert "Grace Hopper" in body and "Conference" in body and "ada@example.org" in body
    assert "Birthday" in body and "Follow-up" not in body


def test_detail_timeline_is_capped_with_show_more(alice_client, alice):
    contact = make_contact(owner=alice)
    rows = Interaction.objects.bulk_create(
        [
            Interaction(
                owner=alice, occurred_on=date(2020, 1, 1) + timedelta(days=n), summary=f"chat-{n:03d}"
            )
            for n in range(60)
        ]
    )
    Interaction.contacts.through.objects.bulk_create(
        [Interaction.contacts.through(interaction_id=i.pk, contact_id=contact.pk) for i in rows]
    )
    body = alice_client.get(contact.get_absolute_url()).content.decode()
    assert "chat-059" in body and "chat-010" in body and "chat-009" not in body
    assert "Show older interactions" in body
    more = alice_client.get(reverse("contacts:timeline", args=[contact.pk]) + "?offset=50").content.decode()
    assert "chat-009" in more and "chat-000" in more and "chat-010" not in more
    assert "Show older interactions" not in more


def test_log_form_defaults_to_today_and_suggests_follow_up_for_a_first_meeting(alice_client, alice):
    contact = make_contact(owner=alice)
    today = timezone.localdate()
    body = alice_client.get(
        reverse("contacts:interaction_create", args=[contact.pk]), **HTMX
    ).content.decode()
    assert f'name="log-occurred_on" value="{today:%Y-%m-%d}"' in body
    assert f'name="log-follow_up_on" value="{today + timedelta(days=2):%Y-%m-%d}"' in body
    assert f'name="log-contacts" value="{contact.pk}" checked' in body
    assert "<nav" not in body  # a fragment for the contact page


def test_log_button_works_without_javascript(alice_client, alice):
    contact = make_contact(owner=alice)
    url = reverse("contacts:interaction_create", args=[contact.pk])
    page = alice_client.get(contact.get_absolute_url()).content.decode()
    assert f'href="{url}" id="log-toggle"' in page and 'name="log-summary"' not in page
    standalone = alice_client.get(url).content.decode()
    assert "<nav" in standalone and 'name="log-summary"' in standalone


def test_log_form_suggests_no_follow_up_when_we_met_before(alice_client, alice):
    contact = make_contact(owner=alice)
    make_interaction(contact=contact, occurred_on=date(2025, 1, 1))
    body = alice_client.get(
        reverse("contacts:interaction_create", args=[contact.pk]), **HTMX
    ).content.decode()
    (field,) = re.findall(r'<input[^>]*name="log-follow_up_on"[^>]*>', body)
    assert 'type="date"' in field and "value=" not in field  # offered, left empty


def test_log_date_defaults_to_today_in_the_users_time_zone(alice_client, alice):
    """Auckland is 12-13 hours ahead of UTC: for half of every UTC day its date differs."""
    alice.profile.timezone = "Pacific/Auckland"
    alice.profile.save()
    contact = make_contact(owner=alice)
    auckland_today = timezone.localdate(timezone=ZoneInfo("Pacific/Auckland"))
    body = alice_client.get(
        reverse("contacts:interaction_create", args=[contact.pk]), **HTMX
    ).content.decode()
    assert f'name="log-occurred_on" value="{auckland_today:%Y-%m-%d}"' in body


def test_htmx_log_swaps_the_panel_with_the_new_interaction(alice_client, alice):
    contact = make_contact(owner=alice)
    other = make_contact(owner=alice, first_name="Grace", last_name="Hopper")
    response = alice_client.post(
        reverse("contacts:interaction_create", args=[contact.pk]), log_post([contact.pk, other.pk]), **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="log-panel"' in body and "Talked about the engine" in body and "✓ Logged" in body
    assert 'id="contact-reminders" hx-swap-oob="true"' in body
    interaction = Interaction.objects.get(owner=alice)
    assert set(interaction.contacts.all()) == {contact, other}
    assert interaction.exchange == "gave" and interaction.occurred_on == date(2026, 10, 1)
    contact.refresh_from_db()
    assert contact.last_interaction_on == date(2026, 10, 1)


def test_plain_post_log_redirects_back(alice_client, alice):
    contact = make_contact(owner=alice)
    response = alice_client.post(
        reverse("contacts:interaction_create", args=[contact.pk]), log_post([contact.pk])
    )
    assert response.status_code == 302 and response["Location"] == contact.get_absolute_url()
    assert Interaction.objects.filter(owner=alice).count() == 1


def test_plain_post_log_with_errors_shows_the_contact_page_with_the_form(alice_client, alice):
    contact = make_contact(owner=alice, first_name="Ada")
    response = alice_client.post(
        reverse("contacts:interaction_create", args=[contact.pk]),
        log_post([contact.pk], **{"log-kind": "duel"}),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in body and "Ada" in body and "Select a valid choice" in body
    assert 'name="log-summary"' in body
    assert not Interaction.objects.exists()


def test_log_closes_the_open_check_in(alice_client, alice):
    contact = make_contact(owner=alice)
    check_in = make_reminder(contact=contact, kind="check_in", due_on=date(2026, 9, 1))
    alice_client.post(
        reverse("contacts:interaction_create", args=[contact.pk]),
        log_post([contact.pk], **{"log-occurred_on": timezone.localdate().isoformat()}),
    )
    check_in.refresh_from_db()
    assert check_in.status == "done"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"log-occurred_on": "2026-02-30"}, "Enter a valid date."),
        ({"log-occurred_on": ""}, "This field is required."),
        ({"log-kind": "duel"}, "Select a valid choice"),
        ({"log-follow_up_on": "2026-09-01"}, "The follow-up cannot be before the interaction."),
        ({"log-contacts": []}, "Choose at least one person."),
        ({"log-exchange": "stole"}, "Select a valid choice"),
    ],
)
def test_log_errors_are_shown_in_the_swapped_form(alice_client, alice, overrides, message):
    contact = make_contact(owner=alice)
    response = alice_client.post(
        reverse("contacts:interaction_create", args=[contact.pk]), log_post([contact.pk], **overrides), **HTMX
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Interaction.objects.exists()


def test_log_with_someone_elses_contact_is_refused(alice_client, alice, bob):
    contact = make_contact(owner=alice)
    theirs = make_contact(owner=bob)
    response = alice_client.post(
        reverse("contacts:interaction_create", args=[contact.pk]), log_post([contact.pk, theirs.pk]), **HTMX
    )
    assert "Choose people from your contacts." in response.content.decode()
    assert not Interaction.objects.exists()


def test_picker_finds_only_my_contacts_and_skips_chosen(alice_client, alice, bob):
    chosen = make_contact(owner=alice, first_name="Grace", last_name="One")
    make_contact(owner=alice, first_name="Grace", last_name="Two")
    make_contact(owner=bob, first_name="Grace", last_name="Bobs")
    body = alice_client.get(
        reverse("contacts:picker"), {"q": "grace", "log-contacts": [chosen.pk]}
    ).content.decode()
    assert "Grace Two" in body and "Grace One" not in body and "Grace Bobs" not in body


# --- archive / delete ------------------------------------------------------------


def test_archive_toggles_and_get_is_refused(alice_client, alice):
    contact = make_contact(owner=alice)
    assert alice_client.get(reverse("contacts:archive", args=[contact.pk])).status_code == 405
    alice_client.post(reverse("contacts:archive", args=[contact.pk]))
    contact.refresh_from_db()
    assert contact.archived
    alice_client.post(reverse("contacts:archive", args=[contact.pk]))
    contact.refresh_from_db()
    assert not contact.archived


def test_delete_asks_first_then_deletes_with_lonely_interactions(alice_client, alice):
    contact = make_contact(owner=alice, first_name="Ada")
    friend = make_contact(owner=alice)
    lonely = make_interaction(contact=contact)
    shared = make_interaction(contacts=[contact, friend])
    confirm = alice_client.get(reverse("contacts:delete", args=[contact.pk]))
    assert confirm.status_code == 200 and "Delete Ada" in confirm.content.decode()
    assert "the 1 interaction logged only with them; 1 shared interaction stays" in confirm.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists()
    response = alice_client.post(reverse("contacts:delete", args=[contact.pk]))
    assert response.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert not Interaction.objects.filter(pk=lonely.pk).exists()
    assert list(Interaction.objects.get(pk=shared.pk).contacts.all()) == [friend]


# --- interactions ----------------------------------------------------------------


def test_edit_interaction_changes_people_and_refreshes_both(alice_client, alice):
    ada = make_contact(owner=alice, last_interaction_on=date(2026, 1, 1))
    grace = make_contact(owner=alice)
    interaction = make_interaction(contact=ada, occurred_on=date(2026, 1, 1))
    data = {
        "occurred_on": "2026-02-01",
        "kind": "call",
        "contacts": [grace.pk],
        "summary": "Moved",
        "topics": "",
        "exchange": "",
        "follow_up_on": "",
    }
    response = alice_client.post(reverse("contacts:interaction_edit", args=[interaction.pk]), data)
    assert response.status_code == 302
    interaction.refresh_from_db()
    assert interaction.kind == "call" and interaction.exchange is None
    assert list(interaction.contacts.all()) == [grace]
    ada.refresh_from_db()
    grace.refresh_from_db()
    assert ada.last_interaction_on is None and grace.last_interaction_on == date(2026, 2, 1)


def test_delete_interaction_confirm_then_post(alice_client, alice):
    ada = make_contact(owner=alice)
    interaction = make_interaction(contact=ada, occurred_on=date(2026, 1, 1))
    assert alice_client.get(reverse("contacts:interaction_delete", args=[interaction.pk])).status_code == 200
    response = alice_client.post(reverse("contacts:interaction_delete", args=[interaction.pk]))
    assert response.status_code == 302 and response["Location"] == ada.get_absolute_url()
    assert not Interaction.objects.exists()


# --- tags ------------------------------------------------------------------------


def test_tags_page_creates_edits_and_deletes(alice_client, alice):
    alice_client.post(reverse("contacts:tags"), {"name": "investors", "checkin_cadence_months": "1"})
    tag = Tag.objects.get(owner=alice)
    assert tag.checkin_cadence_months == 1
    contact = make_contact(owner=alice, tags=[tag])
    body = alice_client.get(reverse("contacts:tags")).content.decode()
    assert "every 1 month" in body
    alice_client.post(
        reverse("contacts:tag_edit", args=[tag.pk]), {"name": "angels", "checkin_cadence_months": ""}
    )
    tag.refresh_from_db()
    assert (tag.name, tag.checkin_cadence_months) == ("angels", None)
    alice_client.post(reverse("contacts:tag_delete", args=[tag.pk]))
    assert not Tag.objects.exists()
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_duplicate_tag_name_is_a_field_error(alice_client, alice):
    make_tag(owner=alice, name="London")
    response = alice_client.post(reverse("contacts:tags"), {"name": "london"})
    assert "You already have a tag called" in response.content.decode()
    assert Tag.objects.filter(owner=alice).count() == 1


def test_timeline_lists_the_other_people_without_a_trailing_comma(alice_client, alice):
    zed = make_contact(owner=alice, first_name="Zed", last_name="Last")
    arjun = make_contact(owner=alice, first_name="Arjun", last_name="Patel")
    make_interaction(contacts=[zed, arjun], summary="Lunch")
    html = alice_client.get(f"/contacts/{zed.pk}/").content.decode()
    with_line = html[html.index("With ") : html.index("</div>", html.index("With "))]
    assert "Arjun Patel</a>" in with_line and "," not in with_line and "Zed" not in with_line


def test_reminders_panel_says_birthday_once_and_overdue_since(alice_client, alice):
    from django.utils import timezone

    ada = make_contact(owner=alice, first_name="Ada", birthday_month=3, birthday_day=4)
    make_reminder(contact=ada, kind="birthday", due_on=timezone.localdate(), detail="birthday")
    make_reminder(contact=ada, kind="check_in", due_on=date(2026, 8, 8))
    panel = alice_client.get(f"/contacts/{ada.pk}/").content.decode()
    panel = panel[panel.index('id="contact-reminders"') :]
    assert "Birthday — birthday" not in panel and "Birthday" in panel
    assert "overdue since 8 Aug" in panel and "due 8 Aug 2026" not in panel


def test_contact_page_shows_whom_they_introduced(alice_client, alice):
    ada = make_contact(owner=alice, first_name="Ada", last_name="Lovelace")
    make_contact(owner=alice, first_name="Grace", last_name="Hopper", introduced_by=ada)
    make_contact(owner=alice, first_name="Linus", last_name="Torvalds", introduced_by=ada)
    html = alice_client.get(f"/contacts/{ada.pk}/").content.decode()
    introduced = html[html.index('id="introduced"') : html.index("</dd>", html.index('id="introduced"'))]
    assert "Grace Hopper" in introduced and "Linus Torvalds" in introduced


def test_contacts_page_links_import_export_and_duplicates(alice_client):
    html = alice_client.get("/contacts/").content.decode()
    for url in ("/contacts/import/", "/contacts/export/", "/contacts/duplicates/"):
        assert f'href="{url}"' in html
