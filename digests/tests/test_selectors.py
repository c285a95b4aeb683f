import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from contacts.tests.factories import make_contact, make_reminder, make_user
from crm.models import profile_zone
from digests import rules, selectors
from digests.tests.fixtures import EARLY, NOT_LISTED, TODAY, make_network
from reminders import focus
from reminders.models import Reminder
from reminders.selectors import reminder_list_due

UTC = dt.UTC


def names(digest, key):
    section = next((s for s in digest.sections if s.key == key), None)
    return [item.name for item in section.items] if section else []


def focus_names(digest) -> list[str]:
    return [item.name for item in digest.focus]


def test_digest_lists_the_known_network(alice):
    net = make_network(alice)
    digest = selectors.digest_context(user=alice, today=TODAY)

    # Today's focus, in the focus order: the follow-up you promised, today's new
    # role, then the check-in.
    assert focus_names(digest) == ["Bert Follower", "Carla Mover", "Ada Lovelace"]
    assert names(digest, "focus") == focus_names(digest)
    assert digest.waiting == 0
    assert names(digest, "events") == ["Leap Dayborn", "Grace Hopper"]
    events = {item.name: item for item in digest.sections[-1].items}
    # Feb 29 in a common year: Feb 28, in 3 days.
    assert events["Leap Dayborn"].on == dt.date(2027, 2, 28)
    assert events["Leap Dayborn"].note == "Turns 35 on Sun 28 Feb"
    assert events["Grace Hopper"].note == "7 years at Navy on Mon 1 Mar"
    assert digest.reconnect is not None and digest.reconnect.name == "Dora Distant"
    assert digest.item_count == 5
    listed = [item.name for s in digest.sections for item in s.items] + [digest.reconnect.name]
    for name in NOT_LISTED:
        assert name not in listed
    ada = digest.focus[2]
    assert ada.note.startswith("no interaction logged since you added them 7 years ago · strong tie")
    assert "overdue" not in ada.note and not ada.overdue
    assert ada.contact_url == f"{settings.SITE_URL}/contacts/{net.ada.pk}/"
    assert "/digest/a/" in ada.done_url and "/digest/a/" in ada.snooze_url
    assert digest.period == "2027-02-25"


def test_feb_29_birthday_is_on_feb_29_in_a_leap_year(alice):
    make_contact(owner=alice, first_name="Leap", last_name="Year", birthday_month=2, birthday_day=29)
    digest = selectors.digest_context(user=alice, today=dt.date(2028, 2, 25))
    (item,) = digest.sections[-1].items
    assert item.on == dt.date(2028, 2, 29) and item.note == "Birthday on Tue 29 Feb"


def test_birthday_window_spans_the_new_year(alice):
    make_contact(owner=alice, first_name="New", last_name="Year", birthday_month=1, birthday_day=2)
    digest = selectors.digest_context(user=alice, today=dt.date(2026, 12, 28))
    (item,) = digest.sections[-1].items
    assert item.on == dt.date(2027, 1, 2)


def test_a_closed_birthday_reminder_hides_the_birthday(alice):
    leap = make_contact(owner=alice, first_name="Done", last_name="Already", birthday_month=3, birthday_day=1)
    make_reminder(contact=leap, kind="birthday", due_on=dt.date(2027, 3, 1), status="done")
    assert selectors.digest_context(user=alice, today=TODAY).is_empty


def test_an_open_birthday_reminder_gives_the_birthday_its_actions(alice):
    alice.profile.daily_focus = 1
    alice.profile.save(update_fields=["daily_focus"])
    promised = make_contact(owner=alice, first_name="Promised", last_name="Call")
    make_reminder(contact=promised, kind="follow_up", due_on=TODAY)  # ranks first: the one in focus
    contact = make_contact(
        owner=alice, first_name="Bday", last_name="Today", birthday_month=2, birthday_day=25
    )
    reminder = make_reminder(contact=contact, kind="birthday", due_on=TODAY)
    digest = selectors.digest_context(user=alice, today=TODAY)
    assert focus_names(digest) == ["Promised Call"] and digest.waiting == 1
    (item,) = digest.sections[-1].items
    assert item.reminder_id == reminder.pk and item.done_url and item.note == "Birthday today"


def test_a_birthday_in_todays_focus_is_listed_there_only(alice):
    contact = make_contact(
        owner=alice, first_name="Bday", last_name="Today", birthday_month=2, birthday_day=25
    )
    reminder = make_reminder(contact=contact, kind="birthday", due_on=TODAY)
    digest = selectors.digest_context(user=alice, today=TODAY)
    (item,) = digest.focus
    assert item.reminder_id == reminder.pk and item.done_url and item.note == "Birthday — today"
    assert [s.key for s in digest.sections] == ["focus"] and digest.item_count == 1


