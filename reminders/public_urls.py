"""URLs outside /reminders/: the calendar feed, digest preview, signed email actions."""

urlpatterns: list = []
