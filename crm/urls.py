from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("focus/more/", views.focus_one_more, name="focus_more"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("crm.account_urls")),
    path("contacts/", include("contacts.urls")),
    path("reminders/", include("reminders.urls")),
    path("reconnect/", include("contacts.reconnect_urls")),
    path("", include("reminders.calendar_urls")),
    path("", include("digests.urls")),
    path("insights/", include("insights.urls")),
    path("goals/", include("goals.urls")),
    path("", include("messaging.urls")),
    path("", include("sources.urls")),
    path("admin/", admin.site.urls),
]
