"""Every view, POSTed any form (and any value in its path), as a logged-in user with data: never a 500.

The form keys are every field of every form in the app (collected, so a field added
later is fuzzed too) plus the query-string keys; the values are the same nasty ones
(NUL bytes, non-ASCII digits, huge numbers, long text) as the GET fuzzing.
"""

import inspect
from urllib.parse import urlencode

import pytest
from django import forms
from hypothesis import given
from hypothesis import strategies as st

import contacts.forms
import crm.forms
import reminders.forms

from .conftest import fuzz_settings, real_path
from .test_fuzz_query_strings import CORE, KEYS, ROUTES, path_for, value

pytestmark = pytest.mark.django_db


def _form_fields() -> list[str]:
    names = set()
    for module in (contacts.forms, crm.forms, reminders.forms):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                names.update(cls.base_fields)
    return sorted(names)


FIELDS = _form_fields()
POST_KEYS = sorted(set(FIELDS) | set(KEYS) | {"action", "ids", "contact_ids", "log-occurred_on", "log-kind"})
field = st.one_of(st.sampled_from(POST_KEYS), st.text(min_size=1, max_size=20))
form_pairs = st.lists(st.tuples(field, value), max_size=12)


def test_the_forms_were_found():
    assert {"first_name", "occurred_on", "timezone", "password", "ids"} <= set(FIELDS)


@pytest.mark.fuzz
@fuzz_settings(60)
@given(data=st.data())
def test_post_with_any_form_is_not_a_500(client, owner_data, data):
    route = data.draw(st.sampled_from(ROUTES), label="route")
    client.force_login(owner_data)
    path = path_for(route, owner_data, data)
    body = data.draw(form_pairs, label="form")
    htmx = {"HTTP_HX_REQUEST": "true"} if data.draw(st.booleans(), label="htmx") else {}
    response = client.post(
        path, data=urlencode(body, doseq=True), content_type="application/x-www-form-urlencoded", **htmx
    )
    assert response.status_code < 500, f"POST {path} {body!r:.300} -> {response.status_code}"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_view_posted_each_nasty_value_is_not_a_500(client, owner_data, route):
    """Not random: every view, every form field at once set to each core nasty value."""
    client.force_login(owner_data)
    path = real_path(route, owner_data)
    for nasty in CORE:
        body = urlencode([(k, nasty) for k in POST_KEYS])
        response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500, (
            f"POST {path} (every field {nasty[:20]!r}) -> {response.status_code}"
        )
        client.force_login(owner_data)  # a POST to logout (or account deletion) ends the session
