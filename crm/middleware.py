from django.utils import timezone

from crm.models import profile_zone


class UserTimezoneMiddleware:
    """Activate the signed-in user's timezone, so `timezone.localdate()` is their today."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            profile = getattr(user, "profile", None)
            if profile is None:
                timezone.deactivate()
            else:
                timezone.activate(profile_zone(profile.timezone))
        else:
            timezone.deactivate()
        return self.get_response(request)
