"""Settings › Calendar & mailbox, and the dashboard's review actions. Every object is
looked up with the signed-in owner: another user's id is a 404."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from crm.querystring import safe_next

from . import found, selectors, services
from .forms import CalendarAddForm, CalendarUpdateForm, MailboxForm
from .mailrules import address_key
from .models import CalendarSource, FoundEvent, FoundMail, MailboxSource
from .tasks import sources_sync_batch_task


def _sync_soon(request: HttpRequest) -> None:
    """Read the user's sources in the background once this request's writes are committed."""
    transaction.on_commit(partial(sources_sync_batch_task.delay, [request.user.pk]))


def _settings_page(
    request: HttpRequest, *, add_form: CalendarAddForm | None = None, status: int = 200
) -> HttpResponse:
    context = selectors.sources_for_settings(owner=request.user)
    context["add_form"] = add_form or CalendarAddForm()
    return render(request, "sources/settings.html", context, status=status)


@login_required
def sources_settings(request: HttpRequest) -> HttpResponse:
    return _settings_page(request)


@login_required
@require_POST
def calendar_add(request: HttpRequest) -> HttpResponse:
    form = CalendarAddForm(request.POST, request.FILES)
    if not form.is_valid():
        return _settings_page(request, add_form=form)
    data = form.cleaned_data
    services.calendar_source_add(
        owner=request.user,
        url=data["url"],
        file=data["file"],
        name=data["name"],
        ask_first=data["ask_first"],
        store_description=data["store_description"],
    )
    _sync_soon(request)
    messages.success(request, "Calendar added: its past meetings with your contacts are being read.")
    return redirect("sources:settings")


@login_required
@require_POST
def calendar_update(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(CalendarSource, pk=pk, owner=request.user)
    form = CalendarUpdateForm(request.POST, instance=source)
    if form.is_valid():
        form.save()
        messages.success(request, "Calendar saved.")
    else:
        messages.error(
            request, "That did not save: " + "; ".join(e for errs in form.errors.values() for e in errs)
        )
    return redirect("sources:settings")


@login_required
@require_POST
def calendar_delete(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(CalendarSource, pk=pk, owner=request.user)
    services.calendar_source_delete(source=source)
    messages.success(request, "Calendar removed. What it logged stays in your timeline.")
    return redirect("sources:settings")


@login_required
@require_POST
def sync_now(request: HttpRequest) -> HttpResponse:
    _sync_soon(request)
    messages.info(request, "Reading your calendars and mailboxes now; refresh in a minute.")
    return redirect("sources:settings")


def _mailbox_page(request: HttpRequest, source: MailboxSource) -> HttpResponse:
    form = MailboxForm(request.POST or None, instance=source)
    if request.method == "POST" and form.is_valid():
        services.mailbox_source_save(source=form.save(commit=False), password=form.cleaned_data["password"])
        _sync_soon(request)
        messages.success(request, "Mailbox saved: its headers are being read.")
        return redirect("sources:settings")
    return render(request, "sources/mailbox_form.html", {"form": form, "source": source})


@login_required
def mailbox_add(request: HttpRequest) -> HttpResponse:
    return _mailbox_page(request, MailboxSource(owner=request.user))


@login_required
def mailbox_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _mailbox_page(request, get_object_or_404(MailboxSource, pk=pk, owner=request.user))


@login_required
@require_POST
def mailbox_delete(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(MailboxSource, pk=pk, owner=request.user)
    services.mailbox_source_delete(source=source)
    messages.success(
        request, "Mailbox removed, with its stored password. What it logged stays in your timeline."
    )
    return redirect("sources:settings")


def _review(request: HttpRequest, item: FoundEvent | FoundMail) -> HttpResponse:
    action = request.POST.get("action", "")
    back = safe_next(request, "/")
    if action == "accept":
        if found.found_accept(owner=request.user, item=item, today=timezone.localdate()):
            messages.success(request, "Logged.")
    elif action == "ignore":
        found.found_ignore(owner=request.user, item=item)
    elif action == "always":
        address = address_key(request.POST.get("address", ""))
        if address not in item.addresses:
            messages.error(request, "Choose one of this item's addresses to ignore.")
            return redirect(back)
        found.address_ignore(owner=request.user, email=address)
        found.found_ignore(owner=request.user, item=item)
        messages.success(request, f"{address} will be ignored from now on.")
    else:
        messages.error(request, "Unknown action.")
    return redirect(back)


@login_required
@require_POST
def review_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    return _review(request, get_object_or_404(FoundEvent, pk=pk, owner=request.user))


@login_required
@require_POST
def review_email(request: HttpRequest, pk: int) -> HttpResponse:
    return _review(request, get_object_or_404(FoundMail, pk=pk, owner=request.user))


@login_required
@require_POST
def suggestion(request: HttpRequest) -> HttpResponse:
    """Add a suggested address as a contact (then edit it), or ignore it for good."""
    email = address_key(request.POST.get("email", ""))
    known = {
        row["email"]
        for row in selectors.suggestions(owner=request.user, today=timezone.localdate(), limit=50)
    }
    if email not in known:
        messages.error(request, "That address is not among your suggestions any more.")
        return redirect(safe_next(request, "/"))
    if request.POST.get("action") == "add":
        contact = services.suggestion_contact_create(owner=request.user, email=email)
        messages.success(request, f"{contact.full_name} added: complete their details.")
        return redirect("contacts:edit", contact.pk)
    found.address_ignore(owner=request.user, email=email)
    messages.success(request, f"{email} will not be suggested again.")
    return redirect(safe_next(request, "/"))
