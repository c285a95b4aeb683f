"""The per-user calendar feed /calendar/<token>.ics (owned by the import/export work)."""

urlpatterns: list = []
