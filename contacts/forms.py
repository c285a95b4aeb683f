"""Input shapes for contacts, interactions, tags, the list's filters and bulk actions,
and "met at an event"."""

import calendar
from datetime import date, timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout
from django import forms
from django.contrib.auth.models import User
from django.core.validators import MaxValueValidator, MinValueValidator
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from crm.querystring import plain_int
from reminders.warmth import BAND_LABELS, BANDS

from .emails import email_address_valid
from .importing.matching import linkedin_key
from .importing.parsers.common import clean, split_full_name
from .met import MAX_PEOPLE, MetPerson
from .models import (
    CONTACT_FIELDS,
    Contact,
    ContactEmail,
    ContactLabel,
    ContactPhone,
    Exchange,
    Interaction,
    Network,
    Relationship,
    Tag,
    TieStrength,
)
from .selectors import SORT_LABELS, Archived, ContactFilters
from .services import MAX_OFFERS, OFFER_MAX_LENGTH, BulkAction, Handle, parse_tag_names

MONTH_CHOICES = [("", "Month")] + [(str(m), calendar.month_name[m]) for m in range(1, 13)]


def _blank(label: str, choices) -> list:
    return [("", label), *choices]


class ContactFilterForm(forms.Form):
    """The list page's GET parameters. Invalid values are dropped, never a 500."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    relationship = forms.ChoiceField(required=False, choices=_blank("Relationship", Relationship.choices))
    tie_strength = forms.ChoiceField(required=False, choices=_blank("Tie strength", TieStrength.choices))
    network = forms.ChoiceField(required=False, choices=_blank("Network", Network.choices))
    tag = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    archived = forms.ChoiceField(
        required=False,
        choices=[
            (Archived.ACTIVE, "Active"),
            (Archived.ONLY, "Archived"),
            (Archived.ALL, "Active + archived"),
        ],
    )
    warmth = forms.ChoiceField(
        required=False, choices=[("", "Warmth"), *((name, BAND_LABELS[name]) for name, _low in BANDS)]
    )
    sort = forms.ChoiceField(required=False, choices=list(SORT_LABELS.items()))
    # The insights' Dunbar layers (insights/rules.py LAYERS) link to these.
    cadence_within = forms.ChoiceField(
        required=False,
        label="Check-in cadence",
        choices=[
            ("", "Check-in cadence"),
            ("1", "Monthly"),
            ("3", "Quarterly or closer"),
            ("12", "Yearly or closer"),
        ],
    )

    def __init__(self, *args, tags: list[Tag], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", "Tag"), *((str(t.pk), t.name) for t in tags)]

    def filters(self) -> ContactFilters:
        """The valid part of the query string (an unknown tag or sort is ignored)."""
        if not self.is_bound:
            return ContactFilters()
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        return ContactFilters(
            q=(data.get("q") or "").strip(),
            relationship=data.get("relationship") or "",
            tie_strength=data.get("tie_strength") or "",
            network=data.get("network") or "",
            tag_id=data.get("tag"),
            archived=data.get("archived") or Archived.ACTIVE,
            warmth=data.get("warmth") or "",
            sort=data.get("sort") or "name",
            cadence_within=int(data["cadence_within"]) if data.get("cadence_within") else None,
        )


class IdListField(forms.Field):
    """Several integer ids from checkboxes; anything that is not an int is refused."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        ids = {plain_int(v, minimum=1) if isinstance(v, str) else None for v in value}
        if None in ids:  # not ASCII digits, or beyond any id ("²", 10**30): never sent to the database
            raise forms.ValidationError("Invalid selection.")
        return sorted(ids)


def _is_id(value: object) -> bool:
    """A contact id as a form posts it: a model, an int, or ASCII digits within range (`plain_int`)."""
    return isinstance(value, Contact | int) or plain_int(str(value), minimum=1) is not None


