from django.urls import include, path

from . import views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list, name="list"),
    # Import, export, duplicates: contacts/import_urls.py
    path("", include("contacts.import_urls")),
]
