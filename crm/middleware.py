import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from crm.models import profile_zone

log = logging.getLogger(__name__)


class UserTimezoneMiddleware:
    """Activate the signed-in user's timezone, so `timezone.localdate()` is their today."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        """The zone is the request's alone: the thread's earlier one is back after the
        response (a zone left active leaked into whatever the thread ran next)."""
        user = getattr(request, "user", None)
        profile = getattr(user, "profile", None) if user is not None and user.is_authenticated else None
        with timezone.override(profile_zone(profile.timezone) if profile is not None else None):
            return self.get_response(request)


# How long a client should wait before trying again when the database is away.
DATABASE_RETRY_AFTER = 30


class DatabaseUnavailableMiddleware:
    """A request whose database connection failed (a PostgreSQL restart, a dropped
    connection, a failover) gets a 503 that says nothing was saved, not a bare 500.

    The request's transaction was rolled back with the connection: nothing of it is
    half-written. Django closes the broken connection at the end of the request, and
    CONN_HEALTH_CHECKS gives the next request a fresh one. The page is rendered
    without the database (no user, no context processors).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.warning("database unavailable during %s %s: %s", request.method, request.path, exception)
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response
