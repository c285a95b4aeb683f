from datetime import UTC, date, datetime

import pytest

from contacts import services
from contacts.models import Contact, Interaction, RoleHistory, Tag
from contacts.services import BulkAction, Handle
from contacts.tests.factories import make_contact, make_interaction, make_reminder, make_tag
from reminders.models import Reminder

TODAY = date(2026, 11, 23)
LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)


def test_contact_create_with_handles_and_tags(alice):
    make_tag(owner=alice, name="London")
    contact = services.contact_create(
        owner=alice,
        fields={"first_name": "Ada", "company": "Engines"},
        emails=[Handle("ada@example.org", "work"), Handle("ada@home.org", "home")],
        phones=[Handle("+44 1", "mobile")],
        tag_names=["london", "investors"],
    )
    assert contact.emails.count() == 2 and contact.phones.count() == 1
    assert sorted(t.name for t in contact.tags.all()) == ["London", "investors"]


def test_contact_create_refuses_another_users_introducer(alice, bob):
    with pytest.raises(ValueError):
        services.contact_create(
            owner=alice, fields={"first_name": "A", "introduced_by": make_contact(owner=bob)}
        )
    assert not Contact.objects.filter(owner=alice).exists()


def test_contact_update_role_change_keeps_history_and_raises_job_change(alice):
    contact = make_contact(owner=alice, company="Acme", title="Engineer", started_on=date(2020, 1, 1))
    services.contact_update(
        contact=contact, fields={"company": "Globex", "started_on": date(2026, 11, 1)}, today=TODAY
    )
    role = RoleHistory.objects.get(contact=contact)
    assert (role.company, role.title, role.started_on, role.ended_on) == (
        "Acme",
        "Engineer",
        date(2020, 1, 1),
        TODAY,
    )
    reminder = Reminder.objects.get(contact=contact, kind="job_change")
    assert reminder.due_on == TODAY


def test_contact_update_from_empty_role_is_not_a_job_change(alice):
    contact = make_contact(owner=alice, company="", title="")
    services.contact_update(contact=contact, fields={"company": "Globex"}, today=TODAY)
    assert not RoleHistory.objects.exists() and not Reminder.objects.exists()


def test_contact_update_does_not_overwrite_the_engines_columns(alice):
    contact = make_contact(owner=alice)
    stale = Contact.objects.get(pk=contact.pk)
    Contact.objects.filter(pk=contact.pk).update(last_interaction_on=date(2026, 1, 1))
    services.contact_update(contact=stale, fields={"notes": "hi"}, today=TODAY)
    contact.refresh_from_db()
    assert contact.notes == "hi" and contact.last_interaction_on == date(2026, 1, 1)


def test_contact_update_tie_strength_moves_the_next_check_in(alice):
    contact = make_contact(owner=alice, tie_strength="weak", created_at=LONG_AGO)
    make_interaction(contact=contact, occurred_on=date(2026, 1, 10))
    services.contact_update(contact=contact, fields={}, today=TODAY)  # no change: nothing recomputed
    contact.refresh_from_db()
    assert contact.next_check_in is None
    services.contact_update(contact=contact, fields={"tie_strength": "strong"}, today=TODAY)
    contact.refresh_from_db()
    assert contact.next_check_in == date(2026, 4, 10)  # strong tie: every 3 months


def test_bulk_add_tag_is_idempotent_and_ignores_other_owners(alice, bob):
    mine = [make_contact(owner=alice) for _ in range(3)]
    theirs = make_contact(owner=bob)
    ids = [c.pk for c in mine] + [theirs.pk]
    assert (
        services.contacts_bulk_update(owner=alice, contact_ids=ids, action=BulkAction.ADD_TAG, value="vc")
        == 3
    )
    assert services.contacts_bulk_update(owner=alice, contact_ids=ids, action="add_tag", value="VC") == 3
    assert Tag.objects.get(owner=alice).contacts.count() == 3
    assert not theirs.tags.exists()


