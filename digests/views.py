"""The digest in the browser, and the password-less links in the email.

Mail scanners follow links, so every GET only shows a page; the change happens on
a POST from its button (or, for unsubscribe, the mail client's RFC 8058 one-click
POST). A tampered or expired token gets a clear page with 400.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import emails, selectors, services, tokens


def _bad_link(request: HttpRequest, error: tokens.BadToken, *, what: str) -> HttpResponse:
    return render(
        request,
        "digests/digest_link_error.html",
        {"reason": str(error), "expired": error.expired, "what": what},
        status=400,
    )


@login_required
def digest_preview(request: HttpRequest) -> HttpResponse:
    """One's own digest as it would be sent today (the middleware made today local)."""
    digest = selectors.digest_context(user=request.user, today=timezone.localdate())
    subject, _text, html = emails.digest_render(digest=digest)
    return render(
        request, "digests/digest_preview.html", {"digest": digest, "subject": subject, "html": html}
    )


@require_http_methods(["GET", "POST"])
def digest_action(request: HttpRequest, token: str) -> HttpResponse:
    """GET: confirm page with a button. POST: mark the reminder done / snooze it a week."""
    try:
        action = tokens.action_token_read(token)
    except tokens.BadToken as error:
        return _bad_link(request, error, what="action")
    reminder = selectors.digest_action_reminder(user_id=action.user_id, reminder_id=action.reminder_id)
    if reminder is None:
        return _bad_link(request, tokens.BadToken("This reminder no longer exists."), what="action")
    context = {"reminder": reminder, "contact": reminder.contact, "action": action.action, "token": token}
    if request.method == "GET":
        return render(request, "digests/digest_action_confirm.html", context)
    changed = services.digest_action_apply(
        user_id=action.user_id, reminder_id=action.reminder_id, action=action.action, now=timezone.now()
    )
    reminder.refresh_from_db()
    return render(request, "digests/digest_action_done.html", {**context, "changed": changed})


@csrf_exempt  # RFC 8058: the mail client POSTs with no cookie and no CSRF token
@require_http_methods(["GET", "POST"])
def digest_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a confirm page (changes nothing). POST: digests off, no login needed."""
    try:
        user_id = tokens.unsubscribe_token_read(token)
    except tokens.BadToken as error:
        return _bad_link(request, error, what="unsubscribe")
    profile = selectors.digest_profile(user_id=user_id)
    if profile is None:
        return _bad_link(request, tokens.BadToken("This account no longer exists."), what="unsubscribe")
    if request.method == "GET":
        return render(
            request, "digests/digest_unsubscribe_confirm.html", {"profile": profile, "token": token}
        )
    services.digest_unsubscribe(user_id=user_id)
    return render(request, "digests/digest_unsubscribe_done.html", {"profile": profile})
