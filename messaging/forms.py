from crispy_forms.helper import FormHelper
from django import forms

from .models import MessageTemplate

BODY_MAX = 10_000


class TemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ("name", "subject", "greeting", "context", "intent", "closing")
        labels = {
            "greeting": "Greeting",
            "context": "Context — why you are writing now",
            "intent": "Intent — what you offer or ask",
            "closing": "Closing",
        }
        error_messages = {"name": {"required": "Give the template a name."}}
        widgets = {
            "context": forms.Textarea(attrs={"rows": 3}),
            "intent": forms.Textarea(attrs={"rows": 3}),
            "closing": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_name(self) -> str:
        name = " ".join((self.cleaned_data.get("name") or "").split())
        if not name:
            raise forms.ValidationError("Give the template a name.")
        return name


class ComposeForm(forms.Form):
    """The message as the user last edited it; `reminder` is the reminder it answers."""

    subject = forms.CharField(max_length=300, required=False, strip=False)
    body = forms.CharField(
        label="Message",
        max_length=BODY_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "true"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("Write the message before logging it.")
        return body
