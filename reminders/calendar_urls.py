"""The per-user calendar feed /calendar/<token>.ics and the regeneration of its token."""

from django.urls import path

from . import views

urlpatterns = [
    path("calendar/regenerate/", views.calendar_regenerate, name="calendar_regenerate"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
