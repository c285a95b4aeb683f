from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("", views.insights_page, name="page"),
    path("data.json", views.insights_data, name="data"),
]
