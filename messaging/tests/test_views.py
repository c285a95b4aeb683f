"""Compose and the template pages through their URLs: what is suggested and filled in,
"Sent — log it", inert user text, owner scoping and a constant query count."""

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts import services as contact_services
from contacts.models import Interaction
from contacts.tests.factories import make_contact, make_interaction, make_reminder
from messaging import rules, services
from messaging.models import MessageTemplate
from reminders.models import ReminderStatus

pytestmark = pytest.mark.django_db

SECRET = "kw-test-secret-value-8b1f3c9d2e7a4f60"
EVIL = "<script>alert(1)</script>{{ settings.SECRET_KEY }}"


def compose_url(contact, **query) -> str:
    url = reverse("messaging:compose", args=[contact.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def body_of(response) -> str:
    return response.context["form"].initial["body"]


def mailto_of(response) -> dict:
    match = re.search(r'id="compose-mailto" href="([^"]+)"', response.content.decode())
    assert match, "no mailto: link"
    parts = urlsplit(html.unescape(match.group(1)))
    return {"to": parts.path, **{k: v[0] for k, v in parse_qs(parts.query).items()}}


@pytest.fixture
def ada(alice):
    alice.first_name, alice.last_name = "Sam", "Rivera"
    alice.save()
    return make_contact(
        owner=alice,
        first_name="Ada",
        last_name="Lovelace",
        company="Analytical Engines",
        title="Analyst",
        emails=["ada@example.org", "ada.home@example.org"],
        created_at=timezone.now() - timedelta(days=30),
    )


# --- the template the moment calls for, filled in ---------------------------------------


def test_a_birthday_reminder_gets_the_birthday_message(alice_client, ada):
    reminder = make_reminder(contact=ada, kind="birthday", detail="turns 36")
    response = alice_client.get(compose_url(ada, reminder=reminder.pk))
    assert response.status_code == 200
    m = response.context["m"]
    assert m.template.slug == "birthday" and m.suggested
    assert body_of(response).startswith("Hi Ada,\n\nHappy birthday!")
    assert body_of(response).endswith("Warmly,\nSam Rivera")
    assert response.context["form"].initial["subject"] == "Happy birthday, Ada!"
    page = response.content.decode()
    assert 'data-action="copy"' in page and 'data-action="sent"' in page and "turns 36" in page
    assert mailto_of(response) == {
        "to": "ada@example.org",
        "subject": "Happy birthday, Ada!",
        "body": body_of(response).replace("\n", "\r\n"),
    }


@pytest.mark.parametrize("kind", ["job_change", "work_anniversary"])
def test_a_new_role_or_anniversary_gets_congratulations(alice_client, ada, kind):
    reminder = make_reminder(contact=ada, kind=kind)
    response = alice_client.get(compose_url(ada, reminder=reminder.pk))
    assert response.context["m"].template.slug == "congratulations"
    assert "I saw your news from Analytical Engines" in body_of(response)
    assert "doing so well as Analyst" in body_of(response)


def test_a_dormant_tie_gets_the_reconnect_note(alice_client, alice):
    old = make_contact(owner=alice, first_name="Grace", created_at=timezone.now() - timedelta(days=800))
    make_interaction(contact=old, occurred_on=timezone.localdate() - timedelta(days=500))
    old.last_interaction_on = timezone.localdate() - timedelta(days=500)
    old.save()
    response = alice_client.get(compose_url(old))
    assert response.context["m"].contact.is_dormant
    assert response.context["m"].template.slug == "reconnect"
    assert "It's been far too long" in body_of(response)


def met(contact, days_ago: int, **fields):
    """Log an interaction through the service (it keeps `last_interaction_on`)."""
    today = timezone.localdate()
    return contact_services.interaction_create(
        owner=contact.owner,
        contact_ids=[contact.pk],
        occurred_on=today - timedelta(days=days_ago),
        today=today,
        kind=fields.pop("kind", "coffee"),
        **fields,
    )


def test_someone_met_yesterday_gets_the_follow_up_with_the_topic(alice_client, ada):
    met(ada, 1, topics="open source funding")
    response = alice_client.get(compose_url(ada))
    m = response.context["m"]
    assert m.template.slug == "follow-up"
    assert "our conversation about open source funding." in body_of(response)
    assert m.missing == () and m.unknown == ()


def test_someone_met_three_days_ago_gets_the_reconnect_note(alice_client, ada):
    met(ada, 3)
    assert alice_client.get(compose_url(ada)).context["m"].template.slug == "reconnect"


def test_someone_met_long_ago_and_again_today_is_no_new_acquaintance(alice_client, ada):
    met(ada, 200)
    met(ada, 0)
    assert alice_client.get(compose_url(ada)).context["m"].template.slug == "reconnect"


def test_years_says_the_role_on_an_anniversary_else_how_long_known(alice_client, alice, ada):
    services.templates_for_owner(owner=alice)
    own = services.template_create(owner=alice, fields={"name": "Years", "greeting": "{years}"})
    today = timezone.localdate()
    ada.started_on = (
        today.replace(year=today.year - 4)
        if (today.month, today.day) != (2, 29)
        else today.replace(year=today.year - 4, day=28)
    )
    ada.save()
    met(ada, 365 * 7 + 10)
    reminder = make_reminder(contact=ada, kind="work_anniversary")
    assert body_of(alice_client.get(compose_url(ada, template=own.slug, reminder=reminder.pk))) == "4 years"
    assert body_of(alice_client.get(compose_url(ada, template=own.slug))) == "7 years"


def test_a_logged_email_is_not_the_last_topic(alice_client, ada):
    met(ada, 9, summary="Talked about Rust.")
    met(ada, 0, kind="email", summary="Happy birthday!\n\nHi Ada")
    response = alice_client.get(compose_url(ada, template="share-article"))
    assert "given our chat about Talked about Rust: [paste the link here]" in body_of(response)


def test_an_asked_template_wins_and_an_unknown_one_falls_back(alice_client, ada):
    reminder = make_reminder(contact=ada, kind="birthday")
    asked = alice_client.get(compose_url(ada, reminder=reminder.pk, template="share-article"))
    assert asked.context["m"].template.slug == "share-article" and not asked.context["m"].suggested
    unknown = alice_client.get(compose_url(ada, reminder=reminder.pk, template="nope"))
    assert unknown.context["m"].template.slug == "birthday"
    assert "You have no template “nope”" in unknown.content.decode()


def test_missing_values_and_unknown_placeholders_are_shown_not_crashed_on(alice_client, alice):
    bare = make_contact(owner=alice, first_name="Linus", company="", title="")
    services.templates_for_owner(owner=alice)
    own = services.template_create(
        owner=alice,
        fields={"name": "Odd", "greeting": "Hi {first_name} {nickname},", "context": "At {company}."},
    )
    response = alice_client.get(compose_url(bare, template=own.slug))
    assert response.status_code == 200
    assert body_of(response) == "Hi Linus {nickname},\n\nAt {company}."
    page = response.content.decode()
    assert "Unknown placeholder <code>{nickname}</code>" in page
    assert "No value for <code>{company}</code>" in page
    assert 'id="compose-mailto"' not in page  # no email: no mailto: link, Copy still there
    assert 'data-action="copy"' in page


def test_the_first_email_saved_is_the_one_written_to(alice_client, ada):
    assert mailto_of(alice_client.get(compose_url(ada)))["to"] == "ada@example.org"


# --- Sent — log it ----------------------------------------------------------------------


def test_sent_logs_the_text_closes_the_reminder_and_goes_back(alice_client, ada):
    reminder = make_reminder(contact=ada, kind="birthday")
    response = alice_client.post(
        compose_url(ada),
        {
            "subject": "Happy birthday!",
            "body": "Hi Ada,\n\nEdited by me.",
            "reminder": reminder.pk,
            "next": "/reminders/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/reminders/"
    interaction = Interaction.objects.get()
    assert (
        interaction.kind == "email" and interaction.summary == "Happy birthday!\n\nHi Ada,\n\nEdited by me."
    )
    assert list(interaction.contacts.all()) == [ada]
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.DONE


def test_sent_without_a_reminder_logs_and_returns_to_the_contact(alice_client, ada):
    response = alice_client.post(
        compose_url(ada), {"subject": "", "body": "Hi", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == ada.get_absolute_url()
    assert Interaction.objects.get().summary == "Hi"


def test_sent_never_closes_a_reminder_of_another_contact_or_user(alice_client, alice, bob, ada):
    other = make_reminder(contact=make_contact(owner=alice))
    bobs = make_reminder(contact=make_contact(owner=bob))
    for reminder in (other, bobs):
        response = alice_client.post(compose_url(ada), {"body": "Hi", "reminder": reminder.pk})
        assert response.status_code == 302
        reminder.refresh_from_db()
        assert reminder.status == ReminderStatus.OPEN
    assert Interaction.objects.filter(contacts=ada).count() == 2


def test_an_empty_message_is_not_logged(alice_client, ada):
    response = alice_client.post(compose_url(ada), {"subject": "x", "body": "   "})
    assert response.status_code == 200
    assert "Write the message before logging it." in response.content.decode()
    assert not Interaction.objects.exists()


# --- user text stays text ------------------------------------------------------------------


@pytest.fixture
def evil(settings, alice, client):
    settings.SECRET_KEY = SECRET
    client.force_login(alice)  # after the key changed: the session is signed with it
    contact = make_contact(
        owner=alice, first_name=EVIL, last_name=EVIL, company=EVIL, emails=["x@example.org"]
    )
    services.templates_for_owner(owner=alice)
    template = services.template_create(
        owner=alice,
        fields={
            "name": EVIL,
            "subject": "Re: {first_name} " + EVIL,
            "greeting": "Hi {first_name}, " + EVIL,
            "context": "{company} {first_name.__class__} {0} " + EVIL,
            "intent": "",
            "closing": "{% debug %}",
        },
    )
    return contact, template


def test_script_and_template_syntax_are_inert_in_compose_and_mailto(client, evil):
    contact, template = evil
    response = client.get(compose_url(contact, template=template.slug))
    assert response.status_code == 200
    page = response.content.decode()
    assert SECRET not in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # The text is filled in as typed: the syntax is there, unevaluated.
    body = body_of(response)
    assert body.startswith(f"Hi {EVIL}, {EVIL}\n\n{EVIL} {{first_name.__class__}} {{0}} {EVIL}")
    assert "{% debug %}" in body
    mailto = mailto_of(response)
    assert SECRET not in str(mailto)
    assert mailto["subject"] == f"Re: {EVIL} {EVIL}" and mailto["body"] == body.replace("\n", "\r\n")
    link = re.search(r'id="compose-mailto" href="([^"]+)"', page).group(1)
    assert "<" not in link and "{" not in link and " " not in link  # all percent-encoded


def test_script_and_template_syntax_are_inert_on_the_template_pages(client, evil):
    _, template = evil
    for url in (reverse("messaging:templates"), reverse("messaging:template_edit", args=[template.pk])):
        page = client.get(url).content.decode()
        assert SECRET not in page and "<script>alert(1)</script>" not in page, url
        assert "&lt;script&gt;" in page, url


def test_script_and_template_syntax_are_inert_in_the_logged_interaction(client, evil):
    contact, _ = evil
    client.post(compose_url(contact), {"subject": EVIL, "body": EVIL})
    assert Interaction.objects.get().summary == f"{EVIL}\n\n{EVIL}"
    page = client.get(contact.get_absolute_url()).content.decode()
    assert SECRET not in page and "<script>alert(1)</script>" not in page


# --- the template pages ---------------------------------------------------------------------


def test_the_list_shows_the_five_builtins_with_their_actions(alice_client):
    response = alice_client.get(reverse("messaging:templates"))
    page = response.content.decode()
    for builtin in rules.BUILTINS:
        assert f'id="template-{builtin.slug}"' in page and builtin.name in page
    assert page.count('data-action="reset"') == 5
    assert "{first_name}" in page  # the placeholder list


def test_new_edit_hide_and_reset_through_the_pages(alice_client, alice):
    response = alice_client.post(
        reverse("messaging:template_create"),
        {
            "name": "Intro ask",
            "subject": "Intro?",
            "greeting": "Hi {first_name},",
            "context": "{foo}",
            "intent": "",
            "closing": "",
        },
        follow=True,
    )
    assert "Template “Intro ask” added." in response.content.decode()
    assert "Unknown placeholder {foo}" in response.content.decode()
    own = MessageTemplate.objects.get(owner=alice, slug="intro-ask")

    birthday = MessageTemplate.objects.get(owner=alice, slug="birthday")
    edit = reverse("messaging:template_edit", args=[birthday.pk])
    assert alice_client.get(edit).status_code == 200
    alice_client.post(
        edit,
        {
            "name": "Birthday",
            "subject": "HB",
            "greeting": "Hey {first_name}",
            "context": "",
            "intent": "",
            "closing": "",
        },
    )
    birthday.refresh_from_db()
    assert (birthday.name, birthday.greeting, birthday.slug) == ("Birthday", "Hey {first_name}", "birthday")

    alice_client.post(reverse("messaging:template_delete", args=[birthday.pk]))
    birthday.refresh_from_db()
    assert birthday.hidden
    page = alice_client.get(reverse("messaging:templates")).content.decode()
    assert 'id="template-birthday"' not in page and 'data-action="restore"' in page

    alice_client.post(reverse("messaging:template_reset", args=[birthday.pk]))
    birthday.refresh_from_db()
    assert not birthday.hidden and birthday.greeting == rules.BUILTIN_BY_SLUG["birthday"].greeting

    response = alice_client.post(reverse("messaging:template_reset", args=[own.pk]), follow=True)
    assert "Only a built-in template" in response.content.decode()
    alice_client.post(reverse("messaging:template_delete", args=[own.pk]))
    assert not MessageTemplate.objects.filter(pk=own.pk).exists()


def test_a_template_needs_a_name(alice_client):
    response = alice_client.post(reverse("messaging:template_create"), {"name": "  ", "greeting": "Hi"})
    assert response.status_code == 200 and "Give the template a name." in response.content.decode()


# --- owner scoping, anonymous, bad input ---------------------------------------------------------


def test_bob_sees_none_of_alices_templates_or_contacts(alice, bob_client, ada):
    templates = services.templates_for_owner(owner=alice)
    for name in ("template_edit", "template_delete", "template_reset"):
        url = reverse(f"messaging:{name}", args=[templates[0].pk])
        assert bob_client.post(url, {"name": "x"}).status_code == 404, url
    assert bob_client.get(compose_url(ada)).status_code == 404
    assert bob_client.post(compose_url(ada), {"body": "Hi"}).status_code == 404
    assert not Interaction.objects.exists()


def test_anonymous_users_are_sent_to_login(client, ada):
    for url in (reverse("messaging:templates"), reverse("messaging:template_create"), compose_url(ada)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize(
    "query",
    [
        "template=%00",
        "template=" + "x" * 5000,
        "reminder=abc",
        "reminder=99999999999999999999",
        "reminder=-1",
        "reminder=%C2%B2",
        "next=//evil.example",
    ],
)
def test_bad_query_values_are_not_errors(alice_client, ada, query):
    assert alice_client.get(f"{compose_url(ada)}?{query}").status_code == 200


# --- links to compose and query counts -------------------------------------------------------------


def test_reminder_rows_and_the_contact_page_link_to_compose(alice_client, ada):
    reminder = make_reminder(contact=ada, kind="birthday")
    page = alice_client.get(reverse("reminders:list")).content.decode()
    assert f'href="/contacts/{ada.pk}/compose/?reminder={reminder.pk}&amp;next=/reminders/"' in page
    page = alice_client.get(ada.get_absolute_url()).content.decode()
    assert f'href="/contacts/{ada.pk}/compose/"' in page


def response_template(client, url: str) -> str:
    return client.get(url).context["m"].template.slug


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("query", ["template=share-article", "template=", "template=birthday"])
def test_compose_costs_the_same_queries_at_two_sizes(alice_client, alice, ada, query):
    reminder = make_reminder(contact=ada, kind="birthday")
    url = compose_url(ada, reminder=reminder.pk) + "&" + query
    alice_client.get(url)  # the built-ins are created on the first visit
    met(ada, 1, topics="one")
    small = _queries(alice_client, url)
    for n in range(40):
        other = make_contact(owner=alice, emails=[f"p{n}@example.org"])
        make_interaction(
            contacts=[ada, other], occurred_on=timezone.localdate() - timedelta(days=n), topics=f"t{n}"
        )
        make_reminder(contact=other)
    services.template_create(owner=alice, fields={"name": "Extra"})
    assert _queries(alice_client, url) == small
    # session, user, profile, contact, reminder, templates (+ the last topic when used)
    assert small == (7 if query == "template=share-article" else 6)


def test_the_follow_up_check_costs_one_query_at_two_sizes(alice_client, alice, ada):
    met(ada, 0)
    url = compose_url(ada)
    alice_client.get(url)
    small = _queries(alice_client, url)
    for n in range(40):
        make_interaction(contact=ada, occurred_on=timezone.localdate() - timedelta(days=n % 2))
    # session, user, profile, contact, templates, the EXISTS of an older meeting, the last topic
    assert response_template(alice_client, url) == "follow-up"
    assert _queries(alice_client, url) == small == 7


NASTY = [
    "\x00",
    "a\x00b",
    "²",
    "٣",
    "-1",
    "9" * 25,
    "x" * 20_000,
    "{" * 500 + "}" * 500,
    "{{ settings.SECRET_KEY }}",
    "\ud7ff",
    "\U0010ffff",
]


@pytest.mark.parametrize("nasty", NASTY, ids=range(len(NASTY)))
def test_every_form_posted_nasty_values_is_not_a_500(alice_client, alice, ada, nasty):
    templates = services.templates_for_owner(owner=alice)
    reminder = make_reminder(contact=ada, kind="birthday")
    fields = (
        "name",
        "subject",
        "greeting",
        "context",
        "intent",
        "closing",
        "body",
        "reminder",
        "next",
        "template",
    )
    data = dict.fromkeys(fields, nasty)
    urls = [
        compose_url(ada),
        reverse("messaging:template_create"),
        reverse("messaging:template_edit", args=[templates[0].pk]),
        reverse("messaging:template_reset", args=[templates[1].pk]),
        reverse("messaging:template_delete", args=[templates[2].pk]),
    ]
    for url in urls:
        assert alice_client.post(url, data).status_code < 500, url
        assert alice_client.get(url, {"template": nasty, "reminder": nasty}).status_code < 500, url
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.OPEN  # a nasty reminder id never closes anything
