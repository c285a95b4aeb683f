"""Sources in the admin: each with its last success and last error, so a failing one is seen."""

from django.contrib import admin

from .models import CalendarSource, FoundEvent, FoundMail, IgnoredAddress, MailboxSource


@admin.register(CalendarSource)
class CalendarSourceAdmin(admin.ModelAdmin):
    list_display = ("__str__", "owner", "last_success_at", "last_error_at", "short_error", "ask_first")
    list_filter = ("ask_first",)
    search_fields = ("name", "url", "owner__username")
    readonly_fields = (
        "etag",
        "last_modified",
        "body_hash",
        "parse_again_at",
        "last_checked_at",
        "last_success_at",
        "last_error",
        "last_error_at",
        "created_at",
    )
    raw_id_fields = ("owner",)

    @admin.display(description="last error")
    def short_error(self, obj: CalendarSource) -> str:
        return obj.last_error[:80]


@admin.register(MailboxSource)
class MailboxSourceAdmin(admin.ModelAdmin):
    list_display = ("__str__", "owner", "folders", "last_success_at", "last_error_at", "short_error")
    search_fields = ("host", "username", "owner__username")
    # The encrypted password is not a field here: never shown, not even encrypted.
    readonly_fields = ("last_checked_at", "last_success_at", "last_error", "last_error_at")
    fields = ("owner", "host", "port", "security", "username", "folders", "ask_first", *readonly_fields)
    raw_id_fields = ("owner",)

    @admin.display(description="last error")
    def short_error(self, obj: MailboxSource) -> str:
        return obj.last_error[:80]


@admin.register(FoundEvent)
class FoundEventAdmin(admin.ModelAdmin):
    list_display = ("occurred_on", "title", "owner", "source", "status")
    list_filter = ("status",)
    raw_id_fields = ("owner", "source", "interaction")
    list_select_related = ("owner", "source")


@admin.register(FoundMail)
class FoundMailAdmin(admin.ModelAdmin):
    list_display = ("day", "owner", "contact", "status")
    list_filter = ("status",)
    raw_id_fields = ("owner", "mailbox", "contact", "interaction")
    list_select_related = ("owner", "contact")


@admin.register(IgnoredAddress)
class IgnoredAddressAdmin(admin.ModelAdmin):
    list_display = ("email", "owner", "created_at")
    search_fields = ("email",)
    raw_id_fields = ("owner",)
