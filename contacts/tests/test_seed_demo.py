from datetime import date
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Exists, OuterRef
from django.test import RequestFactory
from django.utils import timezone

from contacts.demo import DEMO_PAST_COMPANIES, DEMO_TIMEZONE, LAST_NAMES, demo_network_create
from contacts.models import CONNECTED_SUMMARY, Contact, Interaction, Tag
from reminders.focus import focus_pick, focus_today
from reminders.models import Reminder
from reminders.warmth import BANDS, band


def run(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def demo_today() -> date:
    return timezone.localdate(timezone=ZoneInfo(DEMO_TIMEZONE))


def snapshot(username: str) -> list:
    contacts = Contact.objects.filter(owner__username=username).order_by("id")
    return [
        (
            c.full_name,
            c.company,
            c.title,
            c.tie_strength,
            c.birthday_month,
            c.birthday_day,
            c.started_on,
            c.created_at,
            c.introduced_by.full_name if c.introduced_by else None,
            sorted(t.name for t in c.tags.all()),
            [e.value for e in c.emails.all()],
            c.last_interaction_on,
            c.next_check_in,
            c.warmth,
            c.reconnect_score,
            sorted((r.kind, r.due_on, r.status, r.focus_on) for r in c.reminders.all()),
        )
        for c in contacts.select_related("introduced_by")
    ]


def conversations():
    """Interactions with a contact that were conversations (a LinkedIn connection is not)."""
    return Interaction.contacts.through.objects.filter(contact_id=OuterRef("pk")).exclude(
        interaction__summary=CONNECTED_SUMMARY
    )


def test_seed_demo_creates_a_realistic_network(db):
    out = run("--contacts", "60", "--interactions", "200")
    contacts = Contact.objects.filter(owner__username="demo")
    owner = contacts.first().owner
    active = Reminder.objects.active(demo_today()).filter(owner=owner).count()
    assert out.strip().splitlines()[-1] == (
        f"seeded user=demo password=keepwarm-demo contacts=60 interactions=200 reminders={active}"
    )
    assert (
        authenticate(RequestFactory().post("/accounts/login/"), username="demo", password="keepwarm-demo")
        is not None
    )
    assert contacts.count() == 60
    assert Interaction.objects.filter(owner__username="demo").count() == 200
    strong = contacts.filter(tie_strength="strong").count()
    assert 10 <= strong <= 30  # about 30%
    assert contacts.filter(birthday_month=2, birthday_day=29).exists()
    assert contacts.filter(birthday_month__isnull=False, birthday_year__isnull=True).exists()
    assert contacts.filter(introduced_by__isnull=False).count() >= 2
    assert len(set(contacts.values_list("company", flat=True))) >= 10
    assert Tag.objects.get(owner__username="demo", name="investors").checkin_cadence_months == 1
    assert contacts.filter(last_interaction_on__isnull=False).count() > 40  # the engine was told
    assert owner.profile.past_companies == ", ".join(DEMO_PAST_COMPANIES)
    for c in contacts:
        c.full_clean()


def test_multi_word_surnames_stay_whole(db):
    assert "Van der Berg" in LAST_NAMES and "Van" not in LAST_NAMES and "Berg" not in LAST_NAMES
    run("--contacts", "300", "--interactions", "300")
    surnames = set(Contact.objects.values_list("last_name", flat=True))
    assert "Van der Berg" in surnames
    assert surnames <= set(LAST_NAMES)


# A month-end, Feb 29 and a date whose day has no match a month back (Mar 31).
@pytest.mark.parametrize(
    "today", [date(2026, 11, 26), date(2027, 1, 31), date(2028, 2, 29), date(2027, 3, 31)]
)
def test_the_demo_fills_every_panel(db, today):
    result = demo_network_create(username="demo", contacts=60, interactions=200, seed=42, today=today)
    owner = result.user
    contacts = Contact.objects.filter(owner=owner)

    # Warmth spread over all four bands.
    assert {band(w) for w in contacts.values_list("warmth", flat=True)} == {name for name, _ in BANDS}

    # Today's handful: a promised follow-up and a birthday due today, a check-in or two.
    active = Reminder.objects.active(today).filter(owner=owner)
    due_today = list(active.filter(due_on=today).values_list("kind", flat=True))
    assert "follow_up" in due_today
    assert "birthday" in due_today
    assert active.filter(kind="check_in").count() >= 2
    # A backlog bigger than a day's focus: the dashboard says "N waiting".
    assert active.count() > owner.profile.daily_focus
    focus_pick(owner_id=owner.pk, today=today)  # as the dashboard's first visit of the day
    focus = focus_today(owner_id=owner.pk, today=today)
    assert len(focus.items) == owner.profile.daily_focus
    assert focus.waiting > 0
    assert result.reminders == active.count()

    # Dormant ties with history rank above never-contacted people to reconnect with.
    cutoff = today - relativedelta(months=owner.profile.dormant_months)
    talked = contacts.filter(Exists(conversations()))
    dormant = talked.filter(last_interaction_on__lte=cutoff)
    assert dormant.count() >= 3
    never = (
        contacts.exclude(Exists(conversations()))
        .filter(introduced_by__isnull=True)
        .exclude(company__in=DEMO_PAST_COMPANIES)
        .exclude(past_roles__company__in=DEMO_PAST_COMPANIES)
    )
    assert never.count() >= 5
    best_never = max(never.values_list("reconnect_score", flat=True))
    assert dormant.filter(reconnect_score__gt=best_never).count() >= 3
    # … with the signals the reconnect list explains itself with.
    whys = " / ".join(dormant.values_list("reconnect_why", flat=True))
    for words in ("introduced by", "worked together at", "helped you in", "senior role"):
        assert words in whys
    assert dormant.filter(last_interaction_on__gte=today - relativedelta(years=5)).count() == dormant.count()


def test_seed_demo_is_deterministic(db):
    run("--user", "one", "--contacts", "40", "--interactions", "120", "--seed", "7")
    run("--user", "two", "--contacts", "40", "--interactions", "120", "--seed", "7")
    run("--user", "three", "--contacts", "40", "--interactions", "120", "--seed", "8")
    assert snapshot("one") == snapshot("two")
    assert snapshot("one") != snapshot("three")


def test_small_networks_work_too(db):
    run("--user", "tiny", "--contacts", "1", "--interactions", "0")
    run("--user", "few", "--contacts", "5", "--interactions", "3")
    assert Contact.objects.filter(owner__username="tiny").count() == 1
    assert Interaction.objects.filter(owner__username="few").count() == 3


def test_if_empty_does_nothing_the_second_time(db):
    run("--contacts", "5", "--interactions", "5")
    out = run("--if-empty", "--contacts", "5")
    assert out.strip() == "seed skipped: user=demo already has 5 contacts"
    assert Contact.objects.count() == 5


@pytest.mark.parametrize("args", [("--contacts", "0"), ("--interactions", "-1"), ("--user", " ")])
def test_bad_options_exit_with_a_reason_and_write_nothing(db, args):
    with pytest.raises(CommandError):
        run(*args)
    assert not Contact.objects.exists()


def test_database_error_rolls_everything_back(db, monkeypatch):
    from django.db import DatabaseError

    import contacts.demo as demo

    def boom(**kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(demo, "_create_interactions", boom)
    with pytest.raises(CommandError, match="disk full"):
        run("--contacts", "5")
    assert not Contact.objects.exists()
    from django.contrib.auth.models import User

    assert not User.objects.filter(username="demo").exists()
