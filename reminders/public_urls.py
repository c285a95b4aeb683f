"""URLs outside /reminders/: the calendar feed, digest preview, signed email actions."""

from django.urls import include, path

urlpatterns = [
    path("", include("reminders.calendar_urls")),
    path("", include("reminders.digest_urls")),
]
