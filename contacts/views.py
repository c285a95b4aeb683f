"""Contact, interaction and tag pages. Every lookup goes through a selector that takes
request.user, so another user's object is a 404 everywhere."""

import copy
import json
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from crm.querystring import query_int, query_ints, query_text, safe_next
from reminders import selectors as reminder_selectors

from . import met, offers, selectors, services
from .duplicates import contacts_like
from .forms import (
    FOLLOW_UP_AFTER_FIRST_MEETING,
    BulkActionForm,
    ContactFilterForm,
    ContactForm,
    InteractionForm,
    LogInteractionForm,
    MetEventForm,
    MetPeopleFormSet,
    TagForm,
    contact_formsets,
)
from .models import Contact

# Beyond any real timeline; larger offsets overflow SQLite's integers.
MAX_OFFSET = 10_000_000


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _post_only(request: HttpRequest) -> HttpResponse | None:
    # Looked up first, then refused: a GET on another user's object is a 404 like a POST.
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return None


def _get_only(request: HttpRequest) -> HttpResponse | None:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return None


def _page_number(request: HttpRequest) -> int:
    return query_int(request.GET, "page", 1, minimum=1) or 1


# --- contacts list -------------------------------------------------------------


@login_required
@require_GET
@vary_on_headers("HX-Request")
def contact_list(request: HttpRequest) -> HttpResponse:
    tags = selectors.tag_choices(owner=request.user)
    filter_form = ContactFilterForm(request.GET or None, tags=tags)
    filters = filter_form.filters()
    page = selectors.contact_list(owner=request.user, filters=filters, page=_page_number(request))
    context = {
        "page": page,
        "filter_form": filter_form,
        "filters": filters,
        "tags": tags,
        "bulk_form": BulkActionForm(),
        "filtered": any(
            [
                filters.q,
                filters.relationship,
                filters.tie_strength,
                filters.network,
                filters.tag_id,
                filters.archived,
                filters.warmth,
                filters.cadence_within,
            ]
        ),
    }
    template = "contacts/_contact_table.html" if _is_htmx(request) else "contacts/contact_list.html"
    return render(request, template, context)


@login_required
@require_POST
def contact_bulk(request: HttpRequest) -> HttpResponse:
    """One endpoint for every bulk action; ids that are not the user's are ignored."""
    back = safe_next(request, reverse("contacts:list"))
    form = BulkActionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    action = form.cleaned_data["action"]
    count = services.contacts_bulk_update(
        owner=request.user, contact_ids=form.cleaned_data["ids"], action=action, value=form.value()
    )
    label = dict(form.fields["action"].choices)[action]
    value = form.value()
    detail = f" “{value}”" if isinstance(value, str) and value else ""
    if action == services.BulkAction.SET_CADENCE:
        detail = " (default)" if value is None else f" ({value} months)" if value else " (never)"
    messages.success(request, f"{label}{detail}: {count} contact{'s' if count != 1 else ''} updated.")
    return redirect(back)


@login_required
@require_GET
def contact_picker(request: HttpRequest) -> HttpResponse:
    """Search results for the people picker of the interaction form (htmx fragment)."""
    # The picker sends the people already chosen (its field, maybe prefixed) and,
    # on a contact's form, the contact itself ("exclude").
    exclude = query_ints(
        request.GET,
        [key for key in request.GET if key.endswith(("contacts", "introduced_by")) or key == "exclude"],
    )
    found = selectors.contact_search(
        owner=request.user, q=query_text(request.GET, "q", max_length=100), exclude_ids=exclude
    )
    return render(request, "contacts/_picker_results.html", {"found": found})


# --- one contact ----------------------------------------------------------------


def _interaction_form(*, request: HttpRequest, contact: Contact, first_meeting: bool) -> LogInteractionForm:
    today = timezone.localdate()
    initial = {"occurred_on": today, "contacts": [contact.pk], "kind": "coffee"}
    if first_meeting:
        # Follow up within 48 hours of meeting someone new.
        initial["follow_up_on"] = today + FOLLOW_UP_AFTER_FIRST_MEETING
    return LogInteractionForm(owner=request.user, initial=initial, prefix="log")


