"""Templates: built-ins per user, own templates, hide and reset; "Sent — log it"."""

from datetime import date

import pytest
from django.db import IntegrityError

from contacts.models import Interaction
from contacts.tests.factories import make_contact, make_reminder
from messaging import rules, services
from messaging.models import MessageTemplate
from reminders.models import ReminderStatus

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 26)


def test_builtins_are_created_once_per_user(alice, bob, django_assert_num_queries):
    first = services.templates_for_owner(owner=alice)
    assert [t.slug for t in first] == [b.slug for b in rules.BUILTINS]
    assert all(t.is_builtin and t.owner == alice for t in first)
    with django_assert_num_queries(1):
        again = services.templates_for_owner(owner=alice)
    assert [t.pk for t in again] == [t.pk for t in first]
    services.templates_for_owner(owner=bob)
    assert MessageTemplate.objects.count() == 10


def test_one_slug_per_owner_is_enforced_by_the_database(alice):
    services.templates_for_owner(owner=alice)
    with pytest.raises(IntegrityError):
        MessageTemplate.objects.create(owner=alice, slug="birthday", name="Another")


def test_own_templates_get_free_slugs_never_a_builtins(alice):
    services.templates_for_owner(owner=alice)
    one = services.template_create(owner=alice, fields={"name": "Thank you!", "greeting": "Hi {first_name},"})
    two = services.template_create(owner=alice, fields={"name": "Thank you"})
    own_birthday = services.template_create(owner=alice, fields={"name": "Birthday"})
    unnamed = services.template_create(owner=alice, fields={"name": "???"})
    assert (one.slug, two.slug, own_birthday.slug, unnamed.slug) == (
        "thank-you",
        "thank-you-2",
        "birthday-own",
        "template",
    )
    assert not one.is_builtin and one.greeting == "Hi {first_name},"


def test_a_hidden_builtin_stays_hidden_and_reset_restores_its_text(alice):
    birthday = next(t for t in services.templates_for_owner(owner=alice) if t.slug == "birthday")
    services.template_update(template=birthday, fields={"name": "Bday", "context": "Yo {first_name}"})
    services.template_delete(template=birthday)
    rows = {t.slug: t for t in services.templates_for_owner(owner=alice)}
    assert rows["birthday"].hidden and rows["birthday"].context == "Yo {first_name}"
    assert MessageTemplate.objects.filter(owner=alice).count() == 5

    services.template_reset(template=rows["birthday"])
    rows["birthday"].refresh_from_db()
    original = rules.BUILTIN_BY_SLUG["birthday"]
    assert not rows["birthday"].hidden
    assert (rows["birthday"].name, rows["birthday"].context) == (original.name, original.context)


def test_own_templates_are_deleted_and_cannot_be_reset(alice):
    own = services.template_create(owner=alice, fields={"name": "Intro"})
    with pytest.raises(ValueError):
        services.template_reset(template=own)
    services.template_delete(template=own)
    assert not MessageTemplate.objects.filter(pk=own.pk).exists()


def test_sent_logs_an_email_and_closes_the_reminder(alice):
    ada = make_contact(owner=alice, first_name="Ada")
    reminder = make_reminder(contact=ada, kind="birthday", due_on=TODAY)
    interaction = services.message_sent_log(
        owner=alice,
        contact=ada,
        subject="Happy birthday!",
        body="Hi Ada,\n\nHave a great day.",
        reminder=reminder,
        today=TODAY,
    )
    assert interaction.kind == "email" and interaction.occurred_on == TODAY
    assert interaction.summary == "Happy birthday!\n\nHi Ada,\n\nHave a great day."
    assert list(interaction.contacts.all()) == [ada]
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.DONE


def test_sent_refuses_a_reminder_of_another_contact(alice):
    ada, grace = make_contact(owner=alice), make_contact(owner=alice)
    reminder = make_reminder(contact=grace)
    with pytest.raises(ValueError):
        services.message_sent_log(
            owner=alice, contact=ada, subject="", body="Hi", reminder=reminder, today=TODAY
        )
    assert not Interaction.objects.exists()
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.OPEN


def test_sent_stores_the_browsers_crlf_line_breaks_as_lf(alice):
    ada = make_contact(owner=alice)
    interaction = services.message_sent_log(
        owner=alice, contact=ada, subject=" Hi ", body="Hi Ada,\r\n\r\nBye\r\n", reminder=None, today=TODAY
    )
    assert interaction.summary == "Hi\n\nHi Ada,\n\nBye"
