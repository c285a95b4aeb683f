"""Values saved on the settings page take effect in the reminder engine."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.tests.factories import make_contact
from reminders.services import reminders_generate

from .helpers import at, keys

pytestmark = pytest.mark.django_db


def _save_settings(client, **overrides) -> None:
    data = {
        "timezone": "UTC",
        "strong_cadence_months": 3,
        "weak_cadence_months": 6,
        "birthday_lead_days": 7,
        "digest_frequency": "daily",
        "digest_hour": 8,
        "email": "alice@example.com",
    }
    data.update(overrides)
    response = client.post(reverse("settings"), data)
    assert response.status_code == 302, response.context["form"].errors


def test_cadence_defaults_from_settings_drive_check_ins(alice_client, alice):
    _save_settings(alice_client, strong_cadence_months=1, weak_cadence_months=2)
    strong = make_contact(owner=alice, created_at=at(date(2027, 1, 15)), tie_strength="strong")
    weak = make_contact(owner=alice, created_at=at(date(2027, 1, 15)), tie_strength="weak")
    reminders_generate(today=date(2027, 3, 15))
    assert keys() == {(strong.pk, "check_in", date(2027, 2, 15)), (weak.pk, "check_in", date(2027, 3, 15))}


def test_cadence_zero_in_settings_turns_check_ins_off(alice_client, alice):
    _save_settings(alice_client, weak_cadence_months=0)
    make_contact(owner=alice, created_at=at(date(2020, 1, 1)), tie_strength="weak")
    assert reminders_generate(today=date(2027, 3, 15)) == 0


def test_timezone_from_settings_decides_the_users_today(alice_client, alice):
    _save_settings(alice_client, timezone="Pacific/Kiritimati")  # UTC+14
    contact = make_contact(
        owner=alice,
        created_at=at(date(2026, 1, 1)),
        checkin_cadence_months=0,
        birthday_month=6,
        birthday_day=2,
    )
    # 10:30 UTC on Jun 1 is already Jun 2 in Kiritimati.
    reminders_generate(now=datetime(2027, 6, 1, 10, 30, tzinfo=ZoneInfo("UTC")))
    assert keys() == {(contact.pk, "birthday", date(2027, 6, 2))}


def test_lead_days_from_settings_widen_the_upcoming_list(alice_client, alice):
    _save_settings(alice_client, birthday_lead_days=20)
    soon = timezone.localdate() + timedelta(days=15)
    make_contact(owner=alice, first_name="Zoe", birthday_month=soon.month, birthday_day=soon.day)
    upcoming = alice_client.get(reverse("reminders:list")).context["upcoming"]
    assert [(item.contact.first_name, item.due_on) for item in upcoming] == [("Zoe", soon)]
    _save_settings(alice_client, birthday_lead_days=7)
    assert alice_client.get(reverse("reminders:list")).context["upcoming"] == []