def test_a_snoozed_reminder_comes_back_when_its_snooze_ends(alice):
    contact = make_contact(owner=alice, first_name="Snoozed", last_name="Once")
    make_reminder(
        contact=contact, kind="check_in", due_on=dt.date(2027, 2, 1), status="snoozed", snoozed_until=TODAY
    )
    assert focus_names(selectors.digest_context(user=alice, today=TODAY)) == ["Snoozed Once"]
    before = selectors.digest_context(user=alice, today=TODAY - dt.timedelta(days=1))
    assert focus_names(before) == [] and before.is_empty


def test_someone_in_todays_focus_is_not_the_reconnect_pick_a_dormant_tie_waiting_may_be(alice):
    from contacts.tests.factories import make_interaction
    from reminders.services import contacts_schedule_refresh

    alice.profile.daily_focus = 1
    alice.profile.save(update_fields=["daily_focus"])
    # Dormant, the best-ranked (helped you), and in today's focus for a promised follow-up.
    promised = make_contact(owner=alice, first_name="Promised", last_name="Call", created_at=EARLY)
    make_interaction(contact=promised, occurred_on=dt.date(2023, 1, 5), exchange="mutual")
    make_reminder(contact=promised, kind="follow_up", due_on=TODAY)
    # Dormant with history and an overdue check-in waiting behind the focus.
    waiting = make_contact(owner=alice, first_name="Old", last_name="Colleague", created_at=EARLY)
    make_interaction(contact=waiting, occurred_on=dt.date(2023, 1, 5))
    make_reminder(contact=waiting, kind="check_in", due_on=TODAY - dt.timedelta(days=40))
    make_contact(owner=alice, first_name="Never", last_name="Met", created_at=EARLY)
    contacts_schedule_refresh(contact_ids=[promised.pk, waiting.pk])
    digest = selectors.digest_context(user=alice, today=TODAY)
    assert focus_names(digest) == ["Promised Call"] and digest.waiting == 1
    assert digest.reconnect is not None and digest.reconnect.name == "Old Colleague"


def test_a_finished_focus_is_not_picked_again_and_the_rest_is_counted(alice):
    for n in range(3):
        contact = make_contact(owner=alice, first_name=f"Due{n}", last_name="Person")
        make_reminder(contact=contact, kind="check_in", due_on=TODAY - dt.timedelta(days=n + 1))
    focus.focus_pick(owner_id=alice.pk, today=TODAY, want=2)
    Reminder.objects.filter(owner=alice, focus_on=TODAY).update(status="done")
    digest = selectors.digest_context(user=alice, today=TODAY)
    assert digest.focus == [] and digest.waiting == 1 and not digest.is_empty
    assert Reminder.objects.filter(owner=alice, focus_on=TODAY).count() == 2  # no second pick
    text = render_to_string("emails/digest_body.txt", {"digest": digest})
    assert f"1 waiting: {settings.SITE_URL}/reminders/" in text and "more waiting" not in text


def test_bobs_data_never_reaches_alices_digest(alice, bob):
    make_network(bob)
    digest = selectors.digest_context(user=alice, today=TODAY)
    assert digest.is_empty and digest.reconnect is None


def test_reconnect_is_the_same_all_period_and_skips_recent_contacts(alice):
    for n in range(8):
        make_contact(
            owner=alice,
            first_name=f"Weak{n}",
            last_name="",
            tie_strength="weak",
            last_interaction_on=dt.date(2025, 1, n + 1),
        )
    make_contact(owner=alice, first_name="Recent", tie_strength="weak", last_interaction_on=TODAY)
    picks = {selectors.digest_context(user=alice, today=TODAY).reconnect.name for _ in range(3)}
    assert len(picks) == 1
    # The pool is the 5 longest unseen: Weak0..Weak4.
    assert picks.pop() in {f"Weak{n}" for n in range(5)}


def test_digest_contexts_cost_six_queries_whatever_the_batch_size(db):
    def batch(size: int) -> dict:
        users = {}
        for _ in range(size):
            user = make_user()
            make_network(user)
            users[user.pk] = TODAY
        # What the reminder job does before the digest hour.
        focus.focus_pick_many(owner_ids=list(users), today_of=users.get)
        return users

    counted = []
    for size in (2, 20):
        users_today = batch(size)
        with CaptureQueriesContext(connection) as queries:
            built = selectors.digest_contexts(users_today=users_today)
        counted.append(len(queries))
        with CaptureQueriesContext(connection) as rendering:
            for digest in built:
                render_to_string("emails/digest_body.html", {"digest": digest})
                render_to_string("emails/digest_body.txt", {"digest": digest})
        assert len(rendering) == 0
        assert len(built) == size and all(d.item_count == 5 and len(d.focus) == 3 for d in built)
    assert counted == [6, 6]


