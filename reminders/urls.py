from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("", views.reminder_list, name="list"),
    path("more/<slug:section>/", views.reminder_more, name="more"),
    path("<int:pk>/done/", views.reminder_done, name="done"),
    path("<int:pk>/log/", views.reminder_done_and_log, name="done_log"),
    path("<int:pk>/snooze/", views.reminder_snooze, name="snooze"),
    path("<int:pk>/dismiss/", views.reminder_dismiss, name="dismiss"),
    path("<int:pk>/reopen/", views.reminder_reopen, name="reopen"),
]
