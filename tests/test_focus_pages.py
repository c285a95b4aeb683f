"""The focus, reconnect and warmth pages: what they show, whose data, and constant query counts."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import Contact
from contacts.tests.factories import make_contact, make_interaction, make_user
from reminders import services
from reminders.models import Reminder

pytestmark = pytest.mark.django_db


def _network(user, n: int, *, start: int = 0) -> None:
    """n contacts: overdue check-ins and dormant ties with some history, a spread of warmth."""
    today = timezone.localdate()
    for i in range(start, start + n):
        created = timezone.now() - timedelta(days=400 + 40 * (i % 20))
        contact = make_contact(
            owner=user,
            first_name=f"P{i:04d}",
            tie_strength="strong" if i % 2 else "weak",
            created_at=created,
            title="Director" if i % 5 == 0 else "Engineer",
        )
        if i % 3:
            make_interaction(
                contact=contact, occurred_on=today - timedelta(days=30 * (i % 30)), exchange="asked"
            )
    services.owner_schedule_refresh(owner_id=user.pk)
    services.reminders_generate(user_ids=[user.pk])


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", ["/", "/reconnect/", "/contacts/?sort=-warmth", "/contacts/?warmth=cold"])
def test_query_count_is_the_same_at_two_sizes(client, url):
    user = make_user("sizes")
    client.force_login(user)
    _network(user, 12)
    client.get(url)  # the day's focus is picked on the first visit
    small = _queries(client, url)
    _network(user, 60, start=12)
    client.get(url)
    assert _queries(client, url) == small


def test_dashboard_sections_link_people_in_rank_order(client):
    user = make_user("order")
    _network(user, 30)
    client.force_login(user)
    html = client.get("/").content.decode()
    focus_html = html[html.index('id="focus"') : html.index('id="reconnect"')]
    from reminders.focus import focus_today

    in_focus = focus_today(owner_id=user.pk, today=timezone.localdate()).items
    expected = [f'href="/contacts/{r.contact_id}/"' for r in in_focus]
    positions = [focus_html.index(link) for link in expected]
    assert len(expected) == 5 and positions == sorted(positions)
    reconnect_html = html[html.index('id="reconnect"') :]
    top = list(
        Contact.objects.filter(
            owner=user, last_interaction_on__lte=timezone.localdate() - timedelta(days=366)
        )
        .exclude(pk__in=[r.contact_id for r in in_focus])  # not suggested twice on one page
        .order_by("-reconnect_score", "id")
        .values_list("pk", flat=True)[:3]
    )
    positions = [reconnect_html.index(f'href="/contacts/{pk}/"') for pk in top]
    assert len(top) == 3 and positions == sorted(positions)
    assert not any(f'href="/contacts/{r.contact_id}/"' in reconnect_html for r in in_focus)


def test_warmth_sort_and_band_filter(client):
    user = make_user("warm")
    _network(user, 30)
    client.force_login(user)
    page = client.get("/contacts/?sort=-warmth").context["page"]
    scores = [c.warmth for c in page.object_list]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) > 3
    for band, (low, high) in {"cold": (0, 19), "cool": (20, 44), "warm": (45, 69), "hot": (70, 100)}.items():
        shown = client.get(f"/contacts/?warmth={band}").context["page"].object_list
        assert all(low <= c.warmth <= high for c in shown)
        assert len(shown) == Contact.objects.filter(owner=user, warmth__gte=low, warmth__lte=high).count()
    # An unknown band is ignored, not a 500.
    assert client.get("/contacts/?warmth=lukewarm").status_code == 200


def test_reconnect_actions_hide_and_are_owner_scoped(client):
    user = make_user("rc")
    other = make_user("other")
    _network(user, 10)
    theirs = make_contact(owner=other, first_name="Theirs")
    client.force_login(user)
    first = client.get("/reconnect/").context["suggestions"][0]
    response = client.post(f"/reconnect/{first.pk}/snooze/")
    assert response.status_code == 302
    first.refresh_from_db()
    today = timezone.localdate()
    assert first.reconnect_hidden_until > today + timedelta(days=85)
    assert first.pk not in [c.pk for c in client.get("/reconnect/").context["suggestions"]]
    second = client.get("/reconnect/").context["suggestions"][0]
    client.post(f"/reconnect/{second.pk}/not-now/", HTTP_HX_REQUEST="true")
    second.refresh_from_db()
    assert second.reconnect_hidden_until >= date(today.year + 1, today.month, 1)
    # Another user's contact is a 404 and stays untouched.
    assert client.post(f"/reconnect/{theirs.pk}/snooze/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.reconnect_hidden_until is None
    assert client.get(f"/reconnect/{first.pk}/snooze/").status_code == 405


def test_one_more_adds_one_person_then_says_nothing_is_left(client):
    user = make_user("more", daily_focus=2)
    _network(user, 12)
    client.force_login(user)
    client.get("/")
    today = timezone.localdate()
    active = Reminder.objects.active(today).filter(owner=user).count()
    assert active >= 3
    assert Reminder.objects.filter(owner=user, focus_on=today).count() == 2
    client.post("/focus/more/")
    assert Reminder.objects.filter(owner=user, focus_on=today).count() == 3
    for _ in range(active):
        client.post("/focus/more/")
    assert Reminder.objects.filter(owner=user, focus_on=today).values("contact").distinct().count() <= active
    response = client.post("/focus/more/", follow=True)
    assert "Nothing else is waiting today." in response.content.decode()


def test_contact_card_says_where_the_cadence_comes_from(client):
    from contacts.tests.factories import make_tag

    user = make_user("card")
    client.force_login(user)
    investors = make_tag(owner=user, name="investors", checkin_cadence_months=1)
    tagged = make_contact(owner=user, tie_strength="strong", tags=[investors])
    strong = make_contact(owner=user, tie_strength="strong")
    own = make_contact(owner=user, checkin_cadence_months=2, tags=[investors])
    services.owner_schedule_refresh(owner_id=user.pk)
    said = {c: client.get(f"/contacts/{c.pk}/").content.decode() for c in (tagged, strong, own)}
    assert "every month — tag investors" in said[tagged]
    assert "every 3 months — your default for strong ties" in said[strong]
    assert "every 2 months — set on this contact" in said[own]


def test_settings_change_of_past_companies_reranks_at_once(client):
    user = make_user("settings")
    client.force_login(user)
    contact = make_contact(owner=user, company="Northwind", created_at=timezone.now() - timedelta(days=900))
    services.owner_schedule_refresh(owner_id=user.pk)
    contact.refresh_from_db()
    before = contact.reconnect_score
    data = {
        "timezone": "UTC",
        "strong_cadence_months": 3,
        "weak_cadence_months": 6,
        "birthday_lead_days": 7,
        "daily_focus": 4,
        "dormant_months": 12,
        "past_companies": "Acme, northwind ",
        "digest_frequency": "daily",
        "digest_hour": 8,
        "email": "s@example.org",
    }
    assert client.post("/accounts/settings/", data).status_code == 302
    contact.refresh_from_db()
    user.profile.refresh_from_db()
    assert user.profile.daily_focus == 4
    assert contact.reconnect_score > before and "worked together at Northwind" in contact.reconnect_why
