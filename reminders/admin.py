from django.contrib import admin

from .models import Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ("contact", "kind", "due_on", "status", "snoozed_until", "owner", "created_at")
    list_filter = ("kind", "status", "due_on")
    search_fields = ("contact__first_name", "contact__last_name", "contact__company", "owner__username")
    list_select_related = ("contact", "owner")
    raw_id_fields = ("contact", "interaction", "owner")
    date_hierarchy = "due_on"
