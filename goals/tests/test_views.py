"""The goals page, its forms and suggestions, the dashboard's bars: what they show, whose data."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.tests.factories import make_contact, make_interaction
from goals.models import Goal
from goals.tests.factories import make_goal

pytestmark = pytest.mark.django_db

URL = reverse("goals:list")


def test_the_page_shows_progress_history_and_streak(alice_client, alice):
    today = timezone.localdate()
    goal = make_goal(owner=alice, kind="coffee", target=2, period="month", created_on=date(2025, 1, 1))
    contact = make_contact(owner=alice, created_at=datetime(2020, 1, 1, tzinfo=UTC))
    make_interaction(contact=contact, kind="coffee", occurred_on=today)
    body = alice_client.get(URL).content.decode()
    assert "2 coffees a month" in body
    assert "1 of 2" in body and 'class="progress-bar kw-goal-w-50"' in body
    assert body.count("kw-goal-cell kw-goal-missed") == 12  # a year of months, none met
    assert f'href="{reverse("goals:edit", args=[goal.pk])}"' in body
    assert "style=" not in body


def test_a_suggestion_is_added_once_even_when_clicked_twice(alice_client, alice):
    url = reverse("goals:suggestion_add", args=["informational-interviews"])
    first = alice_client.post(url, follow=True)
    second = alice_client.post(url, follow=True)
    assert Goal.objects.filter(owner=alice).count() == 1
    goal = Goal.objects.get(owner=alice)
    assert goal.title == "3 informational interviews a month" and goal.created_on == timezone.localdate()
    assert "Goal set: 3 informational interviews a month." in first.content.decode()
    assert "You already have this goal" in second.content.decode()
    assert 'id="suggestion-informational-interviews"' in second.content.decode()
    assert "Added ✓" in second.content.decode()


def test_every_suggestion_can_be_added_and_shows_progress(alice_client, alice):
    from goals.suggestions import SUGGESTIONS

    for s in SUGGESTIONS:
        alice_client.post(reverse("goals:suggestion_add", args=[s.slug]))
    assert sorted(g.title for g in Goal.objects.filter(owner=alice)) == sorted(s.title for s in SUGGESTIONS)
    body = alice_client.get(URL).content.decode()
    assert body.count('class="progress kw-goal-bar') == len(SUGGESTIONS)


def test_an_unknown_suggestion_is_a_404_and_get_is_refused(alice_client):
    assert alice_client.post(reverse("goals:suggestion_add", args=["nope"])).status_code == 404
    assert alice_client.get(reverse("goals:suggestion_add", args=["coffee"])).status_code == 405


def test_the_form_sets_a_goal(alice_client, alice):
    response = alice_client.post(URL, {"what": "reconnects", "target": "1", "period": "week"}, follow=True)
    assert "Goal set: 1 reconnect a week." in response.content.decode()
    goal = Goal.objects.get(owner=alice)
    assert (goal.measure, goal.kind, goal.target, goal.period, goal.per_event) == (
        "reconnects",
        "",
        1,
        "week",
        False,
    )
    alice_client.post(URL, {"what": "event_newcomers", "target": "2", "period": "month", "per_event": "on"})
    assert Goal.objects.get(owner=alice, measure="event_newcomers").title == "2 new people at each event"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"what": "coffee", "target": "0", "period": "week"}, "Aim for at least 1."),
        ({"what": "coffee", "target": "5000", "period": "week"}, "Keep it under 1,000."),
        ({"what": "coffee", "target": "x", "period": "week"}, "Enter a whole number."),
        ({"what": "coffee", "target": "1", "period": "year"}, "Select a valid choice."),
        ({"what": "other", "target": "1", "period": "week"}, "Select a valid choice."),
        (
            {"what": "coffee", "target": "1", "period": "week", "per_event": "on"},
            "only applies to new people met at events",
        ),
        (
            {"what": "coffee", "target": "3", "period": "week"},
            "You already have this goal: “1 coffee a week”.",
        ),
    ],
)
def test_the_form_refuses_bad_input_with_a_clear_error(alice_client, alice, data, message):
    make_goal(owner=alice, kind="coffee", target=1, period="week")
    response = alice_client.post(URL, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Goal.objects.filter(owner=alice).count() == 1


def test_edit_changes_the_goal_and_pausing_hides_it_from_the_dashboard(alice_client, alice):
    goal = make_goal(owner=alice, kind="coffee", target=1, period="week")
    make_contact(owner=alice)  # the dashboard shows its sections once there are contacts
    url = reverse("goals:edit", args=[goal.pk])
    assert alice_client.get(url).status_code == 200
    response = alice_client.post(url, {"what": "call", "target": "4", "period": "month"})
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.title == "4 calls a month" and goal.created_on == date(2026, 1, 1)
    assert "4 calls a month" in alice_client.get(reverse("dashboard")).content.decode()
    alice_client.post(url, {"what": "call", "target": "4", "period": "month", "archived": "on"})
    assert 'id="goals"' not in alice_client.get(reverse("dashboard")).content.decode()
    assert 'id="paused-goals"' in alice_client.get(URL).content.decode()


def test_unpausing_a_goal_that_another_duplicates_is_refused(alice_client, alice):
    make_goal(owner=alice, kind="coffee", target=1, period="week")
    paused = make_goal(owner=alice, kind="coffee", target=2, period="week", archived=True)
    response = alice_client.post(
        reverse("goals:edit", args=[paused.pk]), {"what": "coffee", "target": "2", "period": "week"}
    )
    assert response.status_code == 200 and "You already have this goal" in response.content.decode()
    paused.refresh_from_db()
    assert paused.archived


def test_delete_asks_then_deletes(alice_client, alice):
    goal = make_goal(owner=alice)
    url = reverse("goals:delete", args=[goal.pk])
    assert "Delete the goal “1 coffee a week”?" in alice_client.get(url).content.decode()
    assert alice_client.post(url).status_code == 302
    assert not Goal.objects.filter(pk=goal.pk).exists()


def test_bob_gets_404_for_alices_goals_and_sees_none(client, alice, bob):
    goal = make_goal(owner=alice, kind="coffee", target=7, period="week")
    client.force_login(bob)
    for name in ("goals:edit", "goals:delete"):
        url = reverse(name, args=[goal.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"what": "call", "target": "1", "period": "week"}).status_code == 404
    assert Goal.objects.get(pk=goal.pk).target == 7
    assert "7 coffees a week" not in client.get(URL).content.decode()


def test_the_dashboard_shows_the_current_periods_bars(alice_client, alice):
    make_goal(owner=alice, measure="new_contacts", kind="", target=4, period="month")
    make_contact(owner=alice)
    body = alice_client.get(reverse("dashboard")).content.decode()
    assert 'id="goals"' in body and "4 new people a month" in body and "1 of 4" in body
    assert 'class="progress-bar kw-goal-w-25"' in body


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("name", ["goals:list", "goals:edit", "goals:suggestion_add"])
def test_nasty_values_in_every_field_are_never_a_500(alice_client, alice, name):
    from tests.fuzz.test_fuzz_query_strings import CORE

    goal = make_goal(owner=alice)
    args = {"goals:list": [], "goals:edit": [goal.pk], "goals:suggestion_add": ["coffee"]}[name]
    for nasty in CORE:
        data = dict.fromkeys(("what", "target", "period", "per_event", "archived"), nasty)
        response = alice_client.post(reverse(name, args=args), data)
        assert response.status_code < 500, (name, nasty)
