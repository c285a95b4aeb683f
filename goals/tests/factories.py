"""Plain-function factories for goals (contacts.tests.factories has the rest)."""

from datetime import date

from django.contrib.auth.models import User

from goals.models import Goal


def make_goal(*, owner: User, **overrides) -> Goal:
    fields = {
        "measure": "interactions",
        "kind": "coffee",
        "target": 1,
        "period": "week",
        "created_on": date(2026, 1, 1),
    }
    fields.update(overrides)
    return Goal.objects.create(owner=owner, **fields)
