"""The URLs a reminder row gets from `row_view` (reversed once, the id put in by text) are
the ones reverse() gives for that reminder and its contact."""

from datetime import date

from django.urls import reverse

from contacts.tests.factories import make_contact, make_reminder
from reminders.selectors import reminder_with_why


def test_each_row_url_is_what_reverse_gives(alice):
    ada = make_contact(owner=alice, first_name="Ada")
    reminder = make_reminder(contact=ada, due_on=date(2026, 11, 20))
    (row,) = reminder_with_why([reminder], date(2026, 11, 26))
    assert (row.done_url, row.dismiss_url, row.contact_url, row.compose_url) == (
        reverse("reminders:done", args=[reminder.pk]),
        reverse("reminders:dismiss", args=[reminder.pk]),
        reverse("contacts:detail", args=[ada.pk]),
        reverse("messaging:compose", args=[ada.pk]),
    )
    assert (row.due_text, row.is_overdue) == ("overdue since 20 Nov", True)