def test_a_user_without_a_pick_yet_gets_one_and_the_others_cost_nothing_more(db):
    picked, unpicked, idle = make_user(), make_user(), make_user()
    for user in (picked, unpicked):
        make_network(user)
    focus.focus_pick(owner_id=picked.pk, today=TODAY)
    users_today = {picked.pk: TODAY, unpicked.pk: TODAY, idle.pk: TODAY}

    with CaptureQueriesContext(connection) as first:
        built = selectors.digest_contexts(users_today=users_today)
    assert [focus_names(d) for d in built] == [["Bert Follower", "Carla Mover", "Ada Lovelace"]] * 2 + [[]]
    for digest, user in zip(built, (picked, unpicked), strict=False):
        assert [i.reminder_id for i in digest.focus] == [
            r.pk for r in focus.focus_today(owner_id=user.pk, today=TODAY).items
        ]
    # Picked now: the next build is the common path (nobody idle is picked for).
    with CaptureQueriesContext(connection) as again:
        selectors.digest_contexts(users_today=users_today)
    assert len(again) == 6 < len(first)


# --- who is due -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (dt.datetime(2026, 11, 23, 19, 0, tzinfo=UTC), True),  # 08:00 Tue 24 Nov in Auckland (NZDT)
        (dt.datetime(2026, 11, 23, 19, 59, tzinfo=UTC), True),
        (dt.datetime(2026, 11, 23, 18, 59, tzinfo=UTC), False),
        (dt.datetime(2026, 11, 24, 8, 0, tzinfo=UTC), False),  # 08:00 UTC is 21:00 there
    ],
)
def test_auckland_user_at_8_is_due_at_19_utc_the_day_before(db, now, due):
    user = make_user("kiwi", tz="Pacific/Auckland", digest_hour=8)
    assert (user.pk in selectors.users_due_for_digest(now=now)) is due


def test_auckland_period_is_their_local_date(db):
    user = make_user("kiwi", tz="Pacific/Auckland", digest_hour=8)
    now = dt.datetime(2026, 11, 23, 19, 0, tzinfo=UTC)
    assert selectors.digest_period(
        profile=user.profile, today=selectors.local_today(profile=user.profile, now=now)
    ) == ("2026-11-24")


def test_weekly_digest_only_on_local_monday(db):
    user = make_user("kiwi", tz="Pacific/Auckland", digest_hour=8, digest_frequency="weekly")
    sunday_utc = dt.datetime(2026, 11, 22, 19, 0, tzinfo=UTC)  # Monday 08:00 in Auckland
    monday_utc = dt.datetime(2026, 11, 23, 19, 0, tzinfo=UTC)  # Tuesday 08:00 in Auckland
    assert selectors.users_due_for_digest(now=sunday_utc) == [user.pk]
    assert selectors.users_due_for_digest(now=monday_utc) == []
    assert selectors.digest_period(profile=user.profile, today=dt.date(2026, 11, 23)) == "2026-W48"


def test_off_and_emailless_users_are_never_due(db):
    make_user("quiet", digest_frequency="off")
    nomail = make_user("nomail")
    nomail.email = ""
    nomail.save(update_fields=["email"])
    daily = make_user("daily", digest_hour=8)
    now = dt.datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    assert selectors.users_due_for_digest(now=now) == [daily.pk]
    assert selectors.users_due_for_digest(now=now, date=dt.date(2026, 11, 23)) == [daily.pk]


def test_with_a_date_every_user_due_that_day_whatever_the_hour(db):
    early = make_user("early", digest_hour=3)
    late = make_user("late", tz="America/Los_Angeles", digest_hour=22)
    weekly = make_user("weekly", digest_frequency="weekly")
    now = dt.datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert selectors.users_due_for_digest(now=now, date=dt.date(2026, 11, 24)) == [
        early.pk,
        late.pk,
    ]  # Tuesday
    assert selectors.users_due_for_digest(now=now, date=dt.date(2026, 11, 23)) == [
        early.pk,
        late.pk,
        weekly.pk,
    ]


def test_who_is_due_costs_two_queries_whatever_the_number_of_users(db, django_assert_num_queries):
    now = dt.datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    for size in (5, 50):
        for n in range(size):
            make_user(tz=["UTC", "Europe/Paris", "Asia/Tokyo"][n % 3])
        with django_assert_num_queries(2):
            selectors.users_due_for_digest(now=now)


# --- look-ahead: the profile's birthday_lead_days -------------------------------


def _events(digest) -> list[str]:
    return names(digest, "events")


