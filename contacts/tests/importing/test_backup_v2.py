"""Backup versions 2 and 3: the whole account goes out and comes back (DESIGN.md, the JSON backup).

Version 3 (what exports write) adds interaction origins, offers, goals and message templates."""

import json
from datetime import date

import pytest
from django.forms.models import model_to_dict

from contacts.importing.exporting import backup_build
from contacts.importing.services import import_run
from contacts.models import Contact, Interaction, NotDuplicate, Offer, RoleHistory, Tag
from contacts.tests.factories import make_contact, make_user
from crm.forms import ProfileForm
from goals.models import Goal
from messaging.models import MessageTemplate
from reminders.models import Reminder

from .conftest import FIXTURES

TODAY = date(2026, 11, 23)
V2 = FIXTURES / "backup_v2.json"
V3 = FIXTURES / "backup_v3.json"


def restore(owner, document: dict | None = None):
    data = json.dumps(document).encode() if document is not None else V3.read_bytes()
    return import_run(owner=owner, data=data, today=TODAY)


def account(user) -> dict:
    """Everything the account holds, without database ids: two accounts compare equal
    when a person could not tell them apart (contacts named by their created_at)."""
    user.refresh_from_db()
    contacts = Contact.objects.filter(owner=user).order_by("created_at")
    name = {c.pk: c.created_at.isoformat() for c in contacts}
    skip = {"id", "owner", "updated_at", "tags", "introduced_by"}

    def members(interaction):
        return sorted(name[c.pk] for c in interaction.contacts.all())

    interactions = Interaction.objects.filter(owner=user).order_by("occurred_on", "id")
    local_interaction = {i.pk: n for n, i in enumerate(interactions)}
    return {
        "profile": {field: getattr(user.profile, field) for field in ProfileForm.Meta.fields},
        "email": user.email,
        "tags": sorted(Tag.objects.filter(owner=user).values_list("name", "checkin_cadence_months")),
        "contacts": [
            {
                **{k: v for k, v in model_to_dict(c).items() if k not in skip},
                "schedule": (c.next_check_in, c.last_interaction_on, c.last_talked_on, c.first_check_in_on),
                "scores": (
                    c.warmth,
                    c.warmth_why,
                    c.reconnect_score,
                    c.reconnect_why,
                    c.reconnect_hidden_until,
                ),
                "created_at": c.created_at,
                "introduced_by": name.get(c.introduced_by_id),
                "tags": sorted(t.name for t in c.tags.all()),
                "emails": list(c.emails.values_list("value", "label")),
                "phones": list(c.phones.values_list("value", "label")),
                "past_roles": list(
                    RoleHistory.objects.filter(contact=c)
                    .order_by("ended_on", "id")
                    .values_list("company", "title", "started_on", "ended_on")
                ),
            }
            for c in contacts
        ],
        "interactions": [
            (members(i), i.occurred_on, i.kind, i.summary, i.topics, i.exchange, i.follow_up_on, i.origin)
            for i in interactions
        ],
        "offers": sorted(
            (name[o.contact_id], local_interaction.get(o.interaction_id), o.text, o.created_on, o.given_on)
            for o in Offer.objects.filter(owner=user)
        ),
        "goals": list(
            Goal.objects.filter(owner=user)
            .order_by("id")
            .values_list("measure", "kind", "target", "period", "per_event", "created_on", "archived")
        ),
        "message_templates": list(
            MessageTemplate.objects.filter(owner=user)
            .order_by("slug")
            .values_list(
                "slug",
                "name",
                "subject",
                "greeting",
                "context",
                "intent",
                "closing",
                "origin",
                "hidden",
                "position",
            )
        ),
        "reminders": sorted(
            (
                name[r.contact_id],
                r.kind,
                r.due_on,
                r.status,
                r.snoozed_until,
                r.detail,
                r.completed_at,
                local_interaction.get(r.interaction_id),
            )
            for r in Reminder.objects.filter(owner=user)
        ),
        "not_duplicates": sorted(
            tuple(sorted((name[a], name[b])))
            for a, b in NotDuplicate.objects.filter(owner=user).values_list("first_id", "second_id")
        ),
    }


