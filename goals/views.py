"""The goals page: progress, history and streaks, the form, one-click suggestions."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import GoalForm
from .suggestions import SUGGESTIONS, SUGGESTIONS_BY_SLUG


@login_required
def goal_list(request: HttpRequest) -> HttpResponse:
    """Each active goal's progress and history, paused goals, suggestions; POST sets a goal."""
    today = timezone.localdate()
    form = GoalForm(request.POST or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            goal = services.goal_create(
                owner=request.user,
                measure=data["measure"],
                kind=data["kind"],
                target=data["target"],
                period=data["period"],
                per_event=data["per_event"],
                today=today,
            )
        except services.GoalExists:
            messages.info(request, "You already have that goal.")
        else:
            messages.success(request, f"Goal set: {goal.title}.")
        return redirect("goals:list")
    goals = selectors.goal_list(owner=request.user)
    progress = selectors.goal_progress_list(owner=request.user, today=today)
    active_keys = {(g.measure, g.kind, g.period, g.per_event) for g in goals if not g.archived}
    suggestions = [(s, (s.measure, s.kind, s.period, s.per_event) in active_keys) for s in SUGGESTIONS]
    return render(
        request,
        "goals/goal_list.html",
        {
            "progress": progress,
            "paused": [g for g in goals if g.archived],
            "suggestions": suggestions,
            "form": form,
            "today": today,
        },
    )


@login_required
def goal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    goal = selectors.goal_get_for_user(owner=request.user, pk=pk)
    form = GoalForm(request.POST or None, instance=copy.copy(goal), owner=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.goal_update(
                goal=goal,
                measure=data["measure"],
                kind=data["kind"],
                target=data["target"],
                period=data["period"],
                per_event=data["per_event"],
                archived=data["archived"],
            )
        except services.GoalExists:
            form.add_error(None, "You already have that goal.")
        else:
            messages.success(request, f"Goal saved: {goal.title}.")
            return redirect("goals:list")
    return render(request, "goals/goal_form.html", {"form": form, "goal": goal})


@login_required
def goal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    goal = selectors.goal_get_for_user(owner=request.user, pk=pk)
    if request.method == "POST":
        services.goal_delete(goal=goal)
        messages.success(request, f"Goal deleted: {goal.title}.")
        return redirect("goals:list")
    return render(request, "goals/goal_confirm_delete.html", {"goal": goal})


@login_required
@require_POST
def suggestion_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Add a built-in suggestion; a second click (or a second tab) adds nothing."""
    suggestion = SUGGESTIONS_BY_SLUG.get(slug)
    if suggestion is None:
        raise Http404("No such suggestion.")
    goal, created = services.suggestion_add(
        owner=request.user, suggestion=suggestion, today=timezone.localdate()
    )
    if created:
        messages.success(request, f"Goal set: {goal.title}.")
    else:
        messages.info(request, f"You already have this goal: {goal.title}.")
    return redirect("goals:list")
