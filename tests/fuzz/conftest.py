"""Shared by the fuzz tests: how many examples a run takes, and the import preview page."""

import os
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from hypothesis import HealthCheck, settings

from contacts.models import ImportJob
from contacts.tests.factories import make_contact, make_interaction, make_reminder, make_tag

# `make test`: a short run of each target; `make fuzz` (HYPOTHESIS_PROFILE=fuzz, registered in
# the root conftest.py) takes the profile's 10,000 examples per target.
# FUZZ_EXAMPLES=N sets the count of every target (a partial `make fuzz`).
FUZZING = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 0)


def fuzz_settings(short: int) -> settings:
    """`short` examples in `make test`, the fuzz profile's count in `make fuzz`."""
    return settings(
        max_examples=EXAMPLES or (settings().max_examples if FUZZING else short),
        deadline=None,
        # One database per test, shared by its examples: what one example imports stays
        # for the next (re-imports are part of what is fuzzed).
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Import jobs write their uploaded file: keep it out of var/media."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def preview_page():
    """GET the import preview page of `data` (bytes) as the logged-in `client`; return the response."""

    def get(client, owner, data: bytes, fmt: str = "auto"):
        job = ImportJob(owner=owner, original_name="upload.txt", format="" if fmt == "auto" else fmt)
        job.file.save("upload.txt", ContentFile(data), save=True)
        url = reverse("contacts:import_preview", kwargs={"pk": job.pk})
        return client.get(url, {"format": fmt} if fmt != "auto" else {})

    return get


@pytest.fixture
def owner_data(alice):
    """A few of everything, so that lists, pages and pickers have rows to show."""
    tag = make_tag(owner=alice, name="investors", checkin_cadence_months=1)
    ada = make_contact(owner=alice, first_name="Ada", emails=["ada@example.org"], tags=[tag])
    charles = make_contact(
        owner=alice, first_name="Charles", introduced_by=ada, birthday_month=2, birthday_day=29
    )
    make_interaction(contacts=[ada, charles], occurred_on=date(2026, 9, 15), follow_up_on=date(2026, 9, 17))
    make_reminder(contact=ada)
    return alice


def real_path(route, owner) -> str:
    """The route's URL for one of `owner`'s real objects (the backup format for a format)."""
    from django.urls import reverse

    from tests.test_isolation import factory_for

    kwargs = {name: factory_for(route, name)(owner).pk for name in route.int_kwargs}
    kwargs.update(
        {name: {"fmt": "json"}.get(name, owner.profile.calendar_token) for name in route.other_kwargs}
    )
    return reverse(route.name, kwargs=kwargs)