def test_a_restore_then_an_export_gives_the_same_document(alice):
    report = restore(alice)
    assert report.errors == [] and report.settings_restored is True
    assert backup_build(owner=alice) == json.loads(V3.read_text())


def test_a_version_2_backup_restores_and_exports_as_version_3(alice):
    report = import_run(owner=alice, data=V2.read_bytes(), today=TODAY)
    assert report.errors == [] and report.settings_restored is True
    exported, v2 = backup_build(owner=alice), json.loads(V2.read_text())
    assert exported["version"] == 3
    assert [i.pop("origin") for i in exported["interactions"]] == [""] * len(v2["interactions"])
    assert (exported.pop("offers"), exported.pop("goals"), exported.pop("message_templates")) == ([], [], [])
    assert {**exported, "version": 2} == v2


def test_the_round_trip_restores_the_whole_account(alice):
    restore(alice)
    bob = make_user("bob2")
    restore(bob, backup_build(owner=alice))
    before, after = account(alice), account(bob)
    assert after == before
    # and the account is not the defaults: settings, cadences and history did travel
    assert before["profile"]["timezone"] == "Europe/London"
    assert before["profile"]["digest_frequency"] == "weekly"
    assert ("inventors", 1) in before["tags"] and ("conference", 12) in before["tags"]
    assert before["contacts"][0]["past_roles"][0][:2] == ("Royal Society", "Fellow")
    assert len(before["not_duplicates"]) == 1
    assert len(before["offers"]) == 3 and len(before["goals"]) == 3 and len(before["message_templates"]) == 3
    assert before["interactions"][0][-1] == "calendar"


def test_a_restore_keeps_two_identical_interactions_and_what_hangs_on_the_second(alice):
    restore(alice)
    mary = Contact.objects.get(owner=alice, first_name="Mary")
    calls = list(Interaction.objects.filter(contacts=mary).order_by("id"))
    assert len(calls) == 2
    assert [c.exchange for c in calls] == [None, "asked"]
    assert [c.follow_up_on for c in calls] == [None, date(2026, 10, 27)]
    assert calls[1].topics == "translation"
    follow_up = Reminder.objects.get(contact=mary, kind="follow_up")
    assert follow_up.interaction_id == calls[1].pk


def test_tag_cadences_schedule_the_restored_contacts(alice):
    restore(alice)
    charles = Contact.objects.get(owner=alice, first_name="Charles")  # his own cadence 0 wins
    mary = Contact.objects.get(owner=alice, first_name="Mary")
    assert Tag.objects.get(owner=alice, name="inventors").checkin_cadence_months == 1
    assert charles.next_check_in is None
    assert mary.first_check_in_on == date(2027, 2, 14)
    assert Contact.objects.get(owner=alice, first_name="Ada").reconnect_hidden_until == date(2027, 3, 1)


def test_importing_the_same_backup_again_adds_nothing(alice):
    restore(alice)
    before = account(alice)
    report = restore(alice)
    assert (report.created, report.interactions_created, report.reminders_created) == (0, 0, 0)
    assert account(alice) == before


def test_a_merge_leaves_settings_and_existing_tags_alone(alice):
    make_contact(owner=alice, first_name="Grace", last_name="Hopper")
    Tag.objects.create(owner=alice, name="inventors", checkin_cadence_months=4)
    report = restore(alice)
    assert report.settings_restored is None and report.created == 3
    alice.profile.refresh_from_db()
    assert alice.profile.timezone == "UTC" and alice.profile.digest_frequency == "daily"
    assert Tag.objects.get(owner=alice, name="inventors").checkin_cadence_months == 4
    assert Tag.objects.get(owner=alice, name="conference").checkin_cadence_months == 12


def test_a_merge_keeps_the_accounts_own_templates_and_goals(alice):
    make_contact(owner=alice, first_name="Grace", last_name="Hopper")
    MessageTemplate.objects.create(owner=alice, slug="birthday", name="Mine", origin="builtin", position=30)
    Goal.objects.create(
        owner=alice, measure="interactions", kind="informational_interview", target=5, period="month"
    )
    report = restore(alice)
    assert report.errors == []
    assert MessageTemplate.objects.get(owner=alice, slug="birthday").name == "Mine"  # a merge keeps yours
    assert MessageTemplate.objects.filter(owner=alice, slug="thank-you-for-the-intro").exists()
    # One active goal per thing counted: yours stays, the file's other goals are added.
    assert sorted(Goal.objects.filter(owner=alice).values_list("measure", "target")) == [
        ("event_newcomers", 2),
        ("interactions", 5),
        ("reconnects", 1),
    ]
    assert Offer.objects.filter(owner=alice, given_on__isnull=True).count() == 2


