import calendar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts.forms import BulkActionForm, ContactFilterForm, ContactForm, InteractionForm
from contacts.selectors import Archived
from contacts.tests.factories import make_contact, make_tag

BASE = {"first_name": "Ada", "relationship": "peer", "network": "operational", "tie_strength": "weak"}


def birthday_form(owner, month, day, year):
    data = dict(
        BASE,
        birthday_month=str(month),
        birthday_day=str(day),
        birthday_year="" if year is None else str(year),
    )
    return ContactForm(data, owner=owner)


@pytest.fixture
def owner(db):
    from django.contrib.auth.models import User

    return User(pk=10**6, username="formowner")  # unsaved: the form only filters by it


# The form's model validation runs a SELECT for the check constraint: db is needed,
# and nothing is written, so sharing it between examples is safe.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(month=st.integers(1, 12), day=st.integers(1, 31), year=st.one_of(st.none(), st.integers(1900, 2100)))
def test_birthday_accepted_exactly_when_the_date_exists(owner, month, day, year):
    """Without a year, any day of a leap year is fine (Feb 29 included)."""
    form = birthday_form(owner, month, day, year)
    exists = day <= calendar.monthrange(year or 2000, month)[1]
    form.is_valid()
    assert ("birthday_day" not in form.errors) == exists
    if not exists:
        assert form.errors["birthday_day"] == [
            f"{calendar.month_name[month]} has no day {day}" + (f" in {year}." if year else ".")
        ]


@pytest.mark.parametrize(
    ("year", "ok"), [(None, True), (2024, True), (2000, True), (2023, False), (1900, False)]
)
def test_feb_29(owner, year, ok):
    form = birthday_form(owner, 2, 29, year)
    form.is_valid()
    assert ("birthday_day" not in form.errors) is ok


def test_filter_form_drops_invalid_values(alice):
    tag = make_tag(owner=alice)
    form = ContactFilterForm({"tag": "999999", "sort": "evil", "q": " ada ", "archived": "x"}, tags=[tag])
    filters = form.filters()
    assert filters.tag_id is None and filters.sort == "name" and filters.q == "ada"
    assert filters.archived == Archived.ACTIVE
    assert ContactFilterForm({"tag": str(tag.pk)}, tags=[tag]).filters().tag_id == tag.pk


def test_bulk_form_needs_the_value_for_its_action():
    form = BulkActionForm({"ids": ["3", "1", "3"], "action": "set_relationship"})
    assert not form.is_valid() and form.errors["relationship"] == ["Choose a relationship."]
    form = BulkActionForm({"ids": ["3", "1", "3"], "action": "add_tag", "tag": "  new   york "})
    assert form.is_valid() and form.cleaned_data["ids"] == [1, 3] and form.value() == "new york"


def test_interaction_form_accepts_only_the_owners_contacts(alice, bob):
    mine, theirs = make_contact(owner=alice), make_contact(owner=bob)
    data = {"occurred_on": "2026-01-01", "kind": "call", "contacts": [mine.pk, theirs.pk]}
    form = InteractionForm(data, owner=alice)
    assert not form.is_valid() and "contacts" in form.errors
    assert InteractionForm(dict(data, contacts=[mine.pk]), owner=alice).is_valid()


def test_interaction_form_refuses_absurd_dates(alice):
    contact = make_contact(owner=alice)
    form = InteractionForm(
        {"occurred_on": "0001-01-01", "kind": "call", "contacts": [contact.pk]}, owner=alice
    )
    assert not form.is_valid() and "occurred_on" in form.errors


def test_ago_filter_says_never_without_a_date_and_counts_from_the_local_today(settings):
    from datetime import timedelta

    from django.template import Context, Template
    from django.utils import timezone

    template = Template("{% load contacts_tags %}{{ then|ago }}")
    assert template.render(Context({"then": None})) == "never"
    three_weeks = timezone.localdate() - timedelta(days=21)
    assert template.render(Context({"then": three_weeks})) == "3 weeks ago"
