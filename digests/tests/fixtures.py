"""A known network for the digest tests: what alice's digest on TODAY must say."""

import datetime as dt
from dataclasses import dataclass

from contacts.models import Contact
from contacts.tests.factories import make_contact, make_interaction, make_reminder
from reminders.models import Reminder
from reminders.services import contacts_schedule_refresh

# A Thursday in a common year: Feb 29 birthdays fall on Sunday Feb 28, in 3 days.
TODAY = dt.date(2027, 2, 25)
EARLY = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@dataclass
class Network:
    ada: Contact  # strong tie, check-in 15 days overdue
    bert: Contact  # follow-up due today
    carla: Contact  # new role: job change due today
    leap: Contact  # born Feb 29 1992: turns 35 on Sun Feb 28 2027
    grace: Contact  # started Mar 1 2020: 7 years on Mon Mar 1
    dora: Contact  # weak tie, helped you in 2024, dormant since: the best reconnect suggestion
    check_in: Reminder
    follow_up: Reminder
    job_change: Reminder


def make_network(owner) -> Network:
    def person(first: str, last: str, **extra) -> Contact:
        extra.setdefault("tie_strength", "strong")
        return make_contact(owner=owner, first_name=first, last_name=last, created_at=EARLY, **extra)

    ada = person("Ada", "Lovelace", company="Analytical Engines", title="Analyst")
    bert = person("Bert", "Follower")
    carla = person("Carla", "Mover", company="NewCo", title="VP Engineering")
    leap = person("Leap", "Dayborn", birthday_month=2, birthday_day=29, birthday_year=1992)
    grace = person("Grace", "Hopper", company="Navy", title="Rear Admiral", started_on=dt.date(2020, 3, 1))
    dora = person("Dora", "Distant", tie_strength="weak")
    make_interaction(contact=dora, occurred_on=dt.date(2024, 5, 2), exchange="asked")
    contacts_schedule_refresh(contact_ids=[dora.pk])  # her warmth and reconnect rank
    network = Network(
        ada=ada,
        bert=bert,
        carla=carla,
        leap=leap,
        grace=grace,
        dora=dora,
        check_in=make_reminder(contact=ada, kind="check_in", due_on=dt.date(2027, 2, 10)),
        follow_up=make_reminder(contact=bert, kind="follow_up", due_on=TODAY),
        job_change=make_reminder(contact=carla, kind="job_change", due_on=TODAY),
    )
    # Things that must NOT be in the digest:
    make_reminder(
        contact=person("Closed", "Done"), kind="check_in", due_on=dt.date(2027, 2, 1), status="done"
    )
    make_reminder(contact=person("Not", "Yet"), kind="check_in", due_on=TODAY + dt.timedelta(days=1))
    make_reminder(
        contact=person("Snoozy", "Later"),
        kind="check_in",
        due_on=dt.date(2027, 2, 1),
        status="snoozed",
        snoozed_until=TODAY + dt.timedelta(days=3),
    )
    make_reminder(
        contact=person("Archie", "Archived", archived=True), kind="check_in", due_on=dt.date(2027, 2, 1)
    )
    person("Far", "Birthday", birthday_month=3, birthday_day=10)  # 13 days away
    person("New", "Starter", started_on=dt.date(2026, 6, 1))  # not a full year by the window
    return network


NOT_LISTED = ["Closed Done", "Not Yet", "Snoozy Later", "Archie Archived", "Far Birthday", "New Starter"]
