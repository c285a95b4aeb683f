"""Every view, GET with any query string (and any value in its path), as a logged-in user with data: never a 500.

The URL patterns are walked as tests/test_isolation.py walks them, so a view added
later is fuzzed too. Query values: NUL bytes, non-ASCII digits ("²", "٣"), huge,
negative and fractional numbers, very long strings, repeated keys, and any text.
"""

from urllib.parse import quote, urlencode

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.test_isolation import all_routes, factory_for

from .conftest import fuzz_settings, real_path

pytestmark = pytest.mark.django_db

# The keys the views read, and a few they might read one day.
KEYS = [
    "page",
    "offset",
    "q",
    "exclude",
    "contacts",
    "log-contacts",
    "introduced_by",
    "tag",
    "sort",
    "relationship",
    "tie_strength",
    "network",
    "archived",
    "warmth",
    "format",
    "next",
    "template",
    "date",
    "days",
    "id",
    "pk",
    "month",
    "year",
    "limit",
]
NASTY = [
    "\x00",
    "a\x00b",
    "1\x00",
    "²",
    "¹²",
    "٣",
    "𝟙",
    "-1",
    "-99999999999999999999",
    "0",
    "1.5",
    "1e9",
    "1_000",
    " 1",
    "9" * 20,
    "9" * 5000,
    str(2**63),
    str(2**64),
    "x" * 10_000,
    "",
    "warmth",
    "-warmth",
    "json",
    "//evil.example",
    "javascript:alert(1)",
    "%00",
    "\ud7ff",
    "\U0010ffff",
]
value = st.one_of(st.sampled_from(NASTY), st.text(max_size=60), st.integers().map(str))
key = st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=20))
pairs = st.lists(st.tuples(key, value), max_size=8)  # a list: keys repeat
path_text = st.one_of(st.sampled_from([v for v in NASTY if v]), st.text(min_size=1, max_size=40))

# GET routes that are not pages of this user's data.
SKIP = {"logout": "a GET would end the session (and is refused: POST only)"}
ROUTES = [r for r in all_routes() if r.name and r.name not in SKIP]


def path_for(route, owner, data) -> str:
    kwargs = {}
    for name in route.int_kwargs:
        real = factory_for(route, name)(owner).pk
        kwargs[name] = data.draw(st.sampled_from([real, real, 0, 10**25, 2**63]), label=name)
    for name in route.other_kwargs:
        real = {"fmt": "json", "token": owner.profile.calendar_token}.get(name, "x")
        kwargs[name] = data.draw(st.one_of(st.just(real), path_text), label=name)
    # reverse() checks the converters; the nasty text goes in percent-encoded.
    placeholders = {name: (v if isinstance(v, int) else "PLACEHOLDER" + name) for name, v in kwargs.items()}
    path = reverse(route.name, kwargs=placeholders)
    for name, v in kwargs.items():
        if not isinstance(v, int):
            path = path.replace("PLACEHOLDER" + name, quote(str(v), safe=""))
    return path


@pytest.mark.fuzz
@fuzz_settings(60)
@given(data=st.data())
def test_get_with_any_query_string_is_not_a_500(client, owner_data, data):
    """One target over every view: each example picks a view, its path values and a query string."""
    route = data.draw(st.sampled_from(ROUTES), label="route")
    client.force_login(owner_data)
    path = path_for(route, owner_data, data)
    query = urlencode(data.draw(pairs, label="query"), doseq=True)
    htmx = {"HTTP_HX_REQUEST": "true"} if data.draw(st.booleans(), label="htmx") else {}
    response = client.get(f"{path}?{query}", **htmx)
    assert response.status_code < 500, f"GET {path}?{query} -> {response.status_code}"


# Not random: every view once per core nasty value, under every known key at once.
CORE = ["\x00", "a\x00b", "²", "٣", "-1", "1.5", "9" * 25, str(2**64), "9" * 5000]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_view_with_each_nasty_value_is_not_a_500(client, owner_data, route):
    client.force_login(owner_data)
    path = real_path(route, owner_data)
    for nasty in CORE:
        query = urlencode([(k, nasty) for k in KEYS])
        response = client.get(f"{path}?{query}")
        assert response.status_code < 500, f"GET {path}?{query[:200]} -> {response.status_code}"