class ContactChoiceField(forms.ModelChoiceField):
    """One of the owner's contacts by id; a value that is no id is an invalid choice, not a query."""

    def to_python(self, value):
        if value not in self.empty_values and not _is_id(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return super().to_python(value)


class ContactsChoiceField(forms.ModelMultipleChoiceField):
    """Several of the owner's contacts by id; a value that is no id is refused before any query."""

    def _check_values(self, value):
        for pk in value:
            if not _is_id(pk):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)


class BulkActionForm(forms.Form):
    ids = IdListField(error_messages={"required": "Select at least one contact."})
    action = forms.ChoiceField(
        choices=[
            ("", "Bulk action…"),
            (BulkAction.ADD_TAG, "Add tag"),
            (BulkAction.REMOVE_TAG, "Remove tag"),
            (BulkAction.SET_TIE_STRENGTH, "Set tie strength"),
            (BulkAction.SET_RELATIONSHIP, "Set relationship"),
            (BulkAction.SET_CADENCE, "Set check-in cadence"),
            (BulkAction.ARCHIVE, "Archive"),
            (BulkAction.UNARCHIVE, "Unarchive"),
        ],
        error_messages={"required": "Choose a bulk action."},
    )
    tag = forms.CharField(required=False, max_length=64)
    tie_strength = forms.ChoiceField(required=False, choices=_blank("Tie strength…", TieStrength.choices))
    relationship = forms.ChoiceField(required=False, choices=_blank("Relationship…", Relationship.choices))
    cadence = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=60,
        help_text="Months; blank = default, 0 = never.",
    )

    def clean(self) -> dict:
        data = super().clean()
        action = data.get("action")
        needs = {
            BulkAction.ADD_TAG: ("tag", "Give the tag to add."),
            BulkAction.REMOVE_TAG: ("tag", "Give the tag to remove."),
            BulkAction.SET_TIE_STRENGTH: ("tie_strength", "Choose a tie strength."),
            BulkAction.SET_RELATIONSHIP: ("relationship", "Choose a relationship."),
        }
        if action in needs:
            field, message = needs[action]
            if not (data.get(field) or "").strip():
                self.add_error(field, message)
        if not data.get("ids") and "ids" not in self.errors:
            self.add_error("ids", "Select at least one contact.")
        return data

    def value(self):
        action = self.cleaned_data["action"]
        return {
            BulkAction.ADD_TAG: " ".join(self.cleaned_data["tag"].split()),
            BulkAction.REMOVE_TAG: " ".join(self.cleaned_data["tag"].split()),
            BulkAction.SET_TIE_STRENGTH: self.cleaned_data["tie_strength"],
            BulkAction.SET_RELATIONSHIP: self.cleaned_data["relationship"],
            BulkAction.SET_CADENCE: self.cleaned_data["cadence"],
        }.get(action)


