"""Input shape of the sources settings: add a calendar, edit its switches, a mailbox."""

from django import forms
from django.conf import settings

from .calendar_fetch import SourceError, normalise_url
from .imap import is_loopback
from .models import CalendarSource, MailboxSecurity, MailboxSource

ICS_SUFFIXES = (".ics", ".ical", ".ifb", ".icalendar")


class CalendarAddForm(forms.Form):
    url = forms.CharField(
        label="Calendar address",
        required=False,
        max_length=2000,
        help_text="A private ICS address (Google's “secret address in iCal format”, Outlook's published calendar, a CalDAV export): https:// or webcal://",
        widget=forms.URLInput(attrs={"placeholder": "https://…/basic.ics", "autocomplete": "off"}),
    )
    file = forms.FileField(label="…or an .ics file", required=False)
    name = forms.CharField(
        max_length=100, required=False, widget=forms.TextInput(attrs={"placeholder": "Work"})
    )
    ask_first = forms.BooleanField(
        required=False, label="Ask me first (found meetings wait on the dashboard)"
    )
    store_description = forms.BooleanField(
        required=False, label="Keep event descriptions in the interactions"
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if not url:
            return ""
        try:
            return normalise_url(url)
        except SourceError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        if upload.size > settings.SOURCES_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {settings.SOURCES_MAX_BYTES // (1024 * 1024)} MB."
            )
        head = upload.read(64).lstrip(b"\xef\xbb\xbf").lstrip()
        upload.seek(0)
        if not head.upper().startswith(b"BEGIN:VCALENDAR"):
            raise forms.ValidationError("This is not an iCalendar (.ics) file.")
        return upload

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and bool(data.get("url")) == bool(data.get("file")):
            raise forms.ValidationError("Give a calendar address or a file (one of the two).")
        return data


class CalendarUpdateForm(forms.ModelForm):
    class Meta:
        model = CalendarSource
        fields = ["name", "ask_first", "store_description"]


class MailboxForm(forms.ModelForm):
    # Write-only: never rendered back; left blank on an edit, the stored one stays.
    password = forms.CharField(
        label="App password",
        required=False,
        strip=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted; never shown again. Leave blank to keep the current one.",
    )

    class Meta:
        model = MailboxSource
        fields = ["host", "port", "security", "username", "folders", "ask_first"]

    def clean_port(self) -> int:
        port = self.cleaned_data["port"]
        if not 1 <= port <= 65535:
            raise forms.ValidationError("A port is between 1 and 65535.")
        return port

    def clean_folders(self) -> str:
        names = [name.strip() for name in self.cleaned_data["folders"].split(",") if name.strip()]
        if not names:
            raise forms.ValidationError("Name at least one folder.")
        return ",".join(names)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("security") == MailboxSecurity.NONE and not is_loopback(data.get("host", "")):
            self.add_error(
                "security", "Without TLS the password would cross the network in clear: only for localhost."
            )
        if not self.instance.pk and not data.get("password"):
            self.add_error("password", "The app password is needed to read the mailbox.")
        return data
