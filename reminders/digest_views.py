"""The digest in the browser, and the password-less links in the email.

Mail scanners follow links, so every GET only shows a page; the change happens on
a POST from its button. A tampered or expired token gets a clear page with 400.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from crm.models import DigestFrequency, Profile

from . import digests, emails, signing
from .models import Reminder


def _bad_link(request: HttpRequest, error: signing.BadToken, *, what: str) -> HttpResponse:
    return render(
        request,
        "reminders/digest_link_error.html",
        {"reason": str(error), "expired": error.expired, "what": what},
        status=400,
    )


@login_required
def digest_preview(request: HttpRequest) -> HttpResponse:
    """One's own digest as it would be sent today (the middleware made today local)."""
    digest = digests.digest_context(user=request.user, today=timezone.localdate())
    subject, _text, html = emails.digest_render(digest=digest)
    return render(
        request, "reminders/digest_preview.html", {"digest": digest, "subject": subject, "html": html}
    )


def _user_today(user_id: int):
    profile = Profile.objects.filter(user_id=user_id).first()
    if profile is None:
        return timezone.localdate()
    return digests.local_today(profile=profile, now=timezone.now())


@require_http_methods(["GET", "POST"])
def digest_action(request: HttpRequest, token: str) -> HttpResponse:
    """GET: confirm page with a button. POST: mark the reminder done / snooze it a week."""
    try:
        action = signing.action_token_read(token)
    except signing.BadToken as error:
        return _bad_link(request, error, what="action")
    reminder = (
        Reminder.objects.select_related("contact")
        .filter(pk=action.reminder_id, owner_id=action.user_id)
        .first()
    )
    if reminder is None:
        return _bad_link(request, signing.BadToken("This reminder no longer exists."), what="action")
    context = {"reminder": reminder, "contact": reminder.contact, "action": action.action, "token": token}
    if request.method == "GET":
        return render(request, "reminders/digest_action_confirm.html", context)
    today = _user_today(action.user_id)
    changed = digests.digest_action_apply(
        user_id=action.user_id, reminder_id=action.reminder_id, action=action.action, today=today
    )
    reminder.refresh_from_db()
    return render(request, "reminders/digest_action_done.html", {**context, "changed": changed})


@csrf_exempt  # RFC 8058: the mail client POSTs with no cookie and no CSRF token
@require_http_methods(["GET", "POST"])
def digest_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a confirm page (changes nothing). POST: digests off, no login needed."""
    try:
        user_id = signing.unsubscribe_token_read(token)
    except signing.BadToken as error:
        return _bad_link(request, error, what="unsubscribe")
    profile = Profile.objects.select_related("user").filter(user_id=user_id).first()
    if profile is None:
        return _bad_link(request, signing.BadToken("This account no longer exists."), what="unsubscribe")
    if request.method == "GET":
        return render(
            request, "reminders/digest_unsubscribe_confirm.html", {"profile": profile, "token": token}
        )
    Profile.objects.filter(pk=profile.pk).update(digest_frequency=DigestFrequency.OFF)
    return render(request, "reminders/digest_unsubscribe_done.html", {"profile": profile})
