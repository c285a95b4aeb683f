"""Writes of goals: set, change, delete, and add a built-in suggestion once."""

from datetime import date

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from .models import Goal
from .suggestions import Suggestion

# The fields a goal's form edits (goals.forms.GoalForm cleans them).
GOAL_FIELDS = ("measure", "kind", "target", "period", "per_event", "archived")


class GoalExists(Exception):
    """An active goal already counts the same thing per the same period."""


def goal_create(
    *, owner: User, measure: str, kind: str, target: int, period: str, per_event: bool, today: date
) -> Goal:
    """A new active goal whose history starts with `today`'s period (the owner's local date).

    Raises GoalExists when an active goal counts the same thing per the same period
    (the unique constraint decides, so two requests at once make one goal).
    """
    try:
        with transaction.atomic():
            return Goal.objects.create(
                owner=owner,
                measure=measure,
                kind=kind,
                target=target,
                period=period,
                per_event=per_event,
                created_on=today,
            )
    except IntegrityError as exc:
        raise GoalExists from exc


def goal_update(*, goal: Goal, **fields) -> Goal:
    """Change what the goal counts, its target, period or pause; its start stays.

    Raises GoalExists when the change would duplicate another active goal.
    """
    unknown = set(fields) - set(GOAL_FIELDS)
    if unknown:
        raise ValueError(f"not goal fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(goal, name, value)
    try:
        with transaction.atomic():
            goal.save(update_fields=list(fields))
    except IntegrityError as exc:
        raise GoalExists from exc
    return goal


def goal_delete(*, goal: Goal) -> None:
    goal.delete()


def suggestion_add(*, owner: User, suggestion: Suggestion, today: date) -> tuple[Goal, bool]:
    """The owner's active goal for the suggestion, created unless one counts the same
    thing per the same period already: (goal, created). A double click or two tabs
    make one goal: the losing insert hits the unique constraint and returns the winner's."""
    key = {
        "measure": suggestion.measure,
        "kind": suggestion.kind,
        "period": suggestion.period,
        "per_event": suggestion.per_event,
    }
    existing = Goal.objects.filter(owner=owner, archived=False, **key).first()
    if existing is not None:
        return existing, False
    try:
        return goal_create(owner=owner, target=suggestion.target, today=today, **key), True
    except GoalExists:
        return Goal.objects.get(owner=owner, archived=False, **key), False