def _detail_context(request: HttpRequest, contact: Contact, *, form: InteractionForm | None = None) -> dict:
    """The contact page's panels. The log form is only rendered when it carries errors:
    otherwise the "Log interaction" button fetches it (htmx), which keeps the page light."""
    timeline, has_more = selectors.contact_timeline(contact=contact)
    return {
        "offers": offers.contact_offers(contact=contact, today=timezone.localdate()),
        "contact": contact,
        "cadence": selectors.contact_cadence(contact=contact, owner=request.user),
        **reminder_selectors.row_actions_context(timezone.localdate()),
        "timeline": timeline,
        "has_more": has_more,
        "next_offset": len(timeline),
        "reminders": selectors.contact_open_reminders(contact=contact),
        "form": form,
    }


@login_required
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_detail(owner=request.user, pk=pk)
    if refused := _get_only(request):
        return refused
    return render(request, "contacts/contact_detail.html", _detail_context(request, contact))


@login_required
def contact_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """More of the timeline ("show more"), as a fragment."""
    contact = selectors.contact_get_for_user(owner=request.user, pk=pk)
    if refused := _get_only(request):
        return refused
    offset = query_int(request.GET, "offset", 0, maximum=MAX_OFFSET)
    timeline, has_more = selectors.contact_timeline(contact=contact, offset=offset)
    return render(
        request,
        "contacts/_timeline_items.html",
        {
            "contact": contact,
            "timeline": timeline,
            "has_more": has_more,
            "next_offset": offset + len(timeline),
        },
    )


@login_required
def interaction_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Log an interaction from a contact's page: htmx swaps the panel, plain POST redirects."""
    contact = selectors.contact_get_for_user(owner=request.user, pk=pk)
    if request.method != "POST":
        first_meeting = not selectors.contact_had_interaction_before(contact=contact)
        form = _interaction_form(request=request, contact=contact, first_meeting=first_meeting)
        template = "contacts/_log_form.html" if _is_htmx(request) else "contacts/interaction_form.html"
        return render(request, template, {"form": form, "contact": contact})
    form = LogInteractionForm(request.POST, owner=request.user, prefix="log")
    if form.is_valid():
        _interaction, offered = services.interaction_create_with_offers(
            owner=request.user,
            contact_ids=[c.pk for c in form.cleaned_data["contacts"]],
            today=timezone.localdate(),
            offers=form.offers(),
            **form.interaction_fields(),
        )
        if not _is_htmx(request):
            noted = (
                f" Noted {len(offered)} offer{'s' if len(offered) != 1 else ''} in return." if offered else ""
            )
            messages.success(request, f"Interaction logged.{noted}")
            return redirect(safe_next(request, contact.get_absolute_url()))
        # The facts card (last talked, next check-in) and the reminders change too:
        # they ride along as out-of-band swaps.
        contact = selectors.contact_detail(owner=request.user, pk=pk)
        context = _detail_context(request, contact)
        context["logged"] = True
        context["oob"] = True
        return render(request, "contacts/_log_panel.html", context)
    if _is_htmx(request):
        return render(request, "contacts/_log_panel.html", _detail_context(request, contact, form=form))
    if request.POST.get("standalone"):
        return render(request, "contacts/interaction_form.html", {"form": form, "contact": contact})
    context = _detail_context(request, contact, form=form)
    return render(request, "contacts/contact_detail.html", context)


def _contact_form_page(request: HttpRequest, *, contact: Contact | None) -> HttpResponse:
    # The form writes cleaned values onto its instance; give it a copy so the service
    # still sees the stored values and can tell what changed (company, cadence...).
    instance = copy.copy(contact) if contact else Contact(owner=request.user)
    data = request.POST if request.method == "POST" else None
    form = ContactForm(data, instance=instance, owner=request.user)
    emails, phones = contact_formsets(data=data, instance=contact)
    valid = data is not None and form.is_valid() and emails.is_valid() and phones.is_valid()
    existing = []
    if valid and contact is None and data.get("confirm_duplicate") != "1":
        # Already in the list? Say so, and save nothing until "Add anyway" (an edit never asks).
        existing = contacts_like(
            owner=request.user,
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            emails=[handle.value for handle in emails.handles()],
            linkedin_url=form.cleaned_data["linkedin_url"],
        )
    if valid and not existing:
        fields = form.contact_fields()
        if contact is None:
            contact = services.contact_create(
                owner=request.user,
                fields=fields,
                emails=emails.handles(),
                phones=phones.handles(),
                tag_names=form.tag_names(),
            )
            messages.success(request, f"{contact.full_name} added.")
        else:
            services.contact_update(
                contact=contact,
                fields=fields,
                today=timezone.localdate(),
                emails=emails.handles(),
                phones=phones.handles(),
                tag_names=form.tag_names(),
            )
            messages.success(request, "Changes saved.")
        return redirect(contact)
    return render(
        request,
        "contacts/contact_form.html",
        {"form": form, "emails": emails, "phones": phones, "contact": contact, "existing": existing},
    )


