"""The reminders page and the htmx actions on one reminder (POST only, owner-scoped)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import condition, require_GET, require_POST

from contacts import services as contact_services
from crm.querystring import safe_next

from . import calendar, selectors, services
from .forms import DoneLogForm, SnoozeForm
from .models import Reminder


def _cursor(section: str, text: str | None) -> selectors.Cursor | None:
    return selectors.Cursor.parse(text, 3 if section == "upcoming" else 1)


@login_required
def reminder_list(request: HttpRequest) -> HttpResponse:
    """A window of each section; `?overdue_after=<cursor>` (and `today_after`,
    `upcoming_after`) starts a section after a row: "Show more" without JS."""
    after = {section: _cursor(section, request.GET.get(f"{section}_after")) for section in selectors.SECTIONS}
    context = selectors.reminder_page_context(owner=request.user, today=timezone.localdate(), after=after)
    context["next_url"] = request.get_full_path()
    return render(request, "reminders/reminder_list.html", context)


@login_required
@require_GET
def reminder_more(request: HttpRequest, section: str) -> HttpResponse:
    """ "Show more" by htmx: the next rows of a section after `after`, and the new button
    (out of band). Without htmx, the reminders page that starts there."""
    if section not in selectors.SECTIONS:
        raise Http404("No such section.")
    after = _cursor(section, request.GET.get("after"))
    page = reverse("reminders:list")
    page_there = f"{page}?{section}_after={after}" if after else page
    if not _is_htmx(request):
        return redirect(f"{page_there}#{section}-title")
    if after is None:  # htmx asks for the rows after a row: without one they would repeat the page's
        return HttpResponseBadRequest("Which row should more start after?")
    context = selectors.reminder_more_context(
        owner=request.user, today=timezone.localdate(), section=section, after=after
    )
    # A row's actions bring the user (without JS) back to the page that shows it.
    context["next_url"] = page_there
    return render(request, "reminders/_more.html", context)


def _owned(request: HttpRequest, pk: int) -> Reminder:
    # Another user's reminder is a 404, never a 403 that confirms it exists.
    return get_object_or_404(Reminder.objects.select_related("contact"), pk=pk, owner=request.user)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _gone(request: HttpRequest, message: str, reminder: Reminder) -> HttpResponse:
    """htmx: an empty body replaces the row, and the page shows a toast with Undo
    (static/js/undo.js, on the `kw-undo` event); otherwise back where the user was."""
    if _is_htmx(request):
        response = HttpResponse("")
        undo = {"message": message, "url": reverse("reminders:reopen", args=[reminder.pk])}
        response["HX-Trigger"] = json.dumps({"reminders-changed": True, "kw-undo": undo})
        return response
    messages.success(request, message)
    return _back(request)


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the page the form came from (`next`, same host only), else the reminders page."""
    return redirect(safe_next(request) or "reminders:list")


def _row_with_errors(request: HttpRequest, reminder: Reminder, error: str) -> HttpResponse:
    today = timezone.localdate()
    if _is_htmx(request):
        (row,) = selectors.reminder_with_why([reminder], today)
        context = {"r": row, "row_error": error, **selectors.row_actions_context(today)}
        return render(request, "reminders/_reminder_row.html", context)
    messages.error(request, error)
    return redirect("reminders:list")


@login_required
@require_POST
def reminder_done(request: HttpRequest, pk: int) -> HttpResponse:
    reminder = _owned(request, pk)
    services.reminder_done(reminder=reminder, today=timezone.localdate())
    return _gone(request, f"Done: {reminder.contact.full_name}.", reminder)


@login_required
@require_POST
def reminder_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    reminder = _owned(request, pk)
    services.reminder_dismiss(reminder=reminder, today=timezone.localdate())
    return _gone(request, f"Dismissed: {reminder.contact.full_name}.", reminder)


@login_required
@require_POST
def reminder_snooze(request: HttpRequest, pk: int) -> HttpResponse:
    reminder = _owned(request, pk)
    today = timezone.localdate()
    form = SnoozeForm(request.POST, today=today)
    if not form.is_valid():
        return _row_with_errors(request, reminder, " ".join(form.errors.get("until", ["Pick a date."])))
    until = form.cleaned_data["until"]
    services.reminder_snooze(reminder=reminder, until=until, today=today)
    return _gone(request, f"Snoozed until {until.day} {until:%b}: {reminder.contact.full_name}.", reminder)


@login_required
@require_POST
def reminder_done_and_log(request: HttpRequest, pk: int) -> HttpResponse:
    reminder = _owned(request, pk)
    form = DoneLogForm(request.POST)
    if not form.is_valid():
        return _row_with_errors(request, reminder, "Choose what kind of interaction it was.")
    contact_services.reminder_done_and_log(
        reminder=reminder,
        user=request.user,
        kind=form.cleaned_data["kind"],
        summary=form.cleaned_data["summary"],
        today=timezone.localdate(),
    )
    return _gone(request, f"Done and logged: {reminder.contact.full_name}.", reminder)


@login_required
@require_POST
def reminder_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo: the reminder is open again. htmx/fetch: 204; otherwise back where the user was."""
    reminder = _owned(request, pk)
    services.reminder_reopen(reminder=reminder)
    if _is_htmx(request):
        return HttpResponse(status=204)
    messages.success(request, f"Reopened: {reminder.contact.full_name}.")
    return _back(request)


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: the token is the only credential, a wrong one is a 404 (not counted).

    Then the token's fetch is counted (429 beyond the limit), and the feed answers
    304 when the client's ETag / Last-Modified still hold (reminders/calendar.py).
    """
    profile = calendar.calendar_feed_profile(token)
    if profile is None:
        raise Http404("No such calendar.")
    wait = calendar.calendar_feed_throttle(token)
    if wait is not None:
        response = HttpResponse(
            "Too many fetches of this calendar; try again later.\n",
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(wait)
        return response
    response = _calendar_feed_answer(request, calendar.calendar_feed_state(profile))
    response["Cache-Control"] = calendar.FEED_CACHE_CONTROL
    return response


@condition(
    etag_func=lambda request, state: state.validator,
    last_modified_func=lambda request, state: state.last_modified,
)
def _calendar_feed_answer(request: HttpRequest, state: calendar.FeedState) -> HttpResponse:
    """Only reached when the client's copy is stale: `condition` answers 304 otherwise."""
    response = HttpResponse(calendar.calendar_feed_body(state), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="keepwarm.ics"'
    return response


@login_required
@require_POST
def calendar_regenerate(request: HttpRequest) -> HttpResponse:
    services.calendar_token_regenerate(user=request.user)
    messages.success(request, "New calendar address created; the old one no longer works.")
    return redirect("settings")
