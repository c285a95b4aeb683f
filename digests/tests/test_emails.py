"""The digest email: today's focus first, the backlog counted, the subject line, Django's
multipart message and its list headers."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail

from contacts.tests.factories import make_contact, make_reminder
from digests import emails, selectors, services
from digests.tests import smtp
from digests.tests.fixtures import TODAY, make_network
from digests.tests.smtp import parts
from reminders import focus

smtp_server = smtp.smtp_server  # fixture
PERIOD = "2027-02-25"


EARLY = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
NO_OVERDUE_COUNT = re.compile(r"\d+\s+days?\s+overdue|overdue", re.IGNORECASE)


def _delivered(smtp_server, user) -> tuple[str, str, str]:
    """Send `user`'s digest for TODAY through the SMTP server: (subject, text, html)."""
    assert services.digest_send(user_id=user.pk, period=PERIOD, today=TODAY) is True
    (message,) = smtp_server.messages
    body = parts(message)
    return str(message["Subject"]), body["text/plain"], body["text/html"]


def test_the_digest_leads_with_the_dashboards_focus_and_counts_the_rest(alice, smtp_server):
    for i in range(14):
        contact = make_contact(
            owner=alice,
            first_name=f"Overdue{i:02d}",
            last_name="Person",
            tie_strength="strong" if i % 3 == 0 else "weak",
            created_at=EARLY,
        )
        make_reminder(contact=contact, kind="check_in", due_on=TODAY - dt.timedelta(days=30 + i))
    promised = make_contact(owner=alice, first_name="Promised", last_name="Coffee", created_at=EARLY)
    make_reminder(contact=promised, kind="follow_up", due_on=TODAY - dt.timedelta(days=1))

    subject, text, html = _delivered(smtp_server, alice)

    today = focus.focus_today(owner_id=alice.pk, today=TODAY)  # what the dashboard shows
    assert len(today.items) == alice.profile.daily_focus == 5 and today.waiting == 10
    people = [r.contact.full_name for r in today.items]
    # The same people, in the same order, with the same words, before anything else.
    for body in (text, html):
        at = [body.index(name) for name in people]
        assert at == sorted(at)
        for reminder in today.items:
            assert reminder.why in body
        # The backlog is counted, not listed: at most one of it is the reconnect suggestion.
        listed = [n for n in {f"Overdue{i:02d} Person" for i in range(14)} - set(people) if n in body]
        assert len(listed) <= 1
    assert text.index("TODAY\u2019S FOCUS") < text.index(people[0])
    assert f"10 more waiting: {settings.SITE_URL}/reminders/" in text
    assert f'<a href="{settings.SITE_URL}/reminders/" style="color:#b4532a;">10 more waiting</a>' in html
    for reminder in today.items:
        assert f'href="{settings.SITE_URL}/contacts/{reminder.contact_id}/"' in html
    first, second = (r.contact.first_name for r in today.items[:2])
    assert subject == f"5 people to keep warm today: {first}, {second} and 3 more"
    assert first == "Promised"  # the follow-up you promised comes first


def test_a_contact_946_days_overdue_was_last_talked_to_2_years_ago(alice, smtp_server):
    contact = make_contact(
        owner=alice,
        first_name="Long",
        last_name="Lost",
        created_at=EARLY,
        last_interaction_on=TODAY - dt.timedelta(days=946 + 91),
        last_talked_on=TODAY - dt.timedelta(days=946 + 91),
    )
    make_reminder(contact=contact, kind="check_in", due_on=TODAY - dt.timedelta(days=946))

    subject, text, html = _delivered(smtp_server, alice)

    assert subject == "1 person to keep warm today: Long"
    for body in (subject, text, html):
        assert not NO_OVERDUE_COUNT.search(body), body
    for body in (text, html):
        assert "last talked 2 years ago" in body
    (reminder,) = focus.focus_today(owner_id=alice.pk, today=TODAY).items
    assert reminder.why.startswith("last talked 2 years ago · ") and reminder.why in text


@pytest.mark.parametrize(
    ("people", "subject"),
    [
        (["Grace"], "1 person to keep warm today: Grace"),
        (["Grace", "Felix"], "2 people to keep warm today: Grace and Felix"),
        (
            ["Grace", "Felix", "Hedy", "Alan", "Ada"],
            "5 people to keep warm today: Grace, Felix and 3 more",
        ),
    ],
)
def test_the_subject_names_the_focus_people_by_first_name(alice, smtp_server, people, subject):
    # Follow-ups you promised, the oldest first: the focus order is this list's.
    for n, first_name in enumerate(people):
        contact = make_contact(owner=alice, first_name=first_name, last_name="Surname", created_at=EARLY)
        make_reminder(contact=contact, kind="follow_up", due_on=TODAY - dt.timedelta(days=len(people) - n))
    # Coming up, not in the focus: the subject still names the focus people only.
    make_contact(owner=alice, first_name="Zed", last_name="Birthday", birthday_month=2, birthday_day=27)

    sent, text, _html = _delivered(smtp_server, alice)

    assert sent == subject
    assert [r.contact.first_name for r in focus.focus_today(owner_id=alice.pk, today=TODAY).items] == people
    assert "Zed Birthday" in text and "waiting" not in text


def test_without_a_focus_the_subject_is_todays(alice, smtp_server):
    make_contact(owner=alice, first_name="Zed", last_name="Birthday", birthday_month=2, birthday_day=27)
    subject, text, _html = _delivered(smtp_server, alice)
    assert subject == "Keepwarm: 1 person to keep warm (Zed Birthday)"
    assert "FOCUS" not in text


def test_the_subject_is_not_html_escaped(alice, smtp_server):
    contact = make_contact(owner=alice, first_name="Seán & Zoë", last_name="O'Brien", created_at=EARLY)
    make_reminder(contact=contact, kind="follow_up", due_on=TODAY)
    subject, _text, html = _delivered(smtp_server, alice)
    assert subject == "1 person to keep warm today: Seán & Zoë"
    assert "O&#x27;Brien" in html  # the HTML part still escapes


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
