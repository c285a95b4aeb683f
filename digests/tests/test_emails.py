"""The digest email: Django's multipart message, its list headers, and the section cap."""

import datetime as dt

from django.conf import settings
from django.core import mail

from contacts.tests.factories import make_contact, make_reminder
from digests import emails, selectors, services
from digests.tests import smtp
from digests.tests.fixtures import TODAY, make_network
from digests.tests.smtp import parts

smtp_server = smtp.smtp_server  # fixture
PERIOD = "2027-02-25"


def test_many_overdue_check_ins_list_ten_and_say_how_many_more(alice, smtp_server):
    for i in range(14):
        contact = make_contact(
            owner=alice, first_name=f"Overdue{i:02d}", created_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        )
        make_reminder(contact=contact, kind="check_in", due_on=TODAY - dt.timedelta(days=30 + i))

    assert services.digest_send(user_id=alice.pk, period=PERIOD, today=TODAY) is True

    (message,) = smtp_server.messages
    body = parts(message)
    text, html = body["text/plain"], body["text/html"]
    # Most overdue first: the ten oldest are listed, the four most recent only counted.
    listed = [f"Overdue{i:02d}" for i in range(4, 14)]
    for name in listed:
        assert name in text and name in html
    for name in ["Overdue00", "Overdue01", "Overdue02", "Overdue03"]:
        assert name not in text and name not in html
    assert text.index("Overdue13") < text.index("Overdue04")
    assert f"* …and 4 more: {settings.SITE_URL}/reminders/" in text
    assert "4 more" in html and f'href="{settings.SITE_URL}/reminders/"' in html
    assert "14 people" in html
    assert message["Subject"].startswith("Keepwarm: 14 people to keep warm (Overdue13 ")


def test_the_message_is_djangos_multipart_with_the_list_headers(alice, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_network(alice)
    digest = selectors.digest_context(user=alice, today=TODAY)

    emails.digest_message(digest=digest).send()

    (message,) = mail.outbox
    assert message.to == ["alice@example.com"] and message.from_email == settings.DEFAULT_FROM_EMAIL
    assert [mimetype for _content, mimetype in message.alternatives] == ["text/html"]
    headers = message.extra_headers
    assert headers["List-Unsubscribe"] == (
        f"<{digest.unsubscribe_url}>, <mailto:keepwarm@localhost?subject=unsubscribe>"
    )
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["Auto-Submitted"] == "auto-generated"
    assert headers["X-Keepwarm-Digest"] == PERIOD
    assert "Ada Lovelace" in message.body and "Ada Lovelace" in message.alternatives[0][0]


def test_the_unsubscribe_mailto_can_be_set(alice, settings):
    settings.DIGEST_UNSUBSCRIBE_MAILTO = "unsubscribe@example.org"
    make_network(alice)
    message = emails.digest_message(digest=selectors.digest_context(user=alice, today=TODAY))
    assert "<mailto:unsubscribe@example.org?subject=unsubscribe>" in message.extra_headers["List-Unsubscribe"]
