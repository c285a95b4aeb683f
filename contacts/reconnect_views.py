"""/reconnect/: dormant ties worth reviving, ranked by evidence, with their actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from crm.querystring import safe_next
from reminders import rules

from . import selectors, services
from .views import _is_htmx, _page_number

SNOOZE_MONTHS = 3
NOT_NOW_MONTHS = 12


@login_required
@require_GET
def reconnect_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    page = _page_number(request)
    per_page = selectors.RECONNECT_PAGE
    rows, has_more = selectors.reconnect_list(
        owner=request.user, today=today, limit=per_page, offset=(page - 1) * per_page
    )
    return render(
        request,
        "contacts/reconnect.html",
        {
            "suggestions": rows,
            "has_more": has_more,
            "page_number": page,
            "first_rank": (page - 1) * per_page + 1,
            "dormant_months": request.user.profile.dormant_months,
            "today": today,
        },
    )


def _hide(request: HttpRequest, pk: int, *, months: int, said: str) -> HttpResponse:
    contact = selectors.contact_get_for_user(owner=request.user, pk=pk)
    until = rules.next_check_in(timezone.localdate(), months)
    services.reconnect_hide(contact=contact, until=until)
    if _is_htmx(request):
        return HttpResponse("")
    messages.success(request, f"{contact.full_name}: {said} until {until:%-d %b %Y}.")
    return redirect(safe_next(request, "/reconnect/"))


@login_required
@require_POST
def reconnect_snooze(request: HttpRequest, pk: int) -> HttpResponse:
    return _hide(request, pk, months=SNOOZE_MONTHS, said="snoozed")


@login_required
@require_POST
def reconnect_not_now(request: HttpRequest, pk: int) -> HttpResponse:
    return _hide(request, pk, months=NOT_NOW_MONTHS, said="hidden from reconnect")
