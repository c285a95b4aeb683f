"""Message templates (/templates/) and compose (/contacts/<id>/compose/), owner-scoped."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from crm.querystring import plain_int, query_text, safe_next

from . import rules, selectors, services
from .forms import ComposeForm, TemplateForm


def _report_unknown(request: HttpRequest, template) -> None:
    """After a save: the brace groups that are no placeholder, said once (they stay as typed)."""
    texts = (template.subject, template.greeting, template.context, template.intent, template.closing)
    unknown, _ = rules.merge_reports(*(rules.fill(text, {}) for text in texts))
    if unknown:
        messages.warning(
            request,
            "Unknown placeholder " + ", ".join(unknown) + ": it stays in the message as typed.",
        )


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    templates = services.templates_for_owner(owner=request.user)
    return render(
        request,
        "messaging/template_list.html",
        {
            "templates": [t for t in templates if not t.hidden],
            "hidden": [t for t in templates if t.hidden],
            "placeholders": rules.PLACEHOLDERS,
        },
    )


@login_required
def template_create(request: HttpRequest) -> HttpResponse:
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        template = services.template_create(owner=request.user, fields=form.cleaned_data)
        messages.success(request, f"Template “{template.name}” added.")
        _report_unknown(request, template)
        return redirect("messaging:templates")
    return render(
        request,
        "messaging/template_form.html",
        {"form": form, "template": None, "placeholders": rules.PLACEHOLDERS},
    )


@login_required
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.template_get_for_user(owner=request.user, pk=pk)
    form = TemplateForm(request.POST or None, instance=copy.copy(template))
    if request.method == "POST" and form.is_valid():
        services.template_update(template=template, fields=form.cleaned_data)
        messages.success(request, f"Template “{template.name}” saved.")
        _report_unknown(request, template)
        return redirect("messaging:templates")
    return render(
        request,
        "messaging/template_form.html",
        {"form": form, "template": template, "placeholders": rules.PLACEHOLDERS},
    )


@login_required
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.template_get_for_user(owner=request.user, pk=pk)
    if request.method == "POST":
        services.template_delete(template=template)
        if template.is_builtin:
            messages.success(request, f"“{template.name}” hidden; “Restore” brings back the original.")
        else:
            messages.success(request, f"Template “{template.name}” deleted.")
        return redirect("messaging:templates")
    return render(request, "messaging/template_confirm_delete.html", {"template": template})


@login_required
@require_POST
def template_reset(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.template_get_for_user(owner=request.user, pk=pk)
    if not template.is_builtin:
        messages.error(request, "Only a built-in template has an original to go back to.")
    else:
        services.template_reset(template=template)
        messages.success(request, f"“{template.name}” is back to the original text.")
    return redirect(safe_next(request) or "messaging:templates")


@login_required
def compose(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the message for this contact, filled in and editable. POST ("Sent — log it"):
    log it as an email interaction, close the reminder it answers, go back to `next`."""
    today = timezone.localdate()
    contact = selectors.compose_contact(owner=request.user, pk=pk, today=today)
    source = request.POST if request.method == "POST" else request.GET
    reminder = selectors.compose_reminder(
        owner=request.user, contact=contact, pk=plain_int(source.get("reminder"), minimum=1)
    )
    back = safe_next(request)
    form = ComposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.message_sent_log(
            owner=request.user,
            contact=contact,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            reminder=reminder,
            today=today,
        )
        closed = " and closed the reminder" if reminder is not None else ""
        messages.success(request, f"Logged your email to {contact.full_name}{closed}.")
        return redirect(back or contact.get_absolute_url())
    message = selectors.compose(
        owner=request.user,
        contact=contact,
        reminder=reminder,
        templates=services.templates_for_owner(owner=request.user),
        slug=query_text(source, "template", max_length=60),
        today=today,
    )
    if request.method != "POST":
        form = ComposeForm(initial={"subject": message.subject, "body": message.body})
    return render(request, "messaging/compose.html", {"m": message, "form": form, "next": back})
