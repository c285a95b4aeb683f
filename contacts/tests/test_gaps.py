"""Stored silences (contacts.gaps) and the day a contact was first met at an event
(`Contact.met_at_event_on`): they follow every change to a contact's interactions,
an import writes the rare first talk long after a contact was added, and the migration
fills them in for existing accounts."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts import gaps, services
from contacts.importing.services import import_run
from contacts.models import Contact, Interaction, InteractionGap
from contacts.tests.factories import make_contact, make_user

TODAY = date(2026, 11, 26)
ADDED = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def stored(owner) -> set[tuple]:
    return set(
        InteractionGap.objects.filter(owner=owner).values_list(
            "contact_id", "day", "previous_on", "silence_days", "added_at"
        )
    )


def plain(owner) -> set[tuple]:
    """The silences by their definition, from the interactions in the database now."""
    found = set()
    for contact in Contact.objects.filter(owner=owner):
        days = [i.occurred_on for i in contact.interactions.all()]
        for day, previous, silence in gaps.silences(days, added_on=contact.created_at.astimezone(UTC).date()):
            found.add((contact.pk, day, previous, silence, contact.created_at if previous is None else None))
    return found


def test_silences_are_first_talks_long_after_being_added_and_long_gaps_between_talks():
    added = date(2026, 1, 1)
    days = [date(2026, 4, 1), date(2026, 4, 1), date(2026, 5, 1), date(2026, 9, 1), date(2026, 9, 2)]
    assert gaps.silences(days, added_on=added) == [
        (date(2026, 4, 1), None, 90),  # 90 days after being added
        (date(2026, 9, 1), date(2026, 5, 1), 123),
    ]
    assert gaps.silences([date(2026, 3, 24)], added_on=added) == []  # 82 days: too short
    assert gaps.silences([date(2026, 3, 25)], added_on=added) == [(date(2026, 3, 25), None, 83)]
    assert gaps.silences([], added_on=added) == []


_users = itertools.count()
operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("log"),
            st.dates(date(2023, 1, 1), date(2027, 6, 1)),
            st.integers(0, 2),
            st.booleans(),
            st.sampled_from(["coffee", "event"]),
        ),
        st.tuples(st.just("rekind"), st.integers(0, 20), st.sampled_from(["coffee", "event"])),
        st.tuples(st.just("move"), st.integers(0, 20), st.dates(date(2023, 1, 1), date(2027, 6, 1))),
        st.tuples(st.just("delete"), st.integers(0, 20)),
        st.tuples(st.just("drop"), st.integers(0, 20)),  # a person taken off an interaction
    ),
    max_size=10,
)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=operations)
def test_the_stored_silences_follow_every_change_to_the_interactions(operations):
    owner = make_user(f"gaps{next(_users)}")
    people = [make_contact(owner=owner, created_at=ADDED + timedelta(days=100 * i)) for i in range(3)]
    for op in operations:
        logged = list(Interaction.objects.filter(owner=owner).order_by("pk"))
        if op[0] == "log":
            _op, day, who, with_next, kind = op
            ids = {people[who].pk, people[(who + 1) % 3].pk} if with_next else {people[who].pk}
            services.interaction_create(owner=owner, contact_ids=ids, occurred_on=day, today=TODAY, kind=kind)
        elif logged and op[0] == "move":
            services.interaction_update(
                interaction=logged[op[1] % len(logged)], fields={"occurred_on": op[2]}
            )
        elif logged and op[0] == "rekind":
            services.interaction_update(interaction=logged[op[1] % len(logged)], fields={"kind": op[2]})
        elif logged and op[0] == "delete":
            services.interaction_delete(interaction=logged[op[1] % len(logged)])
        elif logged and op[0] == "drop":
            interaction = logged[op[1] % len(logged)]
            ids = sorted(interaction.contacts.values_list("pk", flat=True))
            if len(ids) > 1:
                services.interaction_update(interaction=interaction, fields={}, contact_ids=ids[1:])
        assert stored(owner) == plain(owner)
        assert met_at_events(owner) == plain_met_at_events(owner)
    first = {c.pk: c.first_interaction_on for c in Contact.objects.filter(owner=owner)}
    assert first == {c.pk: min((i.occurred_on for i in c.interactions.all()), default=None) for c in people}


def met_at_events(owner) -> dict[int, date | None]:
    return dict(Contact.objects.filter(owner=owner).values_list("pk", "met_at_event_on"))


def plain_met_at_events(owner) -> dict[int, date | None]:
    """Each contact's first interaction day if one of that day's interactions is an event."""
    found = {}
    for contact in Contact.objects.filter(owner=owner):
        talks = list(contact.interactions.all())
        first = min((i.occurred_on for i in talks), default=None)
        found[contact.pk] = (
            first if any(i.occurred_on == first and i.kind == "event" for i in talks) else None
        )
    return found


def test_deleting_a_contact_deletes_its_silences(alice):
    ada = make_contact(owner=alice, created_at=ADDED)
    services.interaction_create(
        owner=alice, contact_ids=[ada.pk], occurred_on=date(2025, 1, 1), today=TODAY, kind="call"
    )
    assert stored(alice) == {(ada.pk, date(2025, 1, 1), None, 306, ADDED)}
    ada.delete()
    assert not InteractionGap.objects.exists()


def _linkedin(rows: list[tuple[str, str]]) -> bytes:
    lines = ["First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
    lines += [f"{first},Example,,,Acme,Engineer,{connected}" for first, connected in rows]
    return ("\n".join(lines) + "\n").encode()


def test_an_import_stores_a_first_talk_long_after_the_contact_was_added(alice):
    later = timezone.now().date() + timedelta(days=200)
    report = import_run(owner=alice, data=_linkedin([("Ada", "05 Mar 2024"), ("Grace", f"{later:%d %b %Y}")]))
    assert report.created == 2
    grace = Contact.objects.get(owner=alice, first_name="Grace")
    ada = Contact.objects.get(owner=alice, first_name="Ada")
    assert (ada.first_interaction_on, grace.first_interaction_on) == (date(2024, 3, 5), later)
    assert {row[:3] for row in stored(alice)} == {(grace.pk, later, None)}
    assert stored(alice) == plain(alice)


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_in_first_talks_and_silences_of_existing_contacts():
    executor = MigrationExecutor(connection)
    executor.migrate([("contacts", "0016_interaction_owner_no_own_index")])
    old = executor.loader.project_state([("contacts", "0016_interaction_owner_no_own_index")]).apps
    user = old.get_model("auth", "User").objects.create(username="before")
    contact_model = old.get_model("contacts", "Contact")
    interaction_model = old.get_model("contacts", "Interaction")
    ada = contact_model.objects.create(owner=user, first_name="Ada", created_at=ADDED)
    bob = contact_model.objects.create(owner=user, first_name="Bob", created_at=ADDED)
    for day, people, kind in (
        (date(2024, 3, 2), [ada], "call"),
        (date(2024, 9, 1), [ada, bob], "event"),
        (date(2024, 9, 5), [bob], "call"),
    ):
        interaction = interaction_model.objects.create(owner=user, occurred_on=day, kind=kind)
        interaction.contacts.set(people)
    contact_model.objects.filter(pk__in=[ada.pk, bob.pk]).update(last_interaction_on=date(2024, 9, 5))

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert dict(
        Contact.objects.filter(owner_id=user.pk).values_list("first_name", "first_interaction_on")
    ) == {
        "Ada": date(2024, 3, 2),
        "Bob": date(2024, 9, 1),
    }
    # Bob was first met at the event; Ada was there too, but had been called before.
    assert dict(Contact.objects.filter(owner_id=user.pk).values_list("first_name", "met_at_event_on")) == {
        "Ada": None,
        "Bob": date(2024, 9, 1),
    }
    assert set(
        InteractionGap.objects.values_list("contact_id", "day", "previous_on", "silence_days", "added_at")
    ) == {
        (ada.pk, date(2024, 9, 1), date(2024, 3, 2), 183, None),
        (bob.pk, date(2024, 9, 1), None, 184, ADDED),
    }
