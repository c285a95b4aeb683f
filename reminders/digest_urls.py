"""Digest preview, unsubscribe and signed one-click actions (owned by the digest work)."""

from django.urls import path

from . import digest_views

urlpatterns = [
    path("digest/preview", digest_views.digest_preview, name="digest_preview"),
    path("digest/a/<str:token>", digest_views.digest_action, name="digest_action"),
    path("unsubscribe/<str:token>", digest_views.digest_unsubscribe, name="digest_unsubscribe"),
]