@login_required
def contact_create(request: HttpRequest) -> HttpResponse:
    return _contact_form_page(request, contact=None)


@login_required
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get_for_user(owner=request.user, pk=pk)
    return _contact_form_page(request, contact=contact)


@login_required
def contact_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """Toggle archived (POST)."""
    contact = selectors.contact_get_for_user(owner=request.user, pk=pk)
    if refused := _post_only(request):
        return refused
    services.contact_set_archived(contact=contact, archived=not contact.archived)
    if contact.archived:
        messages.success(request, f"{contact.full_name} archived: no more reminders for them.")
    else:
        messages.success(request, f"{contact.full_name} is back in your active contacts.")
    return redirect(safe_next(request, contact.get_absolute_url()))


@login_required
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: a confirm page; POST: delete."""
    contact = selectors.contact_get_for_user(owner=request.user, pk=pk)
    if request.method == "POST":
        name = contact.full_name
        services.contact_delete(contact=contact)
        messages.success(request, f"{name} deleted.")
        return redirect("contacts:list")
    total, lonely = selectors.contact_interaction_counts(contact=contact)
    return render(
        request,
        "contacts/contact_confirm_delete.html",
        {"contact": contact, "interaction_count": lonely, "shared_count": total - lonely},
    )


# --- interactions ---------------------------------------------------------------


@login_required
def interaction_edit(request: HttpRequest, pk: int) -> HttpResponse:
    interaction = selectors.interaction_get_for_user(owner=request.user, pk=pk)
    people = list(interaction.contacts.all())
    back = safe_next(request, people[0].get_absolute_url() if people else reverse("contacts:list"))
    if request.method == "POST":
        form = InteractionForm(request.POST, instance=interaction, owner=request.user)
        if form.is_valid():
            services.interaction_update(
                interaction=interaction,
                fields=form.interaction_fields(),
                contact_ids=[c.pk for c in form.cleaned_data["contacts"]],
            )
            messages.success(request, "Interaction saved.")
            return redirect(back)
    else:
        form = InteractionForm(instance=interaction, owner=request.user)
    return render(
        request,
        "contacts/interaction_form.html",
        {"form": form, "interaction": interaction, "people": people, "back": back},
    )


@login_required
def interaction_delete(request: HttpRequest, pk: int) -> HttpResponse:
    interaction = selectors.interaction_get_for_user(owner=request.user, pk=pk)
    people = list(interaction.contacts.all())
    back = safe_next(request, people[0].get_absolute_url() if people else reverse("contacts:list"))
    if request.method == "POST":
        services.interaction_delete(interaction=interaction)
        messages.success(request, "Interaction deleted.")
        return redirect(back)
    return render(
        request,
        "contacts/interaction_confirm_delete.html",
        {"interaction": interaction, "people": people, "back": back},
    )


# --- offers ("give before you ask") ----------------------------------------------


def _offer_back(request: HttpRequest, offer) -> HttpResponse:
    return redirect(safe_next(request, offer.contact.get_absolute_url()))


def _offers_fragment(request: HttpRequest, contact: Contact) -> HttpResponse:
    context = {
        "contact": contact,
        "offers": offers.contact_offers(contact=contact, today=timezone.localdate()),
    }
    return render(request, "contacts/_offers.html", context)


@login_required
@require_POST
def offer_given(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark an offer given. htmx: the offers panel again, and an Undo toast (static/js/undo.js)."""
    offer = offers.offer_get_for_user(owner=request.user, pk=pk)
    services.offer_mark_given(offer=offer, today=timezone.localdate())
    message = f"Given: {offer.text}"
    if _is_htmx(request):
        response = _offers_fragment(request, offer.contact)
        undo = {"message": message, "url": reverse("contacts:offer_reopen", args=[offer.pk])}
        response["HX-Trigger"] = json.dumps({"kw-undo": undo})
        return response
    messages.success(request, message)
    return _offer_back(request, offer)


