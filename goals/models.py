from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from contacts.models import InteractionKind


class Measure(models.TextChoices):
    """What a goal counts (goals.selectors says exactly how each is counted)."""

    INTERACTIONS = "interactions", "Interactions of a kind"
    NEW_CONTACTS = "new_contacts", "New people met"
    EVENT_NEWCOMERS = "event_newcomers", "New people met at events"
    RECONNECTS = "reconnects", "Reconnects"


class Period(models.TextChoices):
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"


# What the user picks in the form ("What counts"): one list for the measure and, for
# interactions, the kind. "Other" is left out: it holds LinkedIn connections.
GOAL_KINDS = (
    InteractionKind.COFFEE,
    InteractionKind.CALL,
    InteractionKind.MEETING,
    InteractionKind.EMAIL,
    InteractionKind.MESSAGE,
    InteractionKind.EVENT,
    InteractionKind.INFORMATIONAL_INTERVIEW,
    InteractionKind.INTRODUCTION,
)
# (singular, plural) of what one goal counts, as in "3 informational interviews a month".
_KIND_NOUNS = {
    InteractionKind.COFFEE: ("coffee", "coffees"),
    InteractionKind.CALL: ("call", "calls"),
    InteractionKind.MEETING: ("meeting", "meetings"),
    InteractionKind.EMAIL: ("email", "emails"),
    InteractionKind.MESSAGE: ("message", "messages"),
    InteractionKind.EVENT: ("event", "events"),
    InteractionKind.INFORMATIONAL_INTERVIEW: ("informational interview", "informational interviews"),
    InteractionKind.INTRODUCTION: ("introduction", "introductions"),
}
_MEASURE_NOUNS = {
    Measure.NEW_CONTACTS: ("new person", "new people"),
    Measure.EVENT_NEWCOMERS: ("new person at events", "new people at events"),
    Measure.RECONNECTS: ("reconnect", "reconnects"),
}
_PER = {Period.WEEK: "a week", Period.MONTH: "a month", Period.QUARTER: "a quarter"}


class Goal(models.Model):
    """A target count of something per week, month or quarter, in the owner's time zone.

    Progress is computed from the interactions and contacts each time (nothing is
    counted here), so an interaction logged late, edited or deleted moves its period's
    count like any other.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="goals")
    measure = models.CharField(max_length=16, choices=Measure.choices)
    # The interaction kind a Measure.INTERACTIONS goal counts; "" for the other measures.
    kind = models.CharField(max_length=32, choices=InteractionKind.choices, blank=True)
    target = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(999)])
    period = models.CharField(max_length=8, choices=Period.choices, default=Period.MONTH)
    # "2 new people at each event": the period's target is `target` times the events of
    # the period (days with an event interaction); only for Measure.EVENT_NEWCOMERS.
    per_event = models.BooleanField(default=False)
    # The owner's local date when the goal was set: its history starts with that period.
    created_on = models.DateField(default=timezone.localdate)
    archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            # One active goal per thing counted and period: a suggestion added twice (a
            # double click, two tabs) is one goal, whoever wins the race.
            models.UniqueConstraint(
                fields=["owner", "measure", "kind", "period", "per_event"],
                condition=Q(archived=False),
                name="goal_unique_active",
            ),
            models.CheckConstraint(
                condition=(Q(measure="interactions") & ~Q(kind=""))
                | (~Q(measure="interactions") & Q(kind="")),
                name="goal_kind_only_for_interactions",
            ),
            models.CheckConstraint(
                condition=Q(per_event=False) | Q(measure="event_newcomers"),
                name="goal_per_event_only_for_event_newcomers",
            ),
            models.CheckConstraint(condition=Q(target__gte=1), name="goal_target_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        """ "3 informational interviews a month", "1 coffee a week", "2 new people at each event"."""
        if self.per_event:
            noun = "new person" if self.target == 1 else "new people"
            return f"{self.target} {noun} at each event"
        if self.measure == Measure.INTERACTIONS:
            singular, plural = _KIND_NOUNS.get(self.kind, (self.kind, self.kind))
        else:
            singular, plural = _MEASURE_NOUNS.get(self.measure, (self.measure, self.measure))
        return (
            f"{self.target} {singular if self.target == 1 else plural} {_PER.get(self.period, self.period)}"
        )

    @property
    def what(self) -> str:
        """The form's "What counts" value: the kind for interactions, else the measure."""
        return self.kind if self.measure == Measure.INTERACTIONS else self.measure
