"""URLs outside /reminders/: the calendar feed, digest preview, signed email actions."""

from django.urls import path

urlpatterns: list = []
