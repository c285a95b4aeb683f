"""A digest after a big import lists the first items of each section and counts the rest."""

import datetime as dt

from contacts.tests.factories import make_contact, make_reminder
from digests import selectors, services
from digests.tests import smtp
from digests.tests.smtp import parts

smtp_server = smtp.smtp_server  # fixture
TODAY = dt.date(2027, 2, 25)


def test_many_overdue_check_ins_list_ten_and_count_the_rest(alice, smtp_server):
    for i in range(14):
        contact = make_contact(
            owner=alice, first_name=f"Overdue{i:02d}", created_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        )
        make_reminder(contact=contact, kind="check_in", due_on=TODAY - dt.timedelta(days=30 + i))

    digest = selectors.digest_context(user=alice, today=TODAY)
    (section,) = [s for s in digest.sections if s.key == "check_in"]
    assert len(section.items) == selectors.SECTION_MAX == 10
    assert section.more == 4
    assert digest.item_count == 14
    # Most overdue first: the oldest ones are listed.
    assert section.items[0].name.startswith("Overdue13")

    assert services.digest_send(user_id=alice.pk, period="2027-02-25", today=TODAY) is True
    (message,) = smtp_server.messages
    body = parts(message)
    for text in body.values():
        assert "…and 4 more" in text
        assert "http://127.0.0.1:8000/reminders/" in text or "/reminders/" in text
        assert text.count("Overdue") == 10
    assert "14 people" in body["text/html"]
