"""The shared core (sources.found) on the real database: exactly once, one a day, ignore lists."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts.models import Interaction
from contacts.services import interaction_delete
from contacts.tests.factories import make_contact, make_reminder, make_user
from crm.accounts import account_delete
from sources.found import Counts, MailSeen, Meeting, record_mail, record_meetings
from sources.models import CalendarSource, FoundEvent, FoundMail, IgnoredAddress, MailboxSource, SeenAddress
from sources.services import calendar_source_add

from .feeds import fixture

TODAY = date(2026, 11, 20)


def _box(owner, **fields) -> MailboxSource:
    return MailboxSource.objects.create(
        owner=owner, host="imap.example.org", username="alice@example.com", **fields
    )


def _mail(day: date, *addresses: str, key: str = "") -> MailSeen:
    return MailSeen(day, frozenset(addresses), key)


def test_a_long_thread_is_one_email_a_day_per_contact(alice):
    ada = make_contact(owner=alice, first_name="Ada", emails=["ada@example.org"])
    bob = make_contact(owner=alice, first_name="Bob", emails=["bob@example.org"])
    box = _box(alice)
    day = TODAY - timedelta(days=2)
    thread = [_mail(day, "ada@example.org", "bob@example.org")] * 50 + [
        _mail(day + timedelta(days=1), "ada@example.org")
    ]

    assert record_mail(source=box, messages=thread, today=TODAY) == Counts(logged=3)
    assert record_mail(source=box, messages=thread, today=TODAY) == Counts()  # seen again: nothing

    rows = Interaction.objects.filter(owner=alice).order_by("occurred_on", "id")
    assert [(i.occurred_on, [c.pk for c in i.contacts.all()], i.kind, i.origin) for i in rows] == [
        (day, [ada.pk], "email", "mailbox"),
        (day, [bob.pk], "email", "mailbox"),
        (day + timedelta(days=1), [ada.pk], "email", "mailbox"),
    ]


def test_mail_addresses_match_whatever_their_case_and_archived_contacts_are_left_out(alice):
    make_contact(owner=alice, emails=["Ada@Example.ORG"])
    make_contact(owner=alice, emails=["old@example.org"], archived=True)
    assert record_mail(
        source=_box(alice), messages=[_mail(TODAY, "ada@example.org", "old@example.org")]
    ) == Counts(logged=1)


def test_another_users_contacts_are_never_matched(alice, bob):
    make_contact(owner=bob, emails=["ada@example.org"])
    assert (
        record_mail(source=_box(alice), messages=[_mail(TODAY, "ada@example.org")], today=TODAY) == Counts()
    )
    assert not Interaction.objects.exists()


def test_a_message_from_the_future_waits(alice):
    make_contact(owner=alice, emails=["ada@example.org"])
    assert (
        record_mail(
            source=_box(alice), messages=[_mail(TODAY + timedelta(days=1), "ada@example.org")], today=TODAY
        )
        == Counts()
    )


def test_an_ignored_address_is_counted_once_and_logs_nothing(alice):
    make_contact(owner=alice, emails=["ada@example.org"])
    IgnoredAddress.objects.create(owner=alice, email="ada@example.org")
    box = _box(alice)
    assert record_mail(source=box, messages=[_mail(TODAY, "ada@example.org")], today=TODAY) == Counts(
        ignored=1
    )
    assert record_mail(source=box, messages=[_mail(TODAY, "ada@example.org")], today=TODAY) == Counts()
    assert not Interaction.objects.exists() and not SeenAddress.objects.exists()


def test_an_interaction_deleted_by_hand_is_not_logged_again(alice):
    make_contact(owner=alice, emails=["ada@example.org"])
    box = _box(alice)
    record_mail(source=box, messages=[_mail(TODAY, "ada@example.org")], today=TODAY)
    interaction_delete(interaction=Interaction.objects.get(owner=alice))
    assert record_mail(source=box, messages=[_mail(TODAY, "ada@example.org")], today=TODAY) == Counts()
    assert FoundMail.objects.get(owner=alice).status == "logged"


def test_a_batch_closes_every_contacts_check_in_like_hand_logging(alice):
    people = [make_contact(owner=alice, emails=[f"p{n}@example.org"]) for n in range(30)]
    check_ins = [make_reminder(contact=c, kind="check_in", due_on=date(2026, 9, 1)) for c in people]
    meetings = [
        Meeting(
            f"m{n}",
            "",
            TODAY - timedelta(days=n),
            frozenset({f"p{n}@example.org", f"p{n + 1}@example.org"}),
            "1:1",
        )
        for n in range(29)
    ]
    source = CalendarSource.objects.create(owner=alice, url="https://x.example.org/c.ics")

    assert record_meetings(source=source, meetings=meetings, today=TODAY) == Counts(logged=29)

    for reminder in check_ins:
        reminder.refresh_from_db()
        assert reminder.status == "done"
    people[0].refresh_from_db()
    people[29].refresh_from_db()
    assert (people[0].last_interaction_on, people[29].last_interaction_on) == (
        TODAY,
        TODAY - timedelta(days=28),
    )


def test_unknown_addresses_are_remembered_for_90_days_only_once_per_meeting(alice):
    source = CalendarSource.objects.create(owner=alice, url="https://x.example.org/c.ics")
    meetings = [
        Meeting("recent", "", TODAY - timedelta(days=3), frozenset({"new@example.org"})),
        Meeting("old", "", TODAY - timedelta(days=200), frozenset({"new@example.org"})),
    ]
    record_meetings(source=source, meetings=meetings, today=TODAY)
    record_meetings(source=source, meetings=meetings, today=TODAY)
    assert list(SeenAddress.objects.values_list("email", "day")) == [
        ("new@example.org", TODAY - timedelta(days=3))
    ]


def test_a_feed_that_repeats_a_key_logs_it_once(alice):
    make_contact(owner=alice, emails=["ada@example.org"])
    source = CalendarSource.objects.create(owner=alice, url="https://x.example.org/c.ics")
    twice = [Meeting("dup", "", TODAY, frozenset({"ada@example.org"}), "Lunch")] * 2
    assert record_meetings(source=source, meetings=twice, today=TODAY) == Counts(logged=1)


def test_deleting_the_account_removes_the_sources_their_rows_and_uploaded_files(
    alice, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    make_contact(owner=alice, emails=["ada@example.org"])
    source = calendar_source_add(owner=alice, file=SimpleUploadedFile("w.ics", fixture("weekly.ics")))
    record_meetings(
        source=source, meetings=[Meeting("u", "", TODAY, frozenset({"ada@example.org"}))], today=TODAY
    )
    record_mail(source=_box(alice), messages=[_mail(TODAY, "ada@example.org", "x@example.org")], today=TODAY)
    IgnoredAddress.objects.create(owner=alice, email="spam@example.org")
    path = tmp_path / source.file.name
    assert path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        account_delete(alice)
    assert not path.exists()
    for model in (CalendarSource, MailboxSource, FoundEvent, FoundMail, IgnoredAddress, SeenAddress):
        assert not model.objects.exists(), model


@pytest.mark.django_db
@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    days=st.lists(st.integers(min_value=-400, max_value=30), min_size=1, max_size=20),
    repeats=st.integers(min_value=1, max_value=3),
)
def test_mail_logs_exactly_the_distinct_past_days(days, repeats):
    """Whatever the order and repetition of messages: one email per distinct day up to today."""
    user = make_user()
    try:
        make_contact(owner=user, emails=["ada@example.org"])
        messages = [_mail(TODAY + timedelta(days=d), "ada@example.org") for d in days] * repeats
        counts = record_mail(source=_box(user), messages=messages[::-1], today=TODAY)
        expected = {TODAY + timedelta(days=d) for d in days if d <= 0}
        logged = set(Interaction.objects.filter(owner=user).values_list("occurred_on", flat=True))
        assert counts.logged == len(expected) and logged == expected
    finally:
        user.delete()


# International addresses (RFC 6531): one contact whatever form a message or a feed
# gives the address in (case, NFC or a combining accent, an "xn--" or a Unicode domain).
JOSE_FORMS = (
    "JOSÉ@Bücher.Example",
    "jose\u0301@xn--bcher-kva.example",
    "josé@bücher.example",
    "José@XN--BCHER-KVA.EXAMPLE",
)


@pytest.mark.parametrize("stored", JOSE_FORMS)
@pytest.mark.parametrize("seen", JOSE_FORMS)
def test_an_international_address_matches_its_contact_in_any_form(alice, stored, seen):
    from sources import imap

    jose = make_contact(owner=alice, first_name="José", emails=[stored])
    raw = f"From: José <{seen}>\r\nTo: alice@example.com\r\nDate: Thu, 19 Nov 2026 10:00:00 +0000\r\n\r\n"
    header = imap.parse_headers(1, raw.encode(), __import__("zoneinfo").ZoneInfo("UTC"))
    assert header.sender == "josé@bücher.example"
    assert record_mail(
        source=_box(alice), messages=[_mail(header.day, header.sender)], today=TODAY
    ) == Counts(logged=1)
    assert [list(i.contacts.all()) for i in Interaction.objects.filter(owner=alice)] == [[jose]]


def test_a_queued_international_address_is_logged_when_accepted(alice):
    from sources.found import found_accept

    jose = make_contact(owner=alice, first_name="José", emails=["JOSÉ@xn--bcher-kva.example"])
    make_contact(owner=alice, first_name="Ana", emails=["ana@example.org"])
    box = _box(alice, ask_first=True)
    assert record_mail(source=box, messages=[_mail(TODAY, "josé@bücher.example")], today=TODAY) == Counts(
        pending=1
    )
    item = FoundMail.objects.get(owner=alice)
    assert found_accept(owner=alice, item=item, today=TODAY)
    assert [list(i.contacts.all()) for i in Interaction.objects.filter(owner=alice)] == [[jose]]


def test_an_international_address_ignored_in_one_form_is_ignored_in_every_form(alice):
    from sources.found import address_ignore

    make_contact(owner=alice, first_name="José", emails=["josé@bücher.example"])
    address_ignore(owner=alice, email="JOSE\u0301@XN--BCHER-KVA.EXAMPLE")
    assert list(IgnoredAddress.objects.values_list("email", flat=True)) == ["josé@bücher.example"]
    assert record_mail(
        source=_box(alice), messages=[_mail(TODAY, "josé@bücher.example")], today=TODAY
    ) == Counts(ignored=1)
    assert not Interaction.objects.exists()
