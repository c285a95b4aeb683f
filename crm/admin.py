from django.contrib import admin
from django.utils import timezone
from django.utils.timesince import timesince

from .models import JobRun, Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "timezone",
        "digest_frequency",
        "digest_hour",
        "strong_cadence_months",
        "weak_cadence_months",
        "reminders_run_on",
    )
    list_filter = ("digest_frequency", "timezone")
    search_fields = ("user__username", "user__email", "timezone")
    readonly_fields = ("calendar_token", "reminders_run_on")
    list_select_related = ("user",)


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("name", "last_finished_at", "last_ran", "last_summary")
    readonly_fields = ("name", "last_started_at", "last_finished_at", "last_summary")

    @admin.display(description="Scheduler last ran")
    def last_ran(self, obj: JobRun) -> str:
        if obj.last_finished_at is None:
            return "never"
        return f"{timesince(obj.last_finished_at, timezone.now())} ago"
