"""Digest preview, one-click unsubscribe and the signed one-click actions (outside /reminders/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("digest/preview", views.digest_preview, name="digest_preview"),
    path("digest/a/<str:token>", views.digest_action, name="digest_action"),
    path("unsubscribe/<str:token>", views.digest_unsubscribe, name="digest_unsubscribe"),
]
