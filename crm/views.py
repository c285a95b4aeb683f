import logging
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from .forms import ProfileForm, SignupForm
from .models import JobRun

log = logging.getLogger(__name__)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    from reminders import selectors

    context = selectors.dashboard_context(owner=request.user, today=timezone.localdate())
    return render(request, "crm/dashboard.html", context)


def signup(request: HttpRequest) -> HttpResponse:
    if not settings.SIGNUP_ENABLED:
        raise Http404("Sign-up is turned off.")
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
        messages.success(request, "Welcome to Keepwarm! Set your time zone so reminders land on your days.")
        return redirect("settings")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def settings_view(request: HttpRequest) -> HttpResponse:
    profile = request.user.profile
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Settings saved.")
        return redirect("settings")
    return render(
        request,
        "crm/settings.html",
        {"form": form, "profile": profile, "timezones": sorted(available_timezones())},
    )


def _database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - a health check reports any failure
        return {"ok": False, "vendor": connection.vendor, "error": str(exc)[:200]}


def _broker_state() -> dict:
    from crm.celery import app

    url = app.conf.broker_url or ""
    transport = url.split("://", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": transport}
    except Exception as exc:  # noqa: BLE001 - a health check reports any failure
        return {"ok": False, "transport": transport, "error": str(exc)[:200]}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker state, and when each periodic job last finished."""
    database = _database_state()
    broker = _broker_state()
    jobs = {}
    if database["ok"]:
        now = timezone.now()
        for run in JobRun.objects.all():
            finished = run.last_finished_at
            jobs[run.name] = {
                "last_finished_at": finished.isoformat() if finished else None,
                "seconds_ago": int((now - finished).total_seconds()) if finished else None,
                "summary": run.last_summary,
            }
    ok = database["ok"] and broker["ok"]
    return JsonResponse(
        {"status": "ok" if ok else "error", "database": database, "broker": broker, "jobs": jobs},
        status=200 if ok else 503,
    )
