"""The admin's view of digests: each DigestLog with its state, attempts and last error."""

from django.contrib import admin

from .models import DigestLog


class DigestStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("sent", "Sent"), ("failed", "Failed (not sent, has an error)"), ("pending", "Not sent yet")]

    def queryset(self, request, queryset):
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "failed":
            return queryset.filter(sent_at__isnull=True).exclude(last_error="")
        if self.value() == "pending":
            return queryset.filter(sent_at__isnull=True, last_error="")
        return queryset


@admin.register(DigestLog)
class DigestLogAdmin(admin.ModelAdmin):
    list_display = ("user", "period", "sent_at", "claimed_at", "attempts", "item_count", "short_error")
    list_filter = (DigestStateFilter, "period")
    search_fields = ("user__username", "user__email", "period", "last_error")
    list_select_related = ("user",)
    readonly_fields = (
        "user",
        "period",
        "claimed_at",
        "sent_at",
        "attempts",
        "item_count",
        "last_error",
        "created_at",
    )

    @admin.display(description="Last error")
    def short_error(self, obj: DigestLog) -> str:
        return obj.last_error[:80]