def test_bulk_set_cadence_refreshes_schedule(alice):
    contact = make_contact(owner=alice, created_at=LONG_AGO)
    make_interaction(contact=contact, occurred_on=date(2026, 1, 31))
    services.contacts_bulk_update(owner=alice, contact_ids=[contact.pk], action="set_cadence", value=1)
    contact.refresh_from_db()
    assert contact.checkin_cadence_months == 1 and contact.next_check_in == date(2026, 2, 28)


def test_bulk_with_only_foreign_ids_does_nothing(alice, bob):
    theirs = make_contact(owner=bob)
    assert services.contacts_bulk_update(owner=alice, contact_ids=[theirs.pk], action="archive") == 0
    theirs.refresh_from_db()
    assert not theirs.archived


def test_interaction_create_sets_last_interaction_and_closes_check_in(alice):
    ada, grace = make_contact(owner=alice), make_contact(owner=alice)
    check_in = make_reminder(contact=ada, kind="check_in", due_on=date(2026, 10, 1))
    interaction = services.interaction_create(
        owner=alice,
        contact_ids=[ada.pk, grace.pk],
        occurred_on=date(2026, 11, 20),
        today=TODAY,
        kind="call",
        exchange="",
    )
    assert interaction.exchange is None
    check_in.refresh_from_db()
    assert check_in.status == "done"
    assert set(Contact.objects.values_list("last_interaction_on", flat=True)) == {date(2026, 11, 20)}


def test_interaction_create_refuses_foreign_contacts(alice, bob):
    with pytest.raises(ValueError):
        services.interaction_create(
            owner=alice, contact_ids=[make_contact(owner=bob).pk], occurred_on=TODAY, today=TODAY, kind="call"
        )
    with pytest.raises(ValueError):
        services.interaction_create(owner=alice, contact_ids=[], occurred_on=TODAY, today=TODAY, kind="call")
    assert not Interaction.objects.exists()


def test_interaction_delete_moves_last_interaction_back(alice):
    ada = make_contact(owner=alice)
    services.interaction_create(
        owner=alice, contact_ids=[ada.pk], occurred_on=date(2026, 1, 1), today=TODAY, kind="call"
    )
    latest = services.interaction_create(
        owner=alice, contact_ids=[ada.pk], occurred_on=date(2026, 6, 1), today=TODAY, kind="call"
    )
    assert services.interaction_delete(interaction=latest) == [ada.pk]
    ada.refresh_from_db()
    assert ada.last_interaction_on == date(2026, 1, 1)


def test_contact_delete_keeps_shared_interactions_and_refreshes_the_others(alice):
    ada, grace = make_contact(owner=alice), make_contact(owner=alice)
    lonely = make_interaction(contact=ada, occurred_on=date(2026, 1, 1))
    shared = make_interaction(contacts=[ada, grace], occurred_on=date(2026, 2, 1))
    services.contact_delete(contact=ada)
    assert not Interaction.objects.filter(pk=lonely.pk).exists()
    assert list(Interaction.objects.get(pk=shared.pk).contacts.all()) == [grace]
    grace.refresh_from_db()
    assert grace.last_interaction_on == date(2026, 2, 1)


def test_tag_cadence_change_refreshes_its_contacts(alice):
    tag = make_tag(owner=alice, name="investors")
    contact = make_contact(owner=alice, tags=[tag], created_at=LONG_AGO)
    make_interaction(contact=contact, occurred_on=date(2026, 1, 15))
    services.tag_update(tag=tag, name="investors", checkin_cadence_months=1)
    contact.refresh_from_db()
    assert contact.next_check_in == date(2026, 2, 15)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("investors, London ,london,", ["investors", "London"]),
        ("  ", []),
        ("a,,b", ["a", "b"]),
        ("new   york", ["new york"]),
    ],
)
def test_parse_tag_names(text, names):
    assert services.parse_tag_names(text) == names
