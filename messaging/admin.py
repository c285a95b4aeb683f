from django.contrib import admin

from .models import MessageTemplate


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "origin", "hidden", "position", "owner", "updated_at")
    list_filter = ("origin", "hidden")
    search_fields = ("name", "slug", "owner__username")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
