"""Input shapes of the reminder actions (no business rules)."""

from datetime import date

from django import forms

from contacts.models import InteractionKind


class SnoozeForm(forms.Form):
    until = forms.DateField(label="Snooze until", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_until(self) -> date:
        until = self.cleaned_data["until"]
        if until <= self.today:
            raise forms.ValidationError("Pick a day after today.")
        if (until - self.today).days > 366 * 2:
            raise forms.ValidationError("Pick a day within the next two years.")
        return until


class DoneLogForm(forms.Form):
    kind = forms.ChoiceField(choices=InteractionKind.choices, initial=InteractionKind.MESSAGE)
    summary = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "What did you talk about?"}),
    )
