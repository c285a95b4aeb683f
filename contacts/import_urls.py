"""Import, export and duplicate-merge pages under /contacts/."""

from django.urls import path

from . import duplicate_views, import_views

urlpatterns = [
    path("import/", import_views.import_start, name="import"),
    path("import/<int:pk>/preview/", import_views.import_preview_view, name="import_preview"),
    path("import/<int:pk>/", import_views.import_job_view, name="import_job"),
    path("import/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
    path("import/<int:pk>/rejected.csv", import_views.import_rejected_csv, name="import_rejected"),
    path("export/", import_views.export_page, name="export"),
    path("export/<str:fmt>/", import_views.export_download, name="export_download"),
    path("duplicates/", duplicate_views.duplicate_list, name="duplicates"),
    path(
        "duplicates/merge/<int:pk>/<int:other_pk>/", duplicate_views.duplicate_merge, name="duplicate_merge"
    ),
]
