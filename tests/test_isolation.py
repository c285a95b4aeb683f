"""Isolation matrix: every URL pattern that takes an object id, as bob, on alice's objects.

The patterns are discovered from the URLconf (get_resolver(), recursively), so a
view added later is covered automatically, provided the test knows which object its
id names: register it in URL_FACTORIES / PREFIX_FACTORIES / KWARG_FACTORIES, or the
test fails and says so.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from contacts.models import ImportJob, Offer
from contacts.tests.factories import make_contact, make_interaction, make_reminder, make_tag

# Namespaces left out, with the reason.
SKIPPED_NAMESPACES = {
    "admin": "Django's admin: object ids are path segments and non-staff users never get past the login",
}


def contact_of(owner):
    return make_contact(owner=owner, emails=["alice.contact@example.org"])


def interaction_of(owner):
    return make_interaction(contact=make_contact(owner=owner))


def reminder_of(owner):
    return make_reminder(contact=make_contact(owner=owner))


def tag_of(owner):
    return make_tag(owner=owner)


def offer_of(owner):
    contact = make_contact(owner=owner)
    return Offer.objects.create(
        owner=owner, contact=contact, text="Intro to a designer", created_on="2026-10-01"
    )


def message_template_of(owner):
    from messaging.services import template_create

    return template_create(owner=owner, fields={"name": "Alice's template"})


def goal_of(owner):
    from goals.models import Goal

    # One active goal per thing counted: the fuzz sweeps ask for one per example.
    return Goal.objects.get_or_create(
        owner=owner,
        measure="interactions",
        kind="coffee",
        period="week",
        archived=False,
        defaults={"target": 1},
    )[0]


def calendar_source_of(owner):
    from sources.models import CalendarSource

    return CalendarSource.objects.create(owner=owner, url="https://calendar.example.org/alice.ics")


def mailbox_source_of(owner):
    from sources.models import MailboxSource

    return MailboxSource.objects.create(owner=owner, host="imap.example.org", username="alice")


def found_event_of(owner):
    from sources.models import FoundEvent

    return FoundEvent.objects.create(
        owner=owner, source=calendar_source_of(owner), uid="u", occurred_on="2026-10-01", status="pending"
    )


def found_mail_of(owner):
    from sources.models import FoundMail

    return FoundMail.objects.create(
        owner=owner, contact=make_contact(owner=owner), day="2026-10-01", status="pending"
    )


def import_job_of(owner):
    job = ImportJob(owner=owner, original_name="alice.csv", format="csv")
    job.file.save(
        "alice.csv", ContentFile(b"First Name,Last Name,Email\nAda,Lovelace,ada@example.org\n"), save=True
    )
    return job


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Import jobs write their uploaded file: keep it out of var/media."""
    settings.MEDIA_ROOT = tmp_path


Factory = Callable[..., object]

# Exact URL name -> factory of the object its `pk` names.
URL_FACTORIES: dict[str, Factory] = {
    "contacts:detail": contact_of,
    "contacts:edit": contact_of,
    "contacts:archive": contact_of,
    "contacts:delete": contact_of,
    "contacts:timeline": contact_of,
    "contacts:interaction_create": contact_of,
    "contacts:interaction_edit": interaction_of,
    "contacts:interaction_delete": interaction_of,
    "contacts:tag_edit": tag_of,
    "contacts:tag_delete": tag_of,
    # pk and other_pk: a pair of contacts (other_pk via KWARG_FACTORIES).
    "contacts:duplicate_merge": contact_of,
    "contacts:duplicate_not": contact_of,
    "contacts:duplicate_not_undo": contact_of,
    "messaging:compose": contact_of,
}
# URL name prefix -> factory for `pk` (the first matching prefix wins, longest first).
PREFIX_FACTORIES: dict[str, Factory] = {
    "contacts:interaction": interaction_of,
    "contacts:tag": tag_of,
    "contacts:offer": offer_of,
    "contacts:import": import_job_of,
    "contacts:job": import_job_of,
    "contacts:duplicate": contact_of,
    "contacts:merge": contact_of,
    "contacts:contact": contact_of,
    "reminders:": reminder_of,
    "reconnect:": contact_of,
    "messaging:template_": message_template_of,
    "goals:": goal_of,
    "sources:calendar_": calendar_source_of,
    "sources:mailbox_": mailbox_source_of,
    "sources:review_meeting": found_event_of,
    "sources:review_email": found_mail_of,
}
# Fallback by keyword name, whatever the URL.
KWARG_FACTORIES: dict[str, Factory] = {
    "contact_id": contact_of,
    "other_id": contact_of,
    "other_pk": contact_of,
    "interaction_id": interaction_of,
    "reminder_id": reminder_of,
    "job_id": import_job_of,
    "tag_id": tag_of,
}


# Sample values for the non-id parts of a URL (anonymous test only).
STR_SAMPLES = {"fmt": "csv", "format": "csv", "token": "not-a-token"}


@dataclass(frozen=True)
class Route:
    name: str | None
    route: str
    int_kwargs: tuple[str, ...]
    other_kwargs: tuple[str, ...] = ()


