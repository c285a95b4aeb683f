"""Query plans of the backlog pages (issue 14), on PostgreSQL: with a few thousand reminders
over three owners and fresh statistics, no query of /reminders/, of its "Show more" or of
the dashboard reads a whole table of contacts, reminders or interactions.

SQLite has no such planner output to assert on; the benchmark (bench/bench_reminders.py)
times the same pages there.
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact, Interaction
from reminders import selectors
from reminders.models import Reminder

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

WATCHED = ("contacts_contact", "reminders_reminder", "contacts_interaction")
HX = {"HTTP_HX_REQUEST": "true"}


def _seed(owner, *, contacts: int, today: date) -> None:
    people = Contact.objects.bulk_create(
        [
            Contact(
                owner=owner,
                first_name=f"P{i}",
                last_name="Plan",
                birthday_month=1 + i % 12,
                birthday_day=1 + i % 28,
                started_on=date(2015, 1, 1) + timedelta(days=i % 3000) if i % 3 == 0 else None,
                next_check_in=today + timedelta(days=1 + i % 60),
                last_interaction_on=today - timedelta(days=400 + i % 300),
                reconnect_score=i % 100,
            )
            for i in range(contacts)
        ],
        batch_size=2000,
    )
    reminders = []
    for i, person in enumerate(people):
        # The backlog: an open overdue check-in for most, a few due today, years of history.
        reminders.append(
            Reminder(owner=owner, contact=person, kind="check_in", due_on=today - timedelta(days=1 + i % 500))
        )
        if i % 40 == 0:
            reminders.append(Reminder(owner=owner, contact=person, kind="birthday", due_on=today))
        for year in (1, 2):
            reminders.append(
                Reminder(
                    owner=owner,
                    contact=person,
                    kind="check_in",
                    due_on=today - timedelta(days=600 + 365 * year + i % 100),
                    status="done",
                    completed_at=timezone.now() - timedelta(days=365 * year),
                )
            )
    Reminder.objects.bulk_create(reminders, batch_size=5000)
    interactions = Interaction.objects.bulk_create(
        [
            Interaction(
                owner=owner,
                occurred_on=today - timedelta(days=1 + i % 700),
                kind="coffee",
                follow_up_on=today + timedelta(days=1 + i % 20) if i % 50 == 0 else None,
            )
            for i in range(2 * contacts)
        ],
        batch_size=5000,
    )
    through = Interaction.contacts.through
    through.objects.bulk_create(
        [
            through(interaction_id=it.pk, contact_id=people[i % len(people)].pk)
            for i, it in enumerate(interactions)
        ],
        batch_size=5000,
    )


@pytest.fixture
def backlog(django_user_model):
    if connection.vendor != "postgresql":
        pytest.skip("query plans are PostgreSQL's EXPLAIN (run with DATABASE_URL=postgres://…)")
    today = timezone.localdate()
    owners = [django_user_model.objects.create_user(f"plan{i}", password="pw-keepwarm-123") for i in range(3)]
    for owner in owners:
        _seed(owner, contacts=1500, today=today)
    with connection.cursor() as cursor:
        for table in (*WATCHED, "contacts_interaction_contacts"):
            cursor.execute(f"ANALYZE {table}")
    return owners[0], today


def _explain(sql: str, params=()) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _seq_scans(plan: str) -> list[str]:
    return [
        line.strip()
        for line in plan.splitlines()
        if "Seq Scan on" in line and line.split("Seq Scan on ")[1].split()[0] in WATCHED
    ]


def _assert_no_seq_scans(plans: list[tuple[str, str]]) -> None:
    bad = [(sql, plan) for sql, plan in plans if _seq_scans(plan)]
    assert not bad, "Seq Scan on a big table:\n\n" + "\n\n".join(f"{sql}\n{plan}" for sql, plan in bad)


def test_the_reminder_page_querysets_use_indexes(backlog):
    owner, today = backlog
    cursor = selectors.Cursor(today - timedelta(days=250), (10**9,))
    querysets = {
        "overdue window": selectors._active(owner, today).filter(due_on__lt=today)[:26],
        "today window": selectors._active(owner, today).filter(due_on=today)[:26],
        "overdue after a cursor": selectors._active(owner, today)
        .filter(due_on__lt=today)
        .filter(selectors._after_q(cursor, "due_on", "id"))[:26],
        "active count": selectors.active_count(owner, today).values("id"),
    }
    plans = []
    for name, queryset in querysets.items():
        sql, params = queryset.query.sql_with_params()
        plans.append((f"{name}: {sql % tuple(repr(p) for p in params)}", _explain(sql, params)))
    _assert_no_seq_scans(plans)
    # The windows are read in the order of the partial index, cut by LIMIT: no sort of the backlog.
    window_plan = plans[0][1]
    assert "reminder_open_due_idx" in window_plan and "Sort" not in window_plan, window_plan
    # "Show more" seeks to the cursor in the index (keyset), not past every row before it.
    after_plan = plans[2][1]
    seeks = [line for line in after_plan.splitlines() if "Index Cond" in line and "due_on >=" in line]
    assert seeks, after_plan


def _page_plans(client, url: str, **extra) -> list[tuple[str, str]]:
    """EXPLAIN of every SELECT the page runs (PostgreSQL's captured SQL has its values bound)."""
    client.get(url, **extra)  # the first visit of the day picks today's focus
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return [
        (query["sql"], _explain(query["sql"]))
        for query in captured.captured_queries
        if query["sql"].lstrip().upper().startswith("SELECT")
    ]


def test_every_query_of_the_reminders_page_and_its_show_more_uses_indexes(backlog, client):
    owner, today = backlog
    client.force_login(owner)
    first = Reminder.objects.filter(owner=owner, status="open").order_by("due_on", "id")[30]
    plans = _page_plans(client, reverse("reminders:list"))
    plans += _page_plans(
        client, reverse("reminders:more", args=["overdue"]) + f"?after={first.due_on}.{first.pk}", **HX
    )
    plans += _page_plans(client, reverse("reminders:list") + f"?overdue_after={first.due_on}.{first.pk}")
    _assert_no_seq_scans(plans)


def test_every_query_of_the_dashboard_uses_indexes(backlog, client):
    """The focus's "waiting" count too: it counts as the reminders page does
    (`selectors.active_count`: the partial index, NOT IN the archived contacts)."""
    owner, _today = backlog
    client.force_login(owner)
    _assert_no_seq_scans(_page_plans(client, reverse("dashboard")))


def test_the_reconnect_list_reads_a_page_even_when_every_contact_shares_a_rank(backlog):
    """A fresh import gives thousands of contacts the same reconnect rank: the (owner,
    -rank, id) index still hands the page over in order, with no sort of the tie."""
    from contacts.selectors import reconnect_list

    owner, today = backlog
    Contact.objects.filter(owner=owner).update(reconnect_score=40)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE contacts_contact")
    with CaptureQueriesContext(connection) as ctx:
        rows, more = reconnect_list(owner=owner, today=today, limit=4)
    assert len(rows) == 4 and more
    (query,) = ctx.captured_queries
    plan = _explain(query["sql"])
    assert "contact_reconnect_rank_idx" in plan, plan
    assert "Sort" not in plan, plan
