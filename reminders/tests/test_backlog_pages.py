"""Backlog-proof pages (issue 14): /reminders/ renders a window per section and "Show more"
loads the next one (htmx, keyset on (due_on, id); a plain link without JS); the dashboard
and the page cost the same queries and stay under 200 KB whatever the backlog."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact
from contacts.tests.factories import make_contact, make_interaction, make_reminder
from reminders import selectors
from reminders.models import Reminder

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
ROW_ID = re.compile(r'<div class="list-group-item kw-reminder[^"]*" id="reminder-(\d+)"')
MORE = re.compile(r'hx-get="([^"]+)"[^>]*data-left="(\d+)"[^>]*>Show more \((\d+) left\)')


def today() -> date:
    return timezone.localdate()  # the users here are in UTC, as the views' today


def _backlog(owner, n: int, *, due=lambda i: today() - timedelta(days=1 + i % 300), kind="check_in") -> list:
    """n open reminders on n new contacts (bulk), due on `due(i)`."""
    contacts = Contact.objects.bulk_create(
        [Contact(owner=owner, first_name=f"Backlog{i}", last_name="Person", company="Acme") for i in range(n)]
    )
    return Reminder.objects.bulk_create(
        [Reminder(owner=owner, contact=c, kind=kind, due_on=due(i)) for i, c in enumerate(contacts)]
    )


def _in_order(owner, **filters) -> list[int]:
    return list(
        Reminder.objects.filter(owner=owner, **filters).order_by("due_on", "id").values_list("id", flat=True)
    )


def _rows(html: str) -> list[int]:
    return [int(pk) for pk in ROW_ID.findall(html)]


def _more(html: str) -> tuple[str, int] | None:
    """The "Show more" button's htmx URL and its "N left", if there is one."""
    found = MORE.search(html)
    if not found:
        return None
    url, left, said = found.groups()
    assert left == said
    return url.replace("&amp;", "&"), int(left)


def test_overdue_is_a_window_and_show_more_loads_the_rest_in_order(alice_client, alice):
    _backlog(alice, 60)
    expected = _in_order(alice)
    html = alice_client.get(reverse("reminders:list")).content.decode()
    assert _rows(html) == expected[:25]
    assert 'data-count-of="#overdue-list .kw-reminder"' in html and ">60</span>" in html  # the true total
    url, left = _more(html)
    assert left == 35 and url.startswith(reverse("reminders:more", args=["overdue"]) + "?after=")

    second = alice_client.get(url, **HX)
    assert second.status_code == 200
    fragment = second.content.decode()
    assert "<html" not in fragment and "<section" not in fragment  # just the rows and the button
    assert _rows(fragment) == expected[25:50]
    assert 'id="overdue-more" hx-swap-oob="true"' in fragment
    url, left = _more(fragment)
    assert left == 10

    third = alice_client.get(url, **HX).content.decode()
    assert _rows(third) == expected[50:]
    assert _more(third) is None and 'id="overdue-more" hx-swap-oob="true"' in third  # the button goes


def test_keyset_skips_nothing_when_rows_before_the_cursor_are_closed(alice_client, alice):
    _backlog(alice, 60)
    expected = _in_order(alice)
    url, _left = _more(alice_client.get(reverse("reminders:list")).content.decode())
    # The user works through the first window before asking for more: with an OFFSET the
    # next page would now skip as many rows as were closed.
    Reminder.objects.filter(pk__in=expected[:10]).update(status="done")
    assert _rows(alice_client.get(url, **HX).content.decode()) == expected[25:50]


def test_rows_loaded_by_more_act_by_htmx_and_bring_the_user_back_without_js(alice_client, alice):
    _backlog(alice, 40)
    expected = _in_order(alice)
    url, _left = _more(alice_client.get(reverse("reminders:list")).content.decode())
    cursor = url.split("after=")[1]
    fragment = alice_client.get(url, **HX).content.decode()
    first, second, third = expected[25:28]
    # Each row targets itself, its forms post to its own URLs, and `next` is the page that shows it.
    assert f'id="reminder-{first}" hx-target="this" hx-swap="outerHTML swap:200ms"' in fragment
    assert f'hx-post="/reminders/{first}/done/"' in fragment
    assert f'formaction="/reminders/{first}/dismiss/"' in fragment
    page_there = f"{reverse('reminders:list')}?overdue_after={cursor}"
    assert f'name="next" value="{page_there}"' in fragment

    done = alice_client.post(reverse("reminders:done", args=[first]), **HX)
    assert done.status_code == 200 and done.content == b"" and "kw-undo" in done["HX-Trigger"]
    snoozed = alice_client.post(
        reverse("reminders:snooze", args=[second]), {"until": (today() + timedelta(days=7)).isoformat()}, **HX
    )
    assert snoozed.status_code == 200 and snoozed.content == b""
    # Without JS: Dismiss (the row form's formaction) goes back to the page that showed the row.
    dismissed = alice_client.post(reverse("reminders:dismiss", args=[third]), {"next": page_there})
    assert dismissed.status_code == 302 and dismissed.url == page_there
    statuses = dict(Reminder.objects.filter(pk__in=[first, second, third]).values_list("pk", "status"))
    assert statuses == {first: "done", second: "snoozed", third: "dismissed"}

    # That page starts after the cursor, says how many come before, and counts them all.
    html = alice_client.get(page_there).content.decode()
    assert _rows(html) == expected[28:40]
    assert "25 more overdue before these" in html
    assert ">37</span>" in html  # 40 - 3 closed


