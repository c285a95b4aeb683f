import logging
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from contacts import selectors as contact_selectors
from goals import selectors as goal_selectors
from reminders import focus
from reminders import selectors as reminder_selectors
from reminders import services as reminder_services
from sources import selectors as source_selectors

from . import accounts
from .forms import AccountDeleteForm, ProfileForm, SignupForm
from .models import JobRun
from .security import healthz_details_allowed

log = logging.getLogger(__name__)


RECONNECT_ON_DASHBOARD = 3
SCHEDULE_SETTINGS = {"strong_cadence_months", "weak_cadence_months", "past_companies", "timezone"}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Today's focus (picked on the first visit of the day if the job has not yet),
    the top dormant ties to reconnect with, the week's birthdays and anniversaries."""
    today = timezone.localdate()
    focus.focus_pick(owner_id=request.user.pk, today=today)
    context = reminder_selectors.dashboard_context(owner=request.user, today=today)
    context["reconnect"], context["reconnect_more"] = contact_selectors.reconnect_list(
        owner=request.user,
        today=today,
        limit=RECONNECT_ON_DASHBOARD,
        exclude_ids={r.contact_id for r in context["focus"].items},
    )
    context.update(source_selectors.review_context(owner=request.user, today=today))  # to review (#16)
    context["goal_progress"] = goal_selectors.goal_progress_list(
        owner=request.user, today=today, history=False
    )
    return render(request, "crm/dashboard.html", context)


@login_required
@require_POST
def focus_one_more(request: HttpRequest) -> HttpResponse:
    """ "One more": add the next person in rank order to today's focus."""
    if not focus.focus_one_more(owner_id=request.user.pk, today=timezone.localdate()):
        messages.info(request, "Nothing else is waiting today.")
    return redirect("dashboard")


def signup(request: HttpRequest) -> HttpResponse:
    if not settings.SIGNUP_ENABLED:
        raise Http404("Sign-up is turned off.")
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(
            request, user, backend="django.contrib.auth.backends.ModelBackend"
        )  # just created: no password check
        messages.success(request, "Welcome to Keepwarm! Set your time zone so reminders land on your days.")
        return redirect("settings")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def settings_view(request: HttpRequest) -> HttpResponse:
    profile = request.user.profile
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        if SCHEDULE_SETTINGS & set(form.changed_data):
            # Cadences and past companies change every contact's schedule and ranks: now, not at the next run.
            reminder_services.owner_schedule_refresh(owner_id=request.user.pk)
        messages.success(request, "Settings saved.")
        return redirect("settings")
    return render(
        request,
        "crm/settings.html",
        {
            "form": form,
            "profile": profile,
            "timezones": sorted(available_timezones()),
            "has_contacts": contact_selectors.has_contacts(owner=request.user),
        },
    )


@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    """Close the account: a page that says what goes (and offers the backup first), one confirmed POST."""
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        username = request.user.get_username()
        accounts.account_delete(request.user)
        logout(request)
        log.info("account deleted: %s", username)
        messages.success(request, "Your account and everything in it have been deleted.")
        return redirect("login")
    return render(
        request, "crm/account_delete.html", {"form": form, "size": accounts.account_size(request.user)}
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
    """ok / not ok for everyone; with a staff login or HEALTHZ_TOKEN, the database and
    broker state and when each periodic job last finished (crm.security)."""
    database = _database_state()
    broker = _broker_state()
    ok = database["ok"] and broker["ok"]
    status = 200 if ok else 503
    if not healthz_details_allowed(request):
        return JsonResponse({"status": "ok" if ok else "error"}, status=status)
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
    return JsonResponse(
        {"status": "ok" if ok else "error", "database": database, "broker": broker, "jobs": jobs},
        status=status,
    )
