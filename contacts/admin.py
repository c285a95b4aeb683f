"""Admin for every contacts model; Contact gets django-import-export's bulk import/export.

The import form asks which user will own the imported rows; the confirm step carries
that choice to the real import (`get_confirm_form_initial` / `get_import_resource_kwargs`).
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, JSON, XLSX
from import_export.forms import ConfirmImportForm, ImportForm

from .models import Contact, ContactEmail, ContactPhone, ImportJob, Interaction, Offer, RoleHistory, Tag
from .resources import ContactResource


class OwnerImportForm(ImportForm):
    owner = forms.ModelChoiceField(
        queryset=get_user_model().objects.order_by("username"),
        required=True,
        help_text="The user who will own the imported contacts.",
    )


class OwnerConfirmImportForm(ConfirmImportForm):
    owner = forms.ModelChoiceField(queryset=get_user_model().objects.all(), widget=forms.HiddenInput)


class ContactEmailInline(admin.TabularInline):
    model = ContactEmail
    extra = 0


class ContactPhoneInline(admin.TabularInline):
    model = ContactPhone
    extra = 0


class RoleHistoryInline(admin.TabularInline):
    model = RoleHistory
    extra = 0
    readonly_fields = ("recorded_at",)


@admin.register(Contact)
class ContactAdmin(ImportExportModelAdmin):
    resource_classes = [ContactResource]
    formats = [CSV, XLSX, JSON]
    import_form_class = OwnerImportForm
    confirm_form_class = OwnerConfirmImportForm
    list_display = (
        "full_name",
        "owner",
        "company",
        "title",
        "tie_strength",
        "relationship",
        "last_interaction_on",
        "next_check_in",
        "archived",
    )
    list_filter = ("tie_strength", "relationship", "network", "archived", "tags")
    search_fields = ("first_name", "last_name", "company", "title", "emails__value", "owner__username")
    list_select_related = ("owner",)
    raw_id_fields = ("owner", "introduced_by")
    filter_horizontal = ("tags",)
    readonly_fields = ("created_at", "updated_at", "last_interaction_on", "next_check_in")
    inlines = [ContactEmailInline, ContactPhoneInline, RoleHistoryInline]
    date_hierarchy = "created_at"

    @admin.display(description="Name", ordering="first_name")
    def full_name(self, obj: Contact) -> str:
        return obj.full_name

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["owner"] = import_form.cleaned_data["owner"].pk
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        resource_kwargs = super().get_import_resource_kwargs(request, **kwargs)
        form = kwargs.get("form")
        if form is not None and getattr(form, "cleaned_data", None) and form.cleaned_data.get("owner"):
            resource_kwargs["owner"] = form.cleaned_data["owner"]
        return resource_kwargs


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "checkin_cadence_months")
    search_fields = ("name", "owner__username")
    list_filter = ("checkin_cadence_months",)
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ("occurred_on", "kind", "owner", "short_summary", "exchange", "follow_up_on")
    list_filter = ("kind", "exchange", "occurred_on")
    search_fields = ("summary", "topics", "contacts__first_name", "contacts__last_name", "owner__username")
    list_select_related = ("owner",)
    raw_id_fields = ("owner", "contacts")
    date_hierarchy = "occurred_on"

    @admin.display(description="Summary")
    def short_summary(self, obj: Interaction) -> str:
        return obj.summary[:80]


@admin.register(ContactEmail)
class ContactEmailAdmin(admin.ModelAdmin):
    list_display = ("value", "label", "contact")
    list_filter = ("label",)
    search_fields = ("value", "contact__first_name", "contact__last_name")
    list_select_related = ("contact",)
    raw_id_fields = ("contact",)


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    """What owners offered in return for a favour ("give before you ask"); open = not given yet."""

    list_display = ("text", "contact", "owner", "created_on", "given_on")
    list_filter = ("given_on", "created_on")
    search_fields = ("text", "contact__first_name", "contact__last_name", "owner__username")
    list_select_related = ("contact", "owner")
    raw_id_fields = ("owner", "contact", "interaction")


@admin.register(RoleHistory)
class RoleHistoryAdmin(admin.ModelAdmin):
    list_display = ("contact", "title", "company", "started_on", "ended_on")
    search_fields = ("company", "title", "contact__first_name", "contact__last_name")
    list_filter = ("ended_on",)
    list_select_related = ("contact",)
    raw_id_fields = ("contact",)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "owner",
        "original_name",
        "format",
        "status",
        "processed_rows",
        "created_count",
        "updated_count",
        "skipped_count",
        "error_count",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "format")
    search_fields = ("original_name", "owner__username", "message")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    readonly_fields = ("created_at", "finished_at", "errors", "report")
