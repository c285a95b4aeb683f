"""Property: whatever text a contact holds, our vCard export reads back the same."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts.importing.exporting import contact_vcard
from contacts.importing.parsers import vcard
from contacts.models import Contact
from contacts.tests.factories import make_contact

WORD = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp", "Co", "Cn")),
    min_size=1,
    max_size=12,
)
NAME = st.lists(WORD, min_size=1, max_size=3).map(" ".join)
NOTE = st.lists(NAME, min_size=0, max_size=3).map("\n".join)


@pytest.mark.django_db
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    first=NAME,
    last=NAME,
    company=NAME,
    title=NAME,
    notes=NOTE,
    month=st.integers(1, 12),
    day=st.integers(1, 28),
)
def test_vcard_export_reads_back(alice, first, last, company, title, notes, month, day):
    contact = make_contact(
        owner=alice,
        first_name=first,
        last_name=last,
        company=company,
        title=title,
        notes=notes,
        birthday_month=month,
        birthday_day=day,
        emails=["a@example.org"],
    )
    try:
        rows = list(vcard.parse(contact_vcard(Contact.objects.get(pk=contact.pk))))
    finally:
        contact.delete()
    assert len(rows) == 1
    row = rows[0]
    assert (row["first_name"], row["last_name"]) == (first, last)
    assert (row["company"], row["title"], row["notes"]) == (company, title, notes.strip())
    assert row["birthday"] == (month, day, None)
    assert row["emails"] == [("a@example.org", "work")]
