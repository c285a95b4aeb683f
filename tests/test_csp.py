"""The Content-Security-Policy header (django-csp, crm/settings.py) on the pages a user
reaches, and the templates that make it hold: no inline <script>, no on*= handler, no
hx-on, no <style> block and no style="" attribute in a served template (the emails under
templates/emails/ are not served pages and keep their inline styles).

The browser side (no violation while the pages run) is tests/e2e/test_browser_csp.py.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from contacts.models import ImportJob, Offer
from contacts.tests.factories import make_contact, make_interaction, make_reminder, make_tag, make_user

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"""[\s"'](on[a-z]+|hx-on[:a-z-]*)\s*=""", re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style\b", re.IGNORECASE)
STYLE_ATTR = re.compile(r"""[\s"']style\s*=""", re.IGNORECASE)
COMMENT = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.DOTALL)


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


@pytest.fixture
def alice():
    user = make_user("alice")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def pages(alice):
    tag = make_tag(owner=alice, name="mentors")
    ada = make_contact(
        owner=alice, first_name="Ada", last_name="Lovelace", emails=["ada@example.org"], tags=[tag]
    )
    make_contact(owner=alice, first_name="Ada", last_name="Lovelace", company="", emails=["ada@example.org"])
    grace = make_contact(owner=alice, first_name="Grace", last_name="Hopper")
    today = timezone.localdate()
    interaction = make_interaction(contact=ada, occurred_on=today - timedelta(days=5))
    Offer.objects.create(owner=alice, contact=ada, interaction=interaction, text="Intro", created_on=today)
    make_reminder(contact=grace, kind="follow_up", due_on=today)
    job = ImportJob.objects.create(owner=alice, original_name="c.csv", format="linkedin", status="done")
    waiting = ImportJob.objects.create(
        owner=alice, original_name="d.csv", format="linkedin", total_rows=10, message="Queued"
    )
    return [
        "/",
        "/reminders/",
        "/reconnect/",
        "/contacts/",
        "/contacts/?q=ada",
        f"/contacts/{ada.pk}/",
        f"/contacts/{ada.pk}/log/",
        f"/contacts/{ada.pk}/edit/",
        f"/contacts/{grace.pk}/delete/",
        f"/contacts/interactions/{interaction.pk}/edit/",
        f"/contacts/interactions/{interaction.pk}/delete/",
        "/contacts/new/",
        "/contacts/met/",
        "/contacts/picker/?q=gr",
        "/contacts/tags/",
        f"/contacts/tags/{tag.pk}/edit/",
        "/contacts/import/",
        f"/contacts/import/{job.pk}/",
        f"/contacts/import/{waiting.pk}/",
        f"/contacts/import/{waiting.pk}/progress/",
        "/contacts/export/",
        "/contacts/duplicates/",
        "/accounts/settings/",
        "/accounts/password/",
        "/digest/preview",
        "/insights/",
        "/templates/",
        "/templates/new/",
        "/goals/",
        f"/contacts/{ada.pk}/compose/",
        "/settings/sources/",
        "/settings/sources/mailboxes/add/",
        "/admin/",
        "/admin/contacts/contact/",
        "/admin/sources/calendarsource/",
    ]


def test_every_page_sends_the_policy_without_unsafe_inline_scripts(client, alice, pages):
    client.force_login(alice)
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        policy = directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], path
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"], path
        assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'self'"], path
        assert "'unsafe-eval'" not in response["Content-Security-Policy"], path
        # Inline styles only where an email is shown as sent (its srcdoc frame inherits the policy).
        expected_styles = ["'self'", "'unsafe-inline'"] if path == "/digest/preview" else ["'self'"]
        assert policy["style-src"] == expected_styles, path
        if not path.startswith("/admin/"):  # Django's own admin markup is not ours to scan
            html = response.content.decode()
            assert not INLINE_SCRIPT.search(html), (path, INLINE_SCRIPT.search(html).group(0))
            assert not HANDLER.search(html), (path, HANDLER.search(html).group(0))


def test_signed_out_pages_send_the_policy_too(client):
    for path in ["/accounts/login/", "/accounts/signup/"]:
        response = client.get(path)
        assert response.status_code == 200
        policy = directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]


def served_templates() -> list[Path]:
    found = [p for p in TEMPLATES.rglob("*.html") if "emails" not in p.relative_to(TEMPLATES).parts]
    assert len(found) > 30
    return found


@pytest.mark.parametrize(
    ("pattern", "what"),
    [
        (INLINE_SCRIPT, "an inline <script> (use a file under static/js/)"),
        (HANDLER, "an inline event handler (use addEventListener in static/js/)"),
        (STYLE_BLOCK, "a <style> block (use static/css/app.css)"),
        (STYLE_ATTR, "a style= attribute (use a class in static/css/app.css)"),
    ],
)
def test_no_served_template_has_inline_code_or_styles(pattern, what):
    offenders = []
    for path in served_templates():
        text = COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), path.read_text())  # not markup
        for number, line in enumerate(text.splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()[:120]}")
    assert offenders == [], f"{what}:\n" + "\n".join(offenders)


def test_the_scan_catches_what_it_is_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/a.js" defer></script>')
    assert HANDLER.search('<button onclick="x()">') and HANDLER.search('<form hx-on:submit="x()">')
    assert not HANDLER.search('<form action="/x" data-action="done">')
    assert STYLE_ATTR.search('<p style="color: red">') and not STYLE_ATTR.search('<p data-style="x">')
