"""Digest preview, unsubscribe and signed one-click actions (owned by the digest work)."""

urlpatterns: list = []
