from django.contrib import admin

from .models import Goal


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "owner",
        "measure",
        "kind",
        "target",
        "period",
        "per_event",
        "created_on",
        "archived",
    )
    list_filter = ("measure", "period", "archived")
    search_fields = ("owner__username",)
    raw_id_fields = ("owner",)
