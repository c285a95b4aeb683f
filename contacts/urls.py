from django.urls import include, path

from . import duplicate_views, views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list, name="list"),
    path("new/", views.contact_create, name="create"),
    path("bulk/", views.contact_bulk, name="bulk"),
    path("picker/", views.contact_picker, name="picker"),
    path("<int:pk>/", views.contact_detail, name="detail"),
    path("<int:pk>/edit/", views.contact_edit, name="edit"),
    path("<int:pk>/archive/", views.contact_archive, name="archive"),
    path("<int:pk>/delete/", views.contact_delete, name="delete"),
    path("<int:pk>/timeline/", views.contact_timeline, name="timeline"),
    path("<int:pk>/log/", views.interaction_create, name="interaction_create"),
    path("interactions/<int:pk>/edit/", views.interaction_edit, name="interaction_edit"),
    path("interactions/<int:pk>/delete/", views.interaction_delete, name="interaction_delete"),
    path("offers/<int:pk>/given/", views.offer_given, name="offer_given"),
    path("offers/<int:pk>/reopen/", views.offer_reopen, name="offer_reopen"),
    path("offers/<int:pk>/delete/", views.offer_delete, name="offer_delete"),
    path("met/", views.met_at_event, name="met"),
    path("met/done/", views.met_done, name="met_done"),
    path("tags/", views.tag_list, name="tags"),
    path("tags/<int:pk>/edit/", views.tag_edit, name="tag_edit"),
    path("tags/<int:pk>/delete/", views.tag_delete, name="tag_delete"),
    path(
        "duplicates/<int:pk>/<int:other_pk>/not-duplicate/",
        duplicate_views.duplicate_not,
        name="duplicate_not",
    ),
    path(
        "duplicates/<int:pk>/<int:other_pk>/not-duplicate/undo/",
        duplicate_views.duplicate_not_undo,
        name="duplicate_not_undo",
    ),
    # Import, export, the duplicates page and merge: contacts/import_urls.py
    path("", include("contacts.import_urls")),
]