def test_a_restore_replaces_templates_made_before_any_contact(alice):
    MessageTemplate.objects.create(
        owner=alice, slug="birthday", name="Opened the page once", origin="builtin"
    )
    restore(alice)
    assert MessageTemplate.objects.get(owner=alice, slug="birthday").name == "Happy birthday"


def test_a_merge_counts_identical_interactions_as_a_multiset(alice):
    """The account holds one of the file's two identical calls: the merge adds the other."""
    document = json.loads(V2.read_text())
    one_call = {**document, "interactions": document["interactions"][:3], "reminders": []}
    restore(alice, one_call)
    mary = Contact.objects.get(owner=alice, first_name="Mary")
    assert Interaction.objects.filter(contacts=mary).count() == 1
    report = restore(alice)
    assert report.interactions_created == 1
    assert Interaction.objects.filter(contacts=mary).count() == 2


def test_invalid_settings_are_reported_and_the_contacts_still_restore(alice):
    document = json.loads(V2.read_text())
    document["settings"] = {**document["settings"], "timezone": "Mars/Olympus", "digest_hour": 30}
    report = restore(alice, document)
    assert report.created == 3 and report.settings_restored is False
    [error] = [e for e in report.errors if e.message.startswith("settings")]
    assert "timezone" in error.message and "digest_hour" in error.message
    alice.profile.refresh_from_db()
    assert (alice.profile.timezone, alice.profile.digest_hour) == ("UTC", 8)


def test_a_version_1_backup_still_imports(alice):
    report = import_run(owner=alice, data=(FIXTURES / "backup.json").read_bytes(), today=TODAY)
    assert report.created == 2 and report.errors == []
    assert report.settings_restored is False  # version 1 has no settings: the defaults stay
    exported = backup_build(owner=alice)
    v1 = json.loads((FIXTURES / "backup.json").read_text())
    assert exported["version"] == 3
    for section in ("contacts", "interactions", "reminders"):
        assert [
            {k: item[k] for k in old} for item, old in zip(exported[section], v1[section], strict=True)
        ] == v1[section]


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        ("tags", [{"name": "", "checkin_cadence_months": 1}], "tag 1: a tag needs a name"),
        ("tags", [{"name": "x", "checkin_cadence_months": 99}], "tag 1: checkin_cadence_months"),
        ("not_duplicates", [[1, 1]], "not-duplicate pair 1: a pair must name two different contacts"),
        ("not_duplicates", [{"a": 1}], "not-duplicate pair 1: a pair must be a list"),
        ("offers", [{"contact_id": 1, "text": "", "created_on": "2026-10-01"}], "offer 1: an offer needs"),
        (
            "offers",
            [{"contact_id": 9, "text": "x", "created_on": "2026-10-01"}],
            "offer 1: refers to a contact",
        ),
        ("goals", [{"measure": "interactions", "target": 3, "created_on": "2026-10-01"}], "goal 1: kind is"),
        (
            "goals",
            [{"measure": "reconnects", "target": 0, "created_on": "2026-10-01"}],
            "goal 1: target must",
        ),
        ("message_templates", [{"slug": "a b", "name": "x"}], "message template 1: slug must"),
    ],
)
def test_bad_version_2_parts_are_row_errors(alice, where, value, message):
    document = json.loads(V2.read_text())
    document[where] = value
    report = restore(alice, document)
    assert report.created == 3
    assert any(e.message.startswith(message) for e in report.errors), report.errors


def test_a_bad_past_role_is_a_warning_and_the_contact_imports(alice):
    document = json.loads(V2.read_text())
    document["contacts"][0]["past_roles"] = [{"company": "X", "title": "Y", "ended_on": "not a date"}]
    report = restore(alice, document)
    assert report.created == 3
    assert any("past role 1" in item["message"] for item in report.warnings), report.warnings
    assert not RoleHistory.objects.filter(contact__owner=alice, company="X").exists()
