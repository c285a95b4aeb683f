"""The per-user calendar feed /calendar/<token>.ics (owned by the import/export work)."""

from django.urls import path

from . import calendar

urlpatterns = [
    path("calendar/regenerate/", calendar.calendar_regenerate, name="calendar_regenerate"),
    path("calendar/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
]
