"""The goal form: what counts, how many, per what period."""

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth.models import User

from contacts.models import InteractionKind

from .models import GOAL_KINDS, Goal, Measure, Period

# One list for "What counts": the interaction kinds first, then the other measures.
WHAT_CHOICES = [
    *(
        (kind.value, f"{kind.label}s" if kind != InteractionKind.INTRODUCTION else "Introductions made")
        for kind in GOAL_KINDS
    ),
    (Measure.NEW_CONTACTS.value, "New people met"),
    (Measure.EVENT_NEWCOMERS.value, "New people met at events"),
    (Measure.RECONNECTS.value, "Reconnects (talking to a dormant tie)"),
]
_KIND_VALUES = {kind.value for kind in GOAL_KINDS}


class GoalForm(forms.ModelForm):
    what = forms.ChoiceField(choices=WHAT_CHOICES, label="What counts")
    target = forms.IntegerField(
        min_value=1,
        max_value=999,
        label="How many",
        error_messages={"min_value": "Aim for at least 1.", "max_value": "Keep it under 1,000."},
    )
    period = forms.ChoiceField(choices=Period.choices, label="Per", initial=Period.MONTH)
    per_event = forms.BooleanField(
        required=False,
        label="At each event",
        help_text="Only for new people met at events: the target is per event in the period (“2 new people at each event”).",
    )

    class Meta:
        model = Goal
        fields = ("target", "period", "per_event", "archived")
        labels = {"archived": "Paused (kept with its history, hidden from the dashboard)"}

    def __init__(self, *args, owner: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        if self.instance.pk:
            self.fields["what"].initial = self.instance.what
        else:
            del self.fields["archived"]
        self.order_fields(["what", "target", "period", "per_event", "archived"])
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean(self) -> dict:
        data = super().clean()
        what = data.get("what")
        if what is None:
            return data
        measure, kind = (Measure.INTERACTIONS, what) if what in _KIND_VALUES else (what, "")
        data["measure"], data["kind"] = measure, kind
        if data.get("per_event") and measure != Measure.EVENT_NEWCOMERS:
            self.add_error("per_event", "“At each event” only applies to new people met at events.")
            return data
        period = data.get("period")
        if period is None or data.get("archived"):
            return data
        clash = Goal.objects.filter(
            owner=self.owner,
            archived=False,
            measure=measure,
            kind=kind,
            period=period,
            per_event=bool(data.get("per_event")),
        )
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if existing := clash.first():
            raise forms.ValidationError(
                f"You already have this goal: “{existing.title}”. Change its target instead."
            )
        return data