class ContactForm(forms.ModelForm):
    """The contact's own fields; emails and phones are the two formsets below."""

    birthday_month = forms.TypedChoiceField(
        required=False, choices=MONTH_CHOICES, coerce=int, empty_value=None, label="Birthday month"
    )
    birthday_day = forms.IntegerField(required=False, min_value=1, max_value=31, label="Day")
    birthday_year = forms.IntegerField(
        required=False, min_value=1900, max_value=2100, label="Year", help_text="Optional."
    )
    checkin_cadence_months = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=60,
        label="Check-in every … months",
        help_text="Blank = the tag's or the tie strength's default; 0 = never.",
    )
    linkedin_url = forms.URLField(required=False, max_length=300, assume_scheme="https", label="LinkedIn URL")
    tags_text = forms.CharField(
        required=False,
        max_length=500,
        label="Tags",
        help_text="Comma-separated, e.g. investors, london. New tags are created.",
    )

    class Meta:
        model = Contact
        # Archiving has its own button; everything else a person edits is here.
        fields = tuple(name for name in CONTACT_FIELDS if name != "archived")
        field_classes = {"introduced_by": ContactChoiceField}
        labels = {"linkedin_url": "LinkedIn URL", "started_on": "Started current role on"}
        widgets = {
            "started_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, owner: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        introducers = Contact.objects.filter(owner=owner).only("id", "first_name", "last_name")
        if self.instance.pk:
            introducers = introducers.exclude(pk=self.instance.pk)
            self.fields["tags_text"].initial = ", ".join(t.name for t in self.instance.tags.all())
        self.fields["introduced_by"].queryset = introducers
        self.fields["introduced_by"].error_messages["invalid_choice"] = "Choose someone from your contacts."
        # A search box, not a <select> of every contact (10,000 options on a big account).
        self.fields["introduced_by"].widget = ContactPickerSingle(
            owner_id=owner.pk, exclude_id=self.instance.pk
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

        def row(*cols: tuple[str, str]) -> Div:
            return Div(*(Div(name, css_class=css) for name, css in cols), css_class="row g-2")

        self.helper.layout = Layout(
            Fieldset(
                "",
                row(("first_name", "col-sm-6"), ("last_name", "col-sm-6")),
                row(("company", "col-sm-6"), ("title", "col-sm-6")),
                row(("industry", "col-sm-6"), ("location", "col-sm-6")),
                "linkedin_url",
            ),
            HTML('<h2 class="h6 text-uppercase text-muted mt-3">Relationship</h2>'),
            row(("relationship", "col-sm-4"), ("network", "col-sm-4"), ("tie_strength", "col-sm-4")),
            row(("checkin_cadence_months", "col-sm-6"), ("tags_text", "col-sm-6")),
            row(("introduced_by", "col-sm-6"), ("how_we_met", "col-sm-6")),
            HTML('<h2 class="h6 text-uppercase text-muted mt-3">Dates</h2>'),
            row(
                ("birthday_month", "col-5 col-sm-3"),
                ("birthday_day", "col-3 col-sm-2"),
                ("birthday_year", "col-4 col-sm-3"),
                ("started_on", "col-sm-4"),
            ),
            # Notes are rendered after the emails and phones (contact_form.html): on a
            # phone, where the columns stack, people fill those first.
        )

    def clean(self) -> dict:
        data = super().clean()
        month, day, year = data.get("birthday_month"), data.get("birthday_day"), data.get("birthday_year")
        if (month is None) != (day is None) and not self.has_error("birthday_day"):
            self.add_error("birthday_day" if month else "birthday_month", "Give both the month and the day.")
        elif year is not None and month is None and not self.has_error("birthday_year"):
            self.add_error("birthday_month", "A birthday year needs the month and the day too.")
        elif month is not None and day is not None:
            max_day = calendar.monthrange(year or 2000, month)[1]  # 2000: Feb 29 allowed without a year
            if day > max_day:
                where = f" in {year}" if year else ""
                self.add_error("birthday_day", f"{calendar.month_name[month]} has no day {day}{where}.")
        return data

    def tag_names(self) -> list[str]:
        return parse_tag_names(self.cleaned_data.get("tags_text") or "")

    def contact_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def _post_clean(self) -> None:
        # The model's clean() repeats the birthday check; the form's message is enough.
        if self.has_error("birthday_day") or self.has_error("birthday_month"):
            for name in ("birthday_month", "birthday_day", "birthday_year"):
                self.cleaned_data.pop(name, None)
        super()._post_clean()


class HandleFormSet(forms.BaseInlineFormSet):
    def handles(self) -> list[Handle]:
        """The non-empty, non-deleted rows, duplicates dropped."""
        seen, result = set(), []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            value = (data.get("value") or "").strip()
            if not value or data.get("DELETE") or value.casefold() in seen:
                continue
            seen.add(value.casefold())
            result.append(Handle(value=value, label=data.get("label") or ContactLabel.OTHER))
        return result


def _handle_formset(model, placeholder: str, input_type: str, default_label: str, inputmode: str = ""):
    attrs = {"placeholder": placeholder, "type": input_type}
    if inputmode:
        attrs["inputmode"] = inputmode
    return forms.inlineformset_factory(
        Contact,
        model,
        formset=HandleFormSet,
        fields=("value", "label"),
        extra=1,
        max_num=10,
        can_delete=True,
        widgets={
            "value": forms.TextInput(attrs=attrs),
        },
        labels={"value": placeholder, "label": "Label"},
    )


# A text input with the email keyboard: browsers refuse a UTF-8 local part ("josé@…") in
# <input type="email">; the field's validator (contacts.emails) is the rule.
EmailFormSet = _handle_formset(ContactEmail, "Email", "text", ContactLabel.WORK, inputmode="email")
PhoneFormSet = _handle_formset(ContactPhone, "Phone", "tel", ContactLabel.MOBILE)


def contact_formsets(*, data=None, instance: Contact | None = None, extra_emails: int = 2):
    """The emails and phones formsets; a new contact gets two empty email rows."""
    instance = instance or Contact()
    emails = EmailFormSet(data, instance=instance, prefix="emails")
    phones = PhoneFormSet(data, instance=instance, prefix="phones")
    if instance.pk is None and data is None:
        emails.extra = extra_emails
    for form in phones.forms:
        if not form.instance.pk:
            form.initial.setdefault("label", ContactLabel.MOBILE)
    return emails, phones


class ContactPicker(forms.SelectMultiple):
    """Chosen people as removable chips plus a search box (htmx) to add more.

    Renders only the selected contacts, never the whole address book: a user with
    10,000 contacts gets the same small page.
    """

    template_name = "contacts/widgets/contact_picker.html"

    single = False

    def __init__(self, *, owner_id: int | None = None, exclude_id: int | None = None, attrs=None):
        super().__init__(attrs)
        self.owner_id = owner_id
        self.exclude_id = exclude_id

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if not isinstance(value, list | tuple):
            value = [value] if value not in (None, "") else []
        ids = []
        for item in value:
            pk = getattr(item, "pk", item)
            pk = pk if isinstance(pk, int) else plain_int(pk, minimum=1)
            if pk is not None:
                ids.append(pk)
        chosen = []
        if ids:
            people = Contact.objects.filter(owner_id=self.owner_id, pk__in=ids).only(
                "id", "first_name", "last_name", "owner_id"
            )
            found = {c.pk: c for c in people}
            chosen = [found[i] for i in dict.fromkeys(ids) if i in found]
        context["widget"].update(chosen=chosen, single=self.single, exclude_id=self.exclude_id)
        return context

    def format_value(self, value):
        if not isinstance(value, list | tuple):
            value = [value] if value not in (None, "") else []
        return [str(getattr(v, "pk", v)) for v in value]

    def _render(self, template_name, context, renderer=None):
        # The project's template dirs (templates/contacts/widgets/), not the form renderer's.
        return mark_safe(render_to_string(template_name, context))  # noqa: S308 - our own template

    def optgroups(self, name, value, attrs=None):
        return []


class ContactPickerSingle(ContactPicker):
    """One contact (a foreign key such as introduced_by): picking another replaces it."""

    single = True
    allow_multiple_selected = False

    def value_from_datadict(self, data, files, name):
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        # Like a checkbox: no value in the POST means "nobody", not "unchanged".
        return False


class InteractionForm(forms.ModelForm):
    contacts = ContactsChoiceField(
        queryset=Contact.objects.none(),
        label="With",
        error_messages={
            "required": "Choose at least one person.",
            "invalid_choice": "Choose people from your contacts.",
        },
    )
    exchange = forms.ChoiceField(
        required=False,
        choices=[("", "Nothing in particular"), *Exchange.choices],
        label="Exchange",
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Interaction
        fields = ("occurred_on", "kind", "contacts", "summary", "topics", "exchange", "follow_up_on")
        labels = {"occurred_on": "Date", "follow_up_on": "Follow up on", "summary": "Notes"}
        widgets = {
            "occurred_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "follow_up_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "summary": forms.Textarea(attrs={"rows": 2, "placeholder": "What did you talk about?"}),
            "topics": forms.TextInput(attrs={"placeholder": "e.g. fundraising, hiring"}),
        }
        help_texts = {"follow_up_on": "Optional. A reminder is raised on that day."}

    def __init__(self, *args, owner: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = Contact.objects.filter(owner=owner)
        self.fields["contacts"].widget = ContactPicker(owner_id=owner.pk)
        self.fields["occurred_on"].validators.append(MinValueValidator(date(1900, 1, 1)))
        self.fields["occurred_on"].validators.append(MaxValueValidator(date(2100, 12, 31)))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Div(
                Div("occurred_on", css_class="col-6 col-md-3"),
                Div("kind", css_class="col-6 col-md-3"),
                Div("contacts", css_class="col-md-6"),
                css_class="row g-2",
            ),
            "summary",
            Div(
                Div("topics", css_class="col-md-6"),
                Div("follow_up_on", css_class="col-md-6"),
                css_class="row g-2",
            ),
            Field("exchange", css_class="d-flex gap-3 flex-wrap"),
        )

    def clean(self) -> dict:
        data = super().clean()
        occurred, follow = data.get("occurred_on"), data.get("follow_up_on")
        if occurred and follow and follow < occurred:
            self.add_error("follow_up_on", "The follow-up cannot be before the interaction.")
        return data

    def interaction_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "occurred_on": data["occurred_on"],
            "kind": data["kind"],
            "summary": data.get("summary") or "",
            "topics": data.get("topics") or "",
            "exchange": data.get("exchange") or None,
            "follow_up_on": data.get("follow_up_on"),
        }


FOLLOW_UP_AFTER_FIRST_MEETING = timedelta(days=2)

OFFER_PLACEHOLDERS = (
    "e.g. introduce them to a designer I know",
    "e.g. review their deck",
    "e.g. share an article",
)


class LogInteractionForm(InteractionForm):
    """The log form: an interaction, and when the user asked a favour, "What can you offer
    in return?" in up to three short notes (static/js/log_form.js shows them only for
    "I asked a favour"; without JavaScript they are always there, and ignored otherwise).

    Editing an interaction (InteractionForm) does not show or change its offers: they are
    noted when logging, and managed on the contact page afterwards.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = [f"offer_{i}" for i in range(1, MAX_OFFERS + 1)]
        for name, placeholder in zip(names, OFFER_PLACEHOLDERS, strict=True):
            self.fields[name] = forms.CharField(
                required=False,
                max_length=OFFER_MAX_LENGTH,
                label=f"Offer {name[-1]}",
                widget=forms.TextInput(attrs={"placeholder": placeholder}),
            )
        self.helper.layout.append(
            Fieldset(
                "What can you offer in return?",
                HTML(
                    '<p class="form-text mt-0">If you asked a favour: up to three short notes. '
                    "They stay on the contact's page until you mark them given.</p>"
                ),
                Div(
                    *(Div(Field(n, wrapper_class="mb-0"), css_class="col-md-4") for n in names),
                    css_class="row g-2",
                ),
                css_id="log-offers",
                css_class="kw-offers mb-3",
                data_offers_for=Exchange.ASKED.value,
            )
        )

    def offers(self) -> list[str]:
        return [self.cleaned_data.get(f"offer_{i}") or "" for i in range(1, MAX_OFFERS + 1)]


# --- met at an event ----------------------------------------------------------------


class MetEventForm(forms.Form):
    event = forms.CharField(
        max_length=120,
        label="Event",
        widget=forms.TextInput(attrs={"placeholder": "e.g. PyData London meetup", "class": "form-control"}),
        error_messages={"required": "Give the event's name."},
    )
    occurred_on = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        error_messages={"required": "Give the event's date."},
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_event(self) -> str:
        return clean(self.cleaned_data["event"])

    def clean_occurred_on(self) -> date:
        value = self.cleaned_data["occurred_on"]
        if value > self.today:
            raise forms.ValidationError(
                "The event cannot be in the future: log the people after you meet them."
            )
        if value < date(1900, 1, 1):
            raise forms.ValidationError("Give a date after 1900.")
        return value


def _row_input(placeholder: str, **attrs) -> forms.TextInput:
    return forms.TextInput(
        attrs={"placeholder": placeholder, "class": "form-control form-control-sm", **attrs}
    )


class MetPersonForm(forms.Form):
    """One person met: a name, and optionally company, email or LinkedIn URL, a line of notes."""

    name = forms.CharField(required=False, max_length=201, label="Name", widget=_row_input("Name"))
    company = forms.CharField(required=False, max_length=200, label="Company", widget=_row_input("Company"))
    handle = forms.CharField(
        required=False,
        max_length=300,
        label="Email or LinkedIn URL",
        widget=_row_input("Email or LinkedIn URL", inputmode="email", autocomplete="off"),
    )
    notes = forms.CharField(
        required=False, max_length=300, label="Notes", widget=_row_input("A line of notes")
    )

    def __init__(self, *args, row: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.row = row

    def _where(self) -> str:
        return f"Row {self.row}: " if self.row else ""

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            for name, errors in list(self.errors.items()):
                self.errors[name] = self.error_class([f"{self._where()}{e}" for e in errors])
            return data
        first, last = split_full_name(data.get("name") or "")
        others = any(clean(data.get(n)) for n in ("company", "handle", "notes"))
        if not first:
            if others:
                self.add_error("name", f"{self._where()}give this person's name, or clear the row.")
            return data
        if len(first) > 100 or len(last) > 100:
            self.add_error("name", f"{self._where()}the name is too long (100 characters for each part).")
        handle = clean(data.get("handle"))
        data["email"] = data["linkedin_url"] = ""
        if handle and "@" in handle and "/" not in handle:
            if not email_address_valid(handle):
                self.add_error("handle", f"{self._where()}“{handle}” is not an email address.")
            data["email"] = handle
        elif handle and "linkedin.com" in handle.lower():
            url = linkedin_key(handle)  # the import's normalised form: its matching key
            profile = url.split("linkedin.com/", 1)[1] if "linkedin.com/" in url else ""
            if not profile or " " in profile or len(url) > 300:
                self.add_error("handle", f"{self._where()}“{handle}” is not a LinkedIn profile URL.")
            data["linkedin_url"] = url
        elif handle:
            self.add_error("handle", f"{self._where()}give an email address or a LinkedIn profile URL.")
        data["first_name"], data["last_name"] = first, last
        return data

    def _post_clean(self) -> None:
        # Mark the invalid inputs (Bootstrap's is-invalid, aria-invalid): the fields are this form's copies.
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"

    def person(self) -> MetPerson | None:
        """The row's person, or None for a blank row."""
        data = getattr(self, "cleaned_data", None) or {}
        if not data.get("first_name"):
            return None
        return MetPerson(
            row=self.row or 0,
            first_name=data["first_name"],
            last_name=data["last_name"],
            company=clean(data.get("company")),
            email=data["email"],
            linkedin_url=data["linkedin_url"],
            notes=clean(data.get("notes")),
        )


class BaseMetPeopleFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["row"] = None if index is None else index + 1
        return kwargs

    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.people():
            raise forms.ValidationError("Add at least one person: a name is enough.")

    def people(self) -> list[MetPerson]:
        return [p for form in self.forms if (p := form.person())]

    def error_rows(self) -> list[int]:
        return [form.row for form in self.forms if form.errors and form.row]


# Five blank rows work without JavaScript; static/js/met.js adds more (the empty form).
MetPeopleFormSet = forms.formset_factory(
    MetPersonForm,
    formset=BaseMetPeopleFormSet,
    extra=5,
    max_num=MAX_PEOPLE,
    validate_max=True,
    absolute_max=MAX_PEOPLE,
)


class TagForm(forms.ModelForm):
    checkin_cadence_months = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=60,
        label="Check-in every … months",
        help_text="Blank = no cadence of its own; 0 = never check in with these contacts.",
    )

    class Meta:
        model = Tag
        fields = ("name", "checkin_cadence_months")

    def __init__(self, *args, owner: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_name(self) -> str:
        name = " ".join((self.cleaned_data.get("name") or "").split())
        if not name:
            raise forms.ValidationError("Give the tag a name.")
        if "," in name:
            raise forms.ValidationError("A tag name cannot contain a comma.")
        clash = Tag.objects.filter(owner=self.owner, name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(f"You already have a tag called “{name}”.")
        return name