def test_show_more_without_htmx_is_a_link_to_the_page_that_starts_there(alice_client, alice):
    _backlog(alice, 30)
    html = alice_client.get(reverse("reminders:list")).content.decode()
    link = re.search(r'<a class="btn[^"]*" href="([^"]+)" hx-get=', html).group(1).replace("&amp;", "&")
    assert link.startswith("/reminders/?overdue_after=") and link.endswith("#overdue-title")
    assert _rows(alice_client.get(link).content.decode()) == _in_order(alice)[25:]
    url, _left = _more(html)
    response = alice_client.get(url)  # the htmx URL opened without htmx
    assert response.status_code == 302 and response.url == link


def test_more_answers_the_owner_only_and_refuses_nonsense(alice_client, alice, bob):
    _backlog(alice, 30)
    _backlog(bob, 30)
    url, _left = _more(alice_client.get(reverse("reminders:list")).content.decode())
    alice_ids = set(_in_order(alice))
    assert set(_rows(alice_client.get(url, **HX).content.decode())) <= alice_ids
    alice_client.force_login(bob)
    assert not set(_rows(alice_client.get(url, **HX).content.decode())) & alice_ids
    more = reverse("reminders:more", args=["overdue"])
    for after in [
        "",
        "junk",
        "2026-13-01.5",
        "2026-11-01",
        "2026-11-01.5.6",
        "2026-11-01.-5",
        "2026-11-01.٣",
    ]:
        assert alice_client.get(f"{more}?after={after}", **HX).status_code == 400, after
    assert (
        alice_client.get(reverse("reminders:more", args=["nope"]) + "?after=2026-11-01.5", **HX).status_code
        == 404
    )
    alice_client.logout()
    assert alice_client.get(url, **HX).status_code == 302  # to the login page


def test_today_section_is_a_window_too(alice_client, alice):
    _backlog(alice, 30, due=lambda i: today(), kind="birthday")
    html = alice_client.get(reverse("reminders:list")).content.decode()
    assert _rows(html) == _in_order(alice)[:25]
    url, left = _more(html)
    assert left == 5 and "/more/today/" in url
    assert _rows(alice_client.get(url, **HX).content.decode()) == _in_order(alice)[25:]


def test_upcoming_pages_through_every_item_once_in_key_order(alice, monkeypatch):
    monkeypatch.setattr(selectors, "UPCOMING_ROWS", 7)
    alice.profile.birthday_lead_days = 30
    alice.profile.save()
    day = today()
    for i in range(20):  # check-ins, several on one day
        make_contact(owner=alice, next_check_in=day + timedelta(days=1 + i % 4))
    for i in range(8):  # birthdays on the same days
        soon = day + timedelta(days=1 + i % 4)
        make_contact(owner=alice, birthday_month=soon.month, birthday_day=soon.day)
    twice = make_contact(owner=alice, next_check_in=day + timedelta(days=2))  # a check-in and two follow-ups
    for _ in range(2):
        make_interaction(contact=twice, occurred_on=day, follow_up_on=day + timedelta(days=2))
    make_contact(owner=alice, next_check_in=day + timedelta(days=3), archived=True)  # never shown

    everything, total = selectors.upcoming_window(
        owner=alice, today=day, days=selectors.UPCOMING_DAYS, event_days=30, limit=1000
    )
    assert total == 20 + 8 + 1 + 2 == len(everything.rows)
    keys = [item.key for item in everything.rows]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)

    context = selectors.reminder_page_context(owner=alice, today=day)
    seen, window = list(context["upcoming"]), context["windows"]["upcoming"]
    assert context["totals"]["upcoming"] == 31 and window.left == 31 - 7
    while window.next:
        before = len(seen)
        window = selectors.reminder_more_context(
            owner=alice, today=day, section="upcoming", after=window.next
        )["window"]
        seen += window.rows
        assert window.left == max(0, 31 - len(seen)) and len(seen) > before
    assert [item.key for item in seen] == keys


