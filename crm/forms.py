from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User

from .models import Profile


class SignupForm(UserCreationForm):
    first_name = forms.CharField(
        required=False, max_length=150, label="Your first name", help_text="How Keepwarm greets you."
    )
    email = forms.EmailField(required=True, help_text="Digests are sent here.")

    class Meta:
        model = User
        fields = ("first_name", "username", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Create account", css_class="btn-kw w-100"))


KEEP_WHEN_MISSING = ("daily_focus", "dormant_months", "past_companies")


class ProfileForm(forms.ModelForm):
    """The settings page: time zone, reminder cadences, digest preferences."""

    email = forms.EmailField(required=False, help_text="Where digests are sent.")

    class Meta:
        model = Profile
        fields = (
            "timezone",
            "strong_cadence_months",
            "weak_cadence_months",
            "birthday_lead_days",
            "daily_focus",
            "dormant_months",
            "past_companies",
            "digest_frequency",
            "digest_hour",
            "digest_send_empty",
        )
        labels = {
            "timezone": "Time zone",
            "strong_cadence_months": "Strong ties: check in every … months",
            "weak_cadence_months": "Weak ties: check in every … months",
            "birthday_lead_days": "Show birthdays and anniversaries … days ahead",
            "digest_hour": "Send the digest at (local hour)",
            "digest_send_empty": "Send a digest even when there is nothing due",
            "daily_focus": "People in today's focus",
            "dormant_months": "A tie is dormant after … months without contact",
            "past_companies": "Companies you have worked at",
        }
        help_texts = {
            "timezone": "Reminders fall on your local days; the digest comes at your local hour.",
            "strong_cadence_months": "0 = never. A tag's or a contact's own cadence wins.",
            "weak_cadence_months": "0 = never. Weak ties bring opportunities: don't let them go cold.",
            "digest_send_empty": "",
            "digest_hour": "",
            "daily_focus": "A short list you can finish: the dashboard and the digest lead with it; the rest waits.",
            "dormant_months": "Dormant ties appear on the reconnect list.",
            "past_companies": "Comma-separated. People from them rank higher to reconnect (“worked together at …”).",
        }
        widgets = {
            "timezone": forms.TextInput(attrs={"list": "tz-list", "autocomplete": "off"}),
            "digest_hour": forms.Select(choices=[(h, f"{h:02d}:00") for h in range(24)]),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].initial = self.instance.user.email
        # Added after the first release: a form posted without them keeps the stored values.
        for name in KEEP_WHEN_MISSING:
            self.fields[name].required = False
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset("Time zone", "timezone"),
            Fieldset(
                "Check-ins",
                Div(
                    Div("strong_cadence_months", css_class="col-sm-6"),
                    Div("weak_cadence_months", css_class="col-sm-6"),
                    css_class="row",
                ),
                "birthday_lead_days",
            ),
            Fieldset(
                "Focus and reconnect",
                Div(
                    Div("daily_focus", css_class="col-sm-6"),
                    Div("dormant_months", css_class="col-sm-6"),
                    css_class="row",
                ),
                "past_companies",
            ),
            Fieldset(
                "Email digest",
                "email",
                Div(
                    Div("digest_frequency", css_class="col-sm-6"),
                    Div("digest_hour", css_class="col-sm-6"),
                    css_class="row",
                ),
                "digest_send_empty",
            ),
        )
        self.helper.add_input(Submit("submit", "Save settings", css_class="btn-kw"))

    def clean(self) -> dict:
        cleaned = super().clean()
        for name in KEEP_WHEN_MISSING:
            if self.add_prefix(name) not in self.data or cleaned.get(name) is None:
                cleaned[name] = getattr(self.instance, name)
        return cleaned

    def save(self, commit: bool = True) -> Profile:
        profile = super().save(commit=commit)
        if commit and self.cleaned_data.get("email") is not None:
            user = profile.user
            user.email = self.cleaned_data["email"]
            user.save(update_fields=["email"])
        return profile


class AccountDeleteForm(forms.Form):
    """Closing the account: the password says it is really the owner, and that they mean it."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password; nothing was deleted.")
        return password
