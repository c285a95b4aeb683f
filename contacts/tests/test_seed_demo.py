from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from contacts.models import Contact, Interaction, Tag


def run(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


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
            sorted(t.name for t in c.tags.all()),
            [e.value for e in c.emails.all()],
        )
        for c in contacts
    ]


def test_seed_demo_creates_a_realistic_network(db):
    out = run("--contacts", "60", "--interactions", "200")
    assert (
        out.strip().splitlines()[-1] == "seeded user=demo password=keepwarm-demo contacts=60 interactions=200"
    )
    assert authenticate(username="demo", password="keepwarm-demo") is not None
    contacts = Contact.objects.filter(owner__username="demo")
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
    for c in contacts:
        c.full_clean()


def test_seed_demo_is_deterministic(db):
    run("--user", "one", "--contacts", "20", "--interactions", "30", "--seed", "7")
    run("--user", "two", "--contacts", "20", "--interactions", "30", "--seed", "7")
    run("--user", "three", "--contacts", "20", "--interactions", "30", "--seed", "8")
    assert snapshot("one") == snapshot("two")
    assert snapshot("one") != snapshot("three")


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