def test_the_lookahead_is_the_users_birthday_lead_days(db):
    ten_days_out = TODAY + dt.timedelta(days=10)
    long_lead = make_user("long", birthday_lead_days=14)
    short_lead = make_user("short", birthday_lead_days=3)
    for owner in (long_lead, short_lead):
        make_contact(
            owner=owner,
            first_name="Ten",
            last_name="Days",
            birthday_month=ten_days_out.month,
            birthday_day=ten_days_out.day,
        )

    assert _events(selectors.digest_context(user=long_lead, today=TODAY)) == ["Ten Days"]
    assert _events(selectors.digest_context(user=short_lead, today=TODAY)) == []
    # In one batch too: the batch reads the widest look-ahead, each user keeps their own.
    batch = selectors.digest_contexts(users_today={long_lead.pk: TODAY, short_lead.pk: TODAY})
    assert [_events(d) for d in batch] == [["Ten Days"], []]


def test_the_default_lead_of_7_days_leaves_out_a_birthday_8_days_out(alice):
    assert alice.profile.birthday_lead_days == 7
    for days, first in ((7, "Seven"), (8, "Eight")):
        on = TODAY + dt.timedelta(days=days)
        make_contact(
            owner=alice, first_name=first, last_name="Out", birthday_month=on.month, birthday_day=on.day
        )
    assert _events(selectors.digest_context(user=alice, today=TODAY)) == ["Seven Out"]


# --- one definition of an active reminder -----------------------------------------


def test_the_digest_and_the_reminders_page_list_the_same_active_reminders(alice):
    states = [
        ("open", None, -3),
        ("open", None, 0),
        ("open", None, 1),  # not due yet
        ("snoozed", 0, -5),  # snooze ends today: back
        ("snoozed", 2, -5),  # still snoozed
        ("snoozed", -1, -5),
        ("done", None, -2),
        ("dismissed", None, -2),
    ]
    for n, (status, snooze, due) in enumerate(states):
        for kind in ("check_in", "follow_up", "job_change"):
            contact = make_contact(owner=alice, first_name=f"{status}{n}", last_name=kind)
            make_reminder(
                contact=contact,
                kind=kind,
                due_on=TODAY + dt.timedelta(days=due),
                status=status,
                snoozed_until=TODAY + dt.timedelta(days=snooze) if snooze is not None else None,
            )
    archived = make_contact(owner=alice, first_name="Archived", archived=True)
    make_reminder(contact=archived, kind="check_in", due_on=TODAY)

    digest = selectors.digest_context(user=alice, today=TODAY)
    in_focus = {item.reminder_id for item in digest.focus}
    page = reminder_list_due(owner=alice, today=TODAY)
    on_page = {r.pk for r in page["overdue"] + page["today"]}
    assert len(on_page) == 3 * 4  # open -3, open 0, snooze ended today, snooze ended yesterday
    # Today's focus is some of them; the digest counts the rest as waiting.
    assert in_focus <= on_page and len(in_focus) == alice.profile.daily_focus
    assert len(in_focus) + digest.waiting == len(on_page)


# --- who is due: the rule decides -------------------------------------------------


@pytest.mark.parametrize("hour_utc", [0, 7, 8, 13, 19, 23])
def test_who_is_due_is_exactly_whom_the_rule_says(db, hour_utc):
    now = dt.datetime(2026, 11, 23, hour_utc, 30, tzinfo=UTC)  # a Monday in UTC
    users = [
        make_user(tz=tz, digest_hour=hour, digest_frequency=frequency)
        for tz in ("UTC", "Pacific/Auckland", "America/Los_Angeles", "Asia/Kolkata")
        for hour in (0, 7, 8, 19)
        for frequency in ("daily", "weekly")
    ]
    expected = [
        u.pk
        for u in users
        if rules.is_digest_hour(
            u.profile.digest_frequency,
            u.profile.digest_hour,
            now.astimezone(profile_zone(u.profile.timezone)),
        )
    ]
    assert selectors.users_due_for_digest(now=now) == expected


def test_the_reconnect_pick_is_the_dashboards_first_reconnect_suggestion(alice):
    from contacts.selectors import reconnect_list
    from contacts.tests.factories import make_interaction
    from reminders.services import contacts_schedule_refresh

    people = []
    for n, (title, exchange) in enumerate([("Engineer", None), ("VP Sales", "asked"), ("Analyst", "gave")]):
        contact = make_contact(owner=alice, first_name=f"Old{n}", title=title, created_at=EARLY)
        make_interaction(contact=contact, occurred_on=dt.date(2023, 3, 1), exchange=exchange)
        people.append(contact.pk)
    contacts_schedule_refresh(contact_ids=people)
    best = reconnect_list(owner=alice, today=TODAY, limit=1)[0][0]
    digest = selectors.digest_context(user=alice, today=TODAY)
    assert best.first_name == "Old1"  # helped you, senior: the evidence ranks them first
    assert digest.reconnect.contact_id == best.pk
    assert "helped you in 2023" in digest.reconnect.note
