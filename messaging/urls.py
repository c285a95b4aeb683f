from django.urls import path

from . import views

app_name = "messaging"

# Mounted at the site root (crm/urls.py): full paths here.
urlpatterns = [
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("templates/<int:pk>/delete/", views.template_delete, name="template_delete"),
    path("templates/<int:pk>/reset/", views.template_reset, name="template_reset"),
    path("contacts/<int:pk>/compose/", views.compose, name="compose"),
]