def test_upcoming_show_more_by_htmx(alice_client, alice, monkeypatch):
    monkeypatch.setattr(selectors, "UPCOMING_ROWS", 3)
    for i in range(5):
        make_contact(owner=alice, first_name=f"Soon{i}", next_check_in=today() + timedelta(days=i + 1))
    html = alice_client.get(reverse("reminders:list")).content.decode()
    url, left = _more(html)
    assert left == 2 and "/more/upcoming/" in url
    fragment = alice_client.get(url, **HX).content.decode()
    assert "Soon3" in fragment and "Soon4" in fragment and "Soon2" not in fragment
    assert fragment.count('<li class="list-group-item') == 2


# --- what a backlog cannot change: queries and HTML size ------------------------------


def _mixed(owner, n: int) -> None:
    """n reminders' worth of backlog: overdue, due today, check-ins and follow-ups coming up,
    snoozed and dismissed ones."""
    day = today()
    third = n // 3
    _backlog(owner, third)
    _backlog(owner, third, due=lambda i: day, kind="birthday")
    Contact.objects.bulk_create(
        [
            Contact(owner=owner, first_name=f"Soon{i}", next_check_in=day + timedelta(days=1 + i % 20))
            for i in range(third)
        ]
    )
    for contact in Contact.objects.filter(owner=owner)[:3]:
        make_interaction(contact=contact, occurred_on=day, follow_up_on=day + timedelta(days=3))
    snoozed = _backlog(owner, 3)
    Reminder.objects.filter(pk__in=[r.pk for r in snoozed]).update(
        status="snoozed", snoozed_until=day + timedelta(days=5)
    )


def _queries(client, url: str, **extra) -> int:
    client.get(url, **extra)  # the first visit of the day picks today's focus
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("page", ["reminders:list", "dashboard"])
def test_query_count_is_the_same_with_30_or_300_reminders(client, django_user_model, page):
    counts = []
    for n in (30, 300):
        user = django_user_model.objects.create_user(f"backlog{n}", password="pw-keepwarm-123")
        _mixed(user, n)
        client.force_login(user)
        counts.append(_queries(client, reverse(page)))
    assert counts[0] == counts[1]


def test_show_more_query_count_is_the_same_with_30_or_300_reminders(client, django_user_model):
    counts = []
    for n in (30, 300):
        user = django_user_model.objects.create_user(f"more{n}", password="pw-keepwarm-123")
        _mixed(user, n)
        client.force_login(user)
        first = Reminder.objects.filter(owner=user, due_on__lt=today()).order_by("due_on", "id").first()
        counts.append(
            _queries(
                client,
                reverse("reminders:more", args=["overdue"]) + f"?after={first.due_on}.{first.pk}",
                **HX,
            )
        )
    assert counts[0] == counts[1]


def test_a_backlog_of_2000_open_reminders_keeps_both_pages_under_200_kb(alice_client, alice):
    day = today()
    _backlog(alice, 1800)
    _backlog(alice, 150, due=lambda i: day, kind="birthday")
    _backlog(alice, 50)
    Contact.objects.bulk_create(
        [
            Contact(
                owner=alice,
                first_name=f"Soon{i}",
                warmth=40,
                warmth_why="last talked 7 months ago (every 3 months) · 3 interactions in 2 years",
                next_check_in=day + timedelta(days=1 + i % 30),
            )
            for i in range(300)
        ]
    )
    dismissed = _backlog(alice, 40)
    Reminder.objects.filter(pk__in=[r.pk for r in dismissed]).update(
        status="dismissed", completed_at=timezone.now()
    )
    assert Reminder.objects.filter(owner=alice, status="open").count() == 2000
    page = alice_client.get(reverse("reminders:list"))
    size = len(page.content)
    assert size <= 200 * 1024, f"/reminders/ is {size / 1024:.0f} KB"
    html = page.content.decode()
    assert ">1850</span>" in html and ">150</span>" in html and ">300</span>" in html  # the true totals
    assert len(_rows(html)) == 50
    dashboard = alice_client.get(reverse("dashboard"))
    assert len(dashboard.content) <= 200 * 1024, f"/ is {len(dashboard.content) / 1024:.0f} KB"
    assert dashboard.content.decode().count('class="list-group-item kw-reminder') == alice.profile.daily_focus


def test_a_snooze_with_a_bad_date_comes_back_as_the_row(alice_client, alice):
    reminder = make_reminder(contact=make_contact(owner=alice), due_on=today() - timedelta(days=3))
    response = alice_client.post(
        reverse("reminders:snooze", args=[reminder.pk]), {"until": "1999-01-01"}, **HX
    )
    html = response.content.decode()
    assert response.status_code == 200 and f'id="reminder-{reminder.pk}" hx-target="this"' in html
    assert 'role="alert"' in html
    reminder.refresh_from_db()
    assert reminder.status == "open"
