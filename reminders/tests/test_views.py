"""The reminders page, its htmx actions and the dashboard, through URLs."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Interaction
from contacts.tests.factories import make_contact, make_interaction, make_reminder
from reminders.models import Reminder

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def today() -> date:
    return timezone.localdate()  # alice is in UTC


def _reminders(owner, n: int) -> None:
    for i in range(n):
        contact = make_contact(owner=owner, birthday_month=1, birthday_day=1, birthday_year=1980)
        make_reminder(contact=contact, due_on=today() - timedelta(days=1 + i % 3))
        make_reminder(contact=contact, kind="birthday", due_on=today(), detail="turns 47")
        make_interaction(
            contact=contact, occurred_on=today() - timedelta(days=3), follow_up_on=today() + timedelta(days=2)
        )


def test_page_shows_overdue_today_and_upcoming(alice_client, alice):
    late = make_contact(owner=alice, first_name="Ada", last_name="Late", last_interaction_on=None)
    make_reminder(contact=late, due_on=today() - timedelta(days=5))
    bday = make_contact(owner=alice, first_name="Bea", company="Acme")
    make_reminder(contact=bday, kind="birthday", due_on=today(), detail="turns 40")
    soon = today() + timedelta(days=3)
    make_contact(owner=alice, first_name="Cal", birthday_month=soon.month, birthday_day=soon.day)
    far = today() + timedelta(days=20)  # beyond the 7 lead days
    make_contact(owner=alice, first_name="Dee", birthday_month=far.month, birthday_day=far.day)
    make_contact(
        owner=alice, first_name="Eve", started_on=soon.replace(year=soon.year - 5), company="Initech"
    )
    response = alice_client.get(reverse("reminders:list"))
    assert response.status_code == 200
    ctx = response.context
    assert [r.contact.first_name for r in ctx["overdue"]] == ["Ada"]
    assert [(r.contact.first_name, r.why) for r in ctx["due_today"]] == [("Bea", "turns 40")]
    assert {(i.contact.first_name, i.kind, i.why) for i in ctx["upcoming"]} == {
        ("Cal", "birthday", "birthday"),
        ("Eve", "work_anniversary", "5 years at Initech"),
    }
    html = response.content.decode()
    assert "turns 40" in html and "5 years at Initech" in html
    assert "no interaction logged since you added them today" in html


def test_page_query_count_is_constant(alice_client, alice):
    def queries(n: int) -> int:
        Reminder.objects.all().delete()
        _reminders(alice, n)
        with CaptureQueriesContext(connection) as ctx:
            response = alice_client.get(reverse("reminders:list"))
        # A window per section (selectors.PAGE_ROWS), the rest counted: 40 + 40 show 25 + 25.
        assert len(response.context["overdue"]) + len(response.context["due_today"]) == min(n, 25) * 2
        return len(ctx.captured_queries)

    assert queries(2) == queries(40)


def test_dashboard_query_count_is_constant(alice_client, alice):
    def queries(n: int) -> int:
        _reminders(alice, n)
        with CaptureQueriesContext(connection) as ctx:
            alice_client.get(reverse("dashboard"))
        return len(ctx.captured_queries)

    assert queries(2) == queries(40)


def test_done_by_htmx_returns_nothing_and_closes(alice_client, alice):
    reminder = make_reminder(contact=make_contact(owner=alice), kind="birthday")
    response = alice_client.post(reverse("reminders:done", args=[reminder.pk]), **HX)
    assert response.status_code == 200 and response.content == b""
    reminder.refresh_from_db()
    assert reminder.status == "done"


def test_done_without_htmx_redirects_back(alice_client, alice):
    reminder = make_reminder(contact=make_contact(owner=alice))
    response = alice_client.post(reverse("reminders:done", args=[reminder.pk]), {"next": "/"})
    assert response.status_code == 302 and response.url == "/"
    response = alice_client.post(
        reverse("reminders:dismiss", args=[reminder.pk]), {"next": "https://evil.example/"}
    )
    assert response.url == reverse("reminders:list")


def test_actions_are_post_only(alice_client, alice):
    reminder = make_reminder(contact=make_contact(owner=alice))
    for name in ("done", "done_log", "snooze", "dismiss"):
        assert alice_client.get(reverse(f"reminders:{name}", args=[reminder.pk])).status_code == 405
    reminder.refresh_from_db()
    assert reminder.status == "open"


def test_bob_gets_404_for_alices_reminder(bob_client, alice):
    reminder = make_reminder(contact=make_contact(owner=alice))
    for name in ("done", "done_log", "snooze", "dismiss"):
        response = bob_client.post(
            reverse(f"reminders:{name}", args=[reminder.pk]), {"until": "2099-01-01"}, **HX
        )
        assert response.status_code == 404
    reminder.refresh_from_db()
    assert reminder.status == "open"
    assert bob_client.get(reverse("reminders:list")).context["overdue"] == []


def test_snooze_a_week(alice_client, alice):
    reminder = make_reminder(contact=make_contact(owner=alice))
    until = today() + timedelta(weeks=1)
    response = alice_client.post(
        reverse("reminders:snooze", args=[reminder.pk]), {"until": until.isoformat()}, **HX
    )
    assert response.content == b""
    reminder.refresh_from_db()
    assert (reminder.status, reminder.snoozed_until) == ("snoozed", until)
    assert alice_client.get(reverse("reminders:list")).context["due_today"] == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "This field is required"),
        ("yesterday", "Enter a valid date"),
        ("2000-01-01", "Pick a day after today"),
    ],
)
def test_snooze_with_a_bad_date_shows_the_row_with_a_message(alice_client, alice, value, message):
    reminder = make_reminder(contact=make_contact(owner=alice))
    response = alice_client.post(reverse("reminders:snooze", args=[reminder.pk]), {"until": value}, **HX)
    assert response.status_code == 200
    assert f'id="reminder-{reminder.pk}"' in response.content.decode()
    assert message in response.content.decode()
    reminder.refresh_from_db()
    assert reminder.status == "open"


def test_done_and_log_creates_an_interaction(alice_client, alice):
    contact = make_contact(owner=alice)
    reminder = make_reminder(contact=contact, kind="birthday")
    response = alice_client.post(
        reverse("reminders:done_log", args=[reminder.pk]),
        {"kind": "call", "summary": "Sang happy birthday"},
        **HX,
    )
    assert response.content == b""
    interaction = Interaction.objects.get()
    assert (interaction.kind, interaction.summary, interaction.occurred_on) == (
        "call",
        "Sang happy birthday",
        today(),
    )
    assert list(interaction.contacts.all()) == [contact]
    reminder.refresh_from_db()
    assert reminder.status == "done"


def test_done_and_log_with_a_bad_kind_changes_nothing(alice_client, alice):
    reminder = make_reminder(contact=make_contact(owner=alice))
    response = alice_client.post(
        reverse("reminders:done_log", args=[reminder.pk]), {"kind": "telepathy"}, **HX
    )
    assert "Choose what kind of interaction" in response.content.decode()
    assert not Interaction.objects.exists()


def test_snoozed_reminder_reappears_on_its_date_without_the_job(alice_client, alice):
    reminder = make_reminder(contact=make_contact(owner=alice), status="snoozed", snoozed_until=today())
    assert [
        r.pk
        for r in alice_client.get(reverse("reminders:list")).context["due_today"]
        + alice_client.get(reverse("reminders:list")).context["overdue"]
    ] == [reminder.pk]


def test_dashboard_empty_state_says_what_to_do(alice_client):
    html = alice_client.get(reverse("dashboard")).content.decode()
    assert "Your network starts here" in html
    assert "Add a contact" in html


def test_dashboard_shows_due_reminders_and_the_week(alice_client, alice):
    contact = make_contact(owner=alice, first_name="Grace")
    make_reminder(contact=contact, due_on=today() - timedelta(days=2))
    soon = today() + timedelta(days=6)
    make_contact(
        owner=alice, first_name="Linus", birthday_month=soon.month, birthday_day=soon.day, birthday_year=1969
    )
    response = alice_client.get(reverse("dashboard"))
    ctx = response.context
    assert ctx["counts"] == {"focus": 1, "waiting": 0, "week": 1}
    assert [item.contact.first_name for item in ctx["week"]] == ["Linus"]
    html = response.content.decode()
    assert "Grace" in html and f"turns {soon.year - 1969}" in html
    assert reverse("reminders:done", args=[contact.reminders.get().pk]) in html


def test_archived_contacts_reminders_are_hidden(alice_client, alice):
    make_reminder(contact=make_contact(owner=alice, archived=True))
    response = alice_client.get(reverse("reminders:list"))
    assert response.context["overdue"] == [] and response.context["due_today"] == []


def test_coming_up_on_the_dashboard_has_check_ins_follow_ups_and_birthdays_as_far_as_the_lead_days(
    alice_client, alice
):
    from contacts.models import Contact

    alice.profile.birthday_lead_days = 12
    alice.profile.save(update_fields=["birthday_lead_days"])
    checkin = make_contact(owner=alice, first_name="Checkin")
    Contact.objects.filter(pk=checkin.pk).update(next_check_in=today() + timedelta(days=3))
    promised = make_contact(owner=alice, first_name="Promised")
    make_interaction(contact=promised, occurred_on=today(), follow_up_on=today() + timedelta(days=2))
    far = today() + timedelta(days=11)
    make_contact(owner=alice, first_name="Birthday", birthday_month=far.month, birthday_day=far.day)
    later = make_contact(owner=alice, first_name="Later")
    Contact.objects.filter(pk=later.pk).update(next_check_in=today() + timedelta(days=10))
    week = alice_client.get(reverse("dashboard")).context["week"]
    assert [(item.contact.first_name, item.kind) for item in week] == [
        ("Promised", "follow_up"),
        ("Checkin", "check_in"),
        ("Birthday", "birthday"),
    ]


def test_done_snooze_dismiss_answer_with_an_undo_that_reopens(alice_client, alice):
    import json

    from reminders.models import Reminder

    contact = make_contact(owner=alice, first_name="Grace")
    reminder = make_reminder(contact=contact, due_on=today() - timedelta(days=2))
    for action, data in [("done", {}), ("dismiss", {}), ("snooze", {"until": today() + timedelta(days=7)})]:
        response = alice_client.post(
            reverse(f"reminders:{action}", args=[reminder.pk]), data, HTTP_HX_REQUEST="true"
        )
        undo = json.loads(response["HX-Trigger"])["kw-undo"]
        assert "Grace" in undo["message"] and undo["url"] == reverse("reminders:reopen", args=[reminder.pk])
        assert Reminder.objects.get(pk=reminder.pk).status != "open"
        assert alice_client.post(undo["url"], HTTP_HX_REQUEST="true").status_code == 204
        reopened = Reminder.objects.get(pk=reminder.pk)
        assert (reopened.status, reopened.completed_at, reopened.snoozed_until) == ("open", None, None)


def test_reminders_page_lists_what_was_set_aside_and_reopens_it(alice_client, alice):
    from reminders.models import Reminder

    snoozed = make_reminder(
        contact=make_contact(owner=alice, first_name="Snoozy"),
        due_on=today() - timedelta(days=1),
        status="snoozed",
        snoozed_until=today() + timedelta(days=5),
    )
    make_reminder(
        contact=make_contact(owner=alice, first_name="Dismissed"),
        due_on=today() - timedelta(days=3),
        status="dismissed",
        completed_at=timezone.now() - timedelta(days=1),
    )
    make_reminder(
        contact=make_contact(owner=alice, first_name="Longago"),
        due_on=today() - timedelta(days=90),
        status="dismissed",
        completed_at=timezone.now() - timedelta(days=60),
    )
    page = alice_client.get(reverse("reminders:list"))
    assert [r.contact.first_name for r in page.context["set_aside"]] == ["Dismissed", "Snoozy"]
    response = alice_client.post(reverse("reminders:reopen", args=[snoozed.pk]), {"next": "/reminders/"})
    assert response.status_code == 302
    assert Reminder.objects.get(pk=snoozed.pk).status == "open"
