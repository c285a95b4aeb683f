"""/insights/ (tables rendered here, charts drawn by static/js/insights.js) and
/insights/data.json (the same numbers, which the charts fetch)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import selectors


@login_required
@require_GET
def insights_page(request: HttpRequest) -> HttpResponse:
    data = selectors.network_insights(owner=request.user, today=timezone.localdate())
    return render(request, "insights/page.html", {"data": data})


@login_required
@require_GET
def insights_data(request: HttpRequest) -> JsonResponse:
    data = selectors.network_insights(owner=request.user, today=timezone.localdate())
    response = JsonResponse(data)
    response["Cache-Control"] = "private, no-store"
    return response
