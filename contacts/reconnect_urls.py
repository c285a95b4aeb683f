from django.urls import path

from . import reconnect_views

app_name = "reconnect"

urlpatterns = [
    path("", reconnect_views.reconnect_list, name="list"),
    path("<int:pk>/snooze/", reconnect_views.reconnect_snooze, name="snooze"),
    path("<int:pk>/not-now/", reconnect_views.reconnect_not_now, name="not_now"),
]
