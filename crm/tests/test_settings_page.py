from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from crm.middleware import UserTimezoneMiddleware


def _post(client, **overrides):
    data = {
        "timezone": "Europe/Paris",
        "strong_cadence_months": 2,
        "weak_cadence_months": 8,
        "birthday_lead_days": 10,
        "digest_frequency": "weekly",
        "digest_hour": 7,
        "email": "alice@new.example.com",
    }
    data.update(overrides)
    return client.post(reverse("settings"), data)


def test_settings_are_saved(alice_client, alice):
    response = _post(alice_client)
    assert response.status_code == 302
    alice.refresh_from_db()
    profile = alice.profile
    assert (profile.timezone, profile.strong_cadence_months, profile.weak_cadence_months) == (
        "Europe/Paris",
        2,
        8,
    )
    assert (profile.birthday_lead_days, profile.digest_frequency, profile.digest_hour) == (10, "weekly", 7)
    assert alice.email == "alice@new.example.com"


def test_unknown_timezone_is_refused_with_a_clear_message(alice_client, alice):
    response = _post(alice_client, timezone="Mars/Olympus_Mons")
    assert response.status_code == 200
    assert "is not a known time zone" in str(response.context["form"].errors["timezone"])
    alice.profile.refresh_from_db()
    assert alice.profile.timezone == "UTC"


def test_out_of_range_values_are_refused(alice_client, alice):
    response = _post(alice_client, digest_hour=24, strong_cadence_months=-1, birthday_lead_days="x")
    assert response.status_code == 200
    assert {"digest_hour", "strong_cadence_months", "birthday_lead_days"} <= set(
        response.context["form"].errors
    )


def test_middleware_activates_the_users_timezone(rf, alice):
    alice.profile.timezone = "Pacific/Kiritimati"  # UTC+14
    alice.profile.save()
    seen = {}

    def view(request):
        seen["tz"] = timezone.get_current_timezone_name()
        return HttpResponse()

    request = rf.get("/")
    request.user = User.objects.get(pk=alice.pk)
    UserTimezoneMiddleware(view)(request)
    assert seen["tz"] == "Pacific/Kiritimati"
    # The request's alone: what the thread runs next has its own zone back.
    assert timezone.get_current_timezone_name() == "UTC"

    request.user = AnonymousUser()
    UserTimezoneMiddleware(view)(request)
    assert seen["tz"] == "UTC"


def test_settings_links_the_digest_preview_and_the_export_page(alice_client):
    html = alice_client.get(reverse("settings")).content.decode()
    assert 'href="/digest/preview"' in html and 'href="/contacts/export/"' in html
