from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone


class UserTimezoneMiddleware:
    """Activate the signed-in user's timezone, so `timezone.localdate()` is their today."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(ZoneInfo(user.profile.timezone))
            except (ZoneInfoNotFoundError, ValueError, AttributeError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
