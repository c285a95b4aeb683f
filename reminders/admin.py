from django.contrib import admin

from .models import DigestLog, Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ("contact", "kind", "due_on", "status", "snoozed_until", "owner", "created_at")
    list_filter = ("kind", "status", "due_on")
    search_fields = ("contact__first_name", "contact__last_name", "contact__company", "owner__username")
    list_select_related = ("contact", "owner")
    raw_id_fields = ("contact", "interaction", "owner")
    date_hierarchy = "due_on"


@admin.register(DigestLog)
class DigestLogAdmin(admin.ModelAdmin):
    list_display = ("user", "period", "sent_at", "claimed_at", "attempts", "item_count", "short_error")
    list_filter = ("sent_at", "period")
    search_fields = ("user__username", "user__email", "period", "last_error")
    list_select_related = ("user",)
    readonly_fields = ("created_at",)

    @admin.display(description="Last error")
    def short_error(self, obj: DigestLog) -> str:
        return obj.last_error[:80]
