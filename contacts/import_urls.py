"""Import, export and duplicate-merge pages under /contacts/ (owned by the import/export work)."""

urlpatterns: list = []