@login_required
@require_POST
def offer_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo "given": open again. htmx/fetch (the Undo toast): 204."""
    offer = offers.offer_get_for_user(owner=request.user, pk=pk)
    services.offer_reopen(offer=offer)
    if _is_htmx(request):
        return HttpResponse(status=204)
    messages.success(request, f"Open again: {offer.text}")
    return _offer_back(request, offer)


@login_required
@require_POST
def offer_delete(request: HttpRequest, pk: int) -> HttpResponse:
    offer = offers.offer_get_for_user(owner=request.user, pk=pk)
    contact = offer.contact
    services.offer_delete(offer=offer)
    if _is_htmx(request):
        return _offers_fragment(request, contact)
    messages.success(request, "Offer deleted.")
    return redirect(safe_next(request, contact.get_absolute_url()))


# --- met at an event -------------------------------------------------------------

MET_SESSION_KEY = "met_at_event"


@login_required
def met_at_event(request: HttpRequest) -> HttpResponse:
    """One form for an event and the people met there; saved all or nothing."""
    today = timezone.localdate()
    data = request.POST if request.method == "POST" else None
    event_form = MetEventForm(data, today=today, initial={"occurred_on": today})
    people = MetPeopleFormSet(data, prefix="people")
    if data is not None:
        event_ok = event_form.is_valid()
        if people.is_valid() and event_ok:
            result = met.contacts_met_at_event(
                owner=request.user,
                event=event_form.cleaned_data["event"],
                occurred_on=event_form.cleaned_data["occurred_on"],
                people=people.people(),
                today=today,
            )
            request.session[MET_SESSION_KEY] = result.as_session()
            return redirect("contacts:met_done")
    context = {"event_form": event_form, "people": people, "max_people": met.MAX_PEOPLE}
    return render(request, "contacts/met.html", context)


@login_required
@require_GET
def met_done(request: HttpRequest) -> HttpResponse:
    """Who was created and who matched, from the last "met at an event" save (this session)."""
    saved = request.session.get(MET_SESSION_KEY)
    if not isinstance(saved, dict) or not isinstance(saved.get("people"), list):
        return redirect("contacts:met")
    ids = [p["id"] for p in saved["people"] if isinstance(p, dict) and isinstance(p.get("id"), int)]
    found = Contact.objects.filter(owner=request.user, pk__in=ids).in_bulk()
    rows = [
        {"contact": found[p["id"]], "created": bool(p.get("created")), "typed": p.get("typed") or []}
        for p in saved["people"]
        if isinstance(p, dict) and p.get("id") in found
    ]
    context = {
        "event": saved.get("event", ""),
        "occurred_on": date.fromisoformat(saved["occurred_on"]),
        "follow_up_on": date.fromisoformat(saved["follow_up_on"]),
        "created": [r for r in rows if r["created"]],
        "matched": [r for r in rows if not r["created"]],
    }
    return render(request, "contacts/met_done.html", context)


# --- tags -----------------------------------------------------------------------


@login_required
def tag_list(request: HttpRequest) -> HttpResponse:
    """The user's tags with their cadence; POST creates one."""
    form = TagForm(request.POST or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        tag = services.tag_create(
            owner=request.user,
            name=form.cleaned_data["name"],
            checkin_cadence_months=form.cleaned_data["checkin_cadence_months"],
        )
        messages.success(request, f"Tag “{tag.name}” created.")
        return redirect("contacts:tags")
    return render(
        request, "contacts/tag_list.html", {"tags": selectors.tag_list(owner=request.user), "form": form}
    )


@login_required
def tag_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tag = selectors.tag_get_for_user(owner=request.user, pk=pk)
    form = TagForm(request.POST or None, instance=copy.copy(tag), owner=request.user)
    if request.method == "POST" and form.is_valid():
        services.tag_update(
            tag=tag,
            name=form.cleaned_data["name"],
            checkin_cadence_months=form.cleaned_data["checkin_cadence_months"],
        )
        messages.success(request, "Tag saved.")
        return redirect("contacts:tags")
    return render(request, "contacts/tag_form.html", {"form": form, "tag": tag})


@login_required
def tag_delete(request: HttpRequest, pk: int) -> HttpResponse:
    tag = selectors.tag_get_for_user(owner=request.user, pk=pk)
    if request.method == "POST":
        services.tag_delete(tag=tag)
        messages.success(request, f"Tag “{tag.name}” deleted; its contacts are kept.")
        return redirect("contacts:tags")
    return render(request, "contacts/tag_confirm_delete.html", {"tag": tag, "count": tag.contacts.count()})
