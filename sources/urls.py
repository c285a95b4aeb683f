from django.urls import path

from . import views

app_name = "sources"

# Mounted at the site root: full paths here.
urlpatterns = [
    path("settings/sources/", views.sources_settings, name="settings"),
    path("settings/sources/sync/", views.sync_now, name="sync"),
    path("settings/sources/calendars/add/", views.calendar_add, name="calendar_add"),
    path("settings/sources/calendars/<int:pk>/", views.calendar_update, name="calendar_update"),
    path("settings/sources/calendars/<int:pk>/delete/", views.calendar_delete, name="calendar_delete"),
    path("settings/sources/mailboxes/add/", views.mailbox_add, name="mailbox_add"),
    path("settings/sources/mailboxes/<int:pk>/", views.mailbox_edit, name="mailbox_edit"),
    path("settings/sources/mailboxes/<int:pk>/delete/", views.mailbox_delete, name="mailbox_delete"),
    path("sources/review/meetings/<int:pk>/", views.review_meeting, name="review_meeting"),
    path("sources/review/emails/<int:pk>/", views.review_email, name="review_email"),
    path("sources/suggestions/", views.suggestion, name="suggestion"),
]
