"""Duplicates page, "not a duplicate", and the merge of one pair (scoped to request.user)."""

import calendar
import json
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from contacts.duplicates import (
    contact_merge,
    created_by_import,
    duplicate_pairs_for_owner,
    merge_differences,
    not_duplicate_mark,
    not_duplicate_unmark,
)
from contacts.models import Contact
from crm.querystring import MAX_INT


@login_required
def duplicate_list(request: HttpRequest) -> HttpResponse:
    pairs = duplicate_pairs_for_owner(owner=request.user)
    return render(request, "contacts/duplicates.html", {"pairs": pairs})


def _pair_names(request: HttpRequest, pk: int, other_pk: int) -> str:
    """'Ada Lovelace and Ada King' for two of the user's contacts; 404 otherwise."""
    if pk == other_pk:
        raise Http404("A pair needs two different contacts.")
    if max(pk, other_pk) > MAX_INT:  # <int:> takes any length; no id is that big
        raise Http404("No such pair.")
    people = list(
        Contact.objects.filter(owner=request.user, pk__in=(pk, other_pk)).only("first_name", "last_name")
    )
    if len(people) != 2:
        raise Http404("No such pair.")
    return " and ".join(sorted(p.full_name for p in people))


@login_required
@require_POST
def duplicate_not(request: HttpRequest, pk: int, other_pk: int) -> HttpResponse:
    """Remember that two contacts are different people: the pair is never suggested again.

    htmx: an empty answer (the row goes) and a `kw-undo` toast; without JS, back to the list.
    """
    names = _pair_names(request, pk, other_pk)
    not_duplicate_mark(owner=request.user, a_id=pk, b_id=other_pk)
    said = f"{names}: two different people, not suggested again."
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse("")
        undo = {"message": said, "url": reverse("contacts:duplicate_not_undo", args=[pk, other_pk])}
        response["HX-Trigger"] = json.dumps({"kw-undo": undo})
        return response
    messages.success(request, said)
    return redirect("contacts:duplicates")


@login_required
@require_POST
def duplicate_not_undo(request: HttpRequest, pk: int, other_pk: int) -> HttpResponse:
    """Forget a "not a duplicate": the pair may be suggested again."""
    names = _pair_names(request, pk, other_pk)
    not_duplicate_unmark(owner=request.user, a_id=pk, b_id=other_pk)
    if request.headers.get("HX-Request") == "true":
        return HttpResponse("")
    messages.success(request, f"{names} may be suggested as duplicates again.")
    return redirect("contacts:duplicates")


@login_required
@require_http_methods(["GET", "POST"])
def duplicate_merge(request: HttpRequest, pk: int, other_pk: int) -> HttpResponse:
    if pk == other_pk:
        raise Http404("A contact cannot be merged with itself.")
    survivor = get_object_or_404(Contact, pk=pk, owner=request.user)
    other = get_object_or_404(Contact, pk=other_pk, owner=request.user)
    differences = merge_differences(survivor, other)
    imported = {c.pk for c in (survivor, other) if created_by_import(c)}
    if request.method == "POST":
        allowed = {"survivor", "other", "both"}
        picks = {row["name"]: request.POST.get(row["name"], row["pick"]) for row in differences}
        picks = {name: pick if pick in allowed else "survivor" for name, pick in picks.items()}
        merged = contact_merge(owner=request.user, survivor_id=survivor.pk, other_id=other.pk, picks=picks)
        messages.success(request, f"Merged the two records into {merged.full_name}.")
        return redirect(merged.get_absolute_url())
    intro_ids = [
        row[k] for row in differences if row["name"] == "introduced_by_id" for k in ("survivor", "other")
    ]
    names = {
        c.pk: c.full_name
        for c in Contact.objects.filter(owner=request.user, pk__in=[i for i in intro_ids if i])
    }
    for row in differences:
        for side in ("survivor", "other"):
            row[f"{side}_display"] = _display(row["name"], row[side], names)
    counts = {
        c.pk: {
            "interactions": c.interactions.count(),
            "reminders": c.reminders.count(),
            "emails": [e.value for e in c.emails.all()],
            "phones": [p.value for p in c.phones.all()],
            "tags": [t.name for t in c.tags.all()],
        }
        for c in (survivor, other)
    }
    return render(
        request,
        "contacts/duplicate_merge.html",
        {
            "survivor": survivor,
            "other": other,
            "differences": differences,
            "counts": counts,
            "survivor_imported": survivor.pk in imported,
            "other_imported": other.pk in imported,
        },
    )


def _display(name: str, value: object, names: dict[int, str]) -> str:
    """A field's value as the rest of the app writes it: labels, not codes; "2 Dec 1988"."""
    if value in (None, "", (None, None, None)):
        return "—"
    if name == "birthday":
        month, day, year = value
        return f"{day} {calendar.month_abbr[month]}" + (f" {year}" if year else "")
    if name == "introduced_by_id":
        return names.get(value, "—")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return f"{value.day} {value:%b %Y}"
    field = Contact._meta.get_field(name) if name in _FIELD_NAMES else None
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


_FIELD_NAMES = {field.name for field in Contact._meta.get_fields()}