def _walk(resolver: URLResolver, prefix: str = "", namespace: str | None = None) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            if ns in SKIPPED_NAMESPACES:
                continue
            yield from _walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            converters = getattr(entry.pattern, "converters", {})
            ints = tuple(sorted(k for k, c in converters.items() if type(c).__name__ == "IntConverter"))
            others = tuple(sorted(k for k in converters if k not in ints))
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield Route(name=name, route=prefix + str(entry.pattern), int_kwargs=ints, other_kwargs=others)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver()))


def id_routes() -> list[Route]:
    return [r for r in all_routes() if r.int_kwargs]


def factory_for(route: Route, kwarg: str) -> Factory:
    if kwarg in KWARG_FACTORIES:
        return KWARG_FACTORIES[kwarg]
    if kwarg == "pk" and route.name:
        if route.name in URL_FACTORIES:
            return URL_FACTORIES[route.name]
        for prefix in sorted(PREFIX_FACTORIES, key=len, reverse=True):
            if route.name.startswith(prefix):
                return PREFIX_FACTORIES[prefix]
    pytest.fail(
        f"tests/test_isolation.py does not know which object the id `{kwarg}` of URL "
        f"{route.route!r} (name {route.name!r}) refers to: register it in URL_FACTORIES, "
        f"PREFIX_FACTORIES or KWARG_FACTORIES so its isolation is tested."
    )


def test_the_matrix_sees_the_known_id_urls():
    names = {r.name for r in id_routes()}
    assert set(URL_FACTORIES) <= names


def test_every_id_url_is_named():
    unnamed = [r.route for r in id_routes() if not r.name]
    assert not unnamed, f"name these URL patterns so the isolation matrix can reverse them: {unnamed}"


@pytest.mark.parametrize("route", id_routes(), ids=lambda r: r.name or r.route)
def test_bob_gets_404_for_each_of_alices_objects(route, alice, bob, client):
    kwargs = {kwarg: factory_for(route, kwarg)(alice).pk for kwarg in route.int_kwargs}
    url = reverse(route.name, kwargs=kwargs)

    owner = Client()
    owner.force_login(alice)
    own = owner.get(url)
    # The matrix proves something only if the URL reaches the object for its owner.
    assert own.status_code != 404 and own.status_code < 500, f"alice GET {url} -> {own.status_code}"

    client.force_login(bob)
    missing = reverse(route.name, kwargs=dict.fromkeys(route.int_kwargs, 987654))
    # A POST-only view may answer a GET with 405 before any lookup; that is fine as
    # long as it says the same for an id that does not exist (nothing is revealed).
    get_status = client.get(url).status_code
    assert get_status == 404 or get_status == client.get(missing).status_code == 405, f"bob GET {url}"
    assert client.post(url, {"name": "x", "action": "archive"}).status_code == 404, f"bob POST {url}"
    htmx = client.post(url, {}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 404, f"bob htmx POST {url}"


@pytest.mark.parametrize("route", id_routes(), ids=lambda r: r.name or r.route)
def test_missing_ids_are_404_not_500(route, alice_client):
    url = reverse(route.name, kwargs=dict.fromkeys(route.int_kwargs, 987654))
    assert alice_client.get(url).status_code in (404, 405)
    assert alice_client.post(url).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/contacts/abc/",
        "/contacts/-1/",
        "/contacts/1.5/edit/",
        "/contacts/99999999999999999999999/",
        "/contacts/interactions/zz/edit/",
        "/contacts/tags/%00/edit/",
    ],
)
def test_malformed_ids_are_404(alice_client, path):
    assert alice_client.get(path).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "page=zzz",
        "page=0",
        "page=99999999999999999999",
        "sort=evil",
        "sort=-id;drop",
        "tag=999999",
        "tag=-1",
        "tag=1e9",
        "relationship=boss",
        "archived=maybe",
        "q=" + "x" * 5000,
        "q=%27%22%3C%3E",
        "page=1&page=2",
    ],
)
def test_malformed_query_strings_never_500(alice_client, alice, query):
    make_contact(owner=alice)
    assert alice_client.get(f"/contacts/?{query}").status_code == 200


@pytest.mark.parametrize("query", ["offset=abc", "offset=-5", "offset=99999999999999999999"])
def test_malformed_timeline_offsets_never_500(alice_client, alice, query):
    contact = make_contact(owner=alice)
    assert alice_client.get(f"/contacts/{contact.pk}/timeline/?{query}").status_code == 200


def _login_routes() -> list[Route]:
    """Everything under /contacts/ and /reminders/, and the dashboard."""
    return [
        r
        for r in all_routes()
        if r.name and (r.name.startswith(("contacts:", "reminders:")) or r.name == "dashboard")
    ]


@pytest.mark.parametrize("route", _login_routes(), ids=lambda r: r.name)
def test_anonymous_users_are_sent_to_login(route, alice, client):
    kwargs = {kwarg: factory_for(route, kwarg)(alice).pk for kwarg in route.int_kwargs}
    kwargs.update({kwarg: STR_SAMPLES.get(kwarg, "x") for kwarg in route.other_kwargs})
    url = reverse(route.name, kwargs=kwargs)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
