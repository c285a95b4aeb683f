"""The Content-Security-Policy in a real browser: every page a user can reach loads and
works without one violation (no inline script, no inline handler, no inline style, no
eval), and the behaviour moved from inline <script> blocks into static/js/ still works.

Violations are caught two ways: Chromium's console ("Refused to ... because it violates
the following Content Security Policy directive") and a `securitypolicyviolation`
listener installed before any page script runs, which records into window.__csp.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from contacts.importing.job_run import import_job_run
from contacts.models import ImportJob
from contacts.tests.factories import make_contact, make_interaction, make_reminder, make_tag, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
FIXTURES = Path(__file__).resolve().parents[2] / "contacts" / "tests" / "fixtures"

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber + " [" + (e.sample || "") + "]");
});
"""


class CspWatch:
    """Collects CSP violations and script errors from the console, page errors and window.__csp."""

    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"{page.url}: page error {exc}"))

    def _console(self, msg) -> None:
        text = msg.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.problems.append(f"{self.page.url}: {text}")

    def visit(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.ok, (url, response and response.status)
        header = response.headers.get("content-security-policy", "")
        assert (
            "script-src 'self'" in header
            and "'unsafe-inline'" not in header.split("script-src")[1].split(";")[0]
        ), (url, header)
        self.collect()

    def collect(self) -> None:
        """Adds what window.__csp recorded on the current document (it resets on navigation)."""
        self.page.wait_for_load_state()
        try:
            seen = self.page.evaluate("window.__csp || []")
        except PlaywrightError:  # navigating away at this moment: the console listener still saw it
            return
        for item in seen:
            entry = f"{self.page.url}: {item}"
            if entry not in self.problems:
                self.problems.append(entry)
        self.page.evaluate("window.__csp = []")


def seed(tmp_path):
    alice = make_user("alice", tz="UTC")
    alice.is_staff = alice.is_superuser = True
    alice.save()
    tag = make_tag(owner=alice, name="mentors")
    ada = make_contact(
        owner=alice,
        first_name="Ada",
        last_name="Lovelace",
        company="Analytical Engines",
        emails=["ada@example.org"],
        tags=[tag],
    )
    grace = make_contact(owner=alice, first_name="Grace", last_name="Hopper", company="Navy")
    bert = make_contact(owner=alice, first_name="Bert", last_name="Byte", company="Acme")
    # Nora: never met, so logging with her is a first meeting (a follow-up is suggested).
    nora = make_contact(owner=alice, first_name="Nora", last_name="New", company="Initech")
    # A duplicate pair: same name and email.
    make_contact(owner=alice, first_name="Ada", last_name="Lovelace", company="", emails=["ada@example.org"])
    old = make_contact(owner=alice, first_name="Dormant", last_name="Dan", company="Globex")
    today = timezone.localdate()
    make_interaction(contact=ada, occurred_on=today - timedelta(days=10), summary="Coffee on engines")
    make_interaction(contact=old, occurred_on=today - timedelta(days=500), summary="Long ago")
    make_reminder(contact=ada, kind="check_in", due_on=today - timedelta(days=3))
    make_reminder(contact=grace, kind="follow_up", due_on=today)
    make_reminder(contact=bert, kind="birthday", due_on=today + timedelta(days=3))
    return {"alice": alice, "ada": ada, "grace": grace, "bert": bert, "nora": nora}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_every_page_runs_under_the_csp_without_a_violation(
    page, live_server, login, screenshot, media, tmp_path
):
    people = seed(tmp_path)
    url = live_server.url
    watch = CspWatch(page)

    # Signed out: login and signup.
    watch.visit(f"{url}/accounts/signup/")
    watch.visit(f"{url}/accounts/login/")
    login(page, "alice")
    watch.collect()

    # Dashboard, reminders, reconnect; Done on a reminder recounts its section (reminders.js).
    watch.visit(f"{url}/")
    watch.visit(f"{url}/reminders/")
    overdue = page.locator("#overdue-title [data-count-of]")
    assert overdue.inner_text() == "1"
    page.click("#overdue-list .kw-reminder button[data-action=done]")
    page.wait_for_function(
        "() => document.querySelector('#overdue-title [data-count-of]').textContent === '0'"
    )
    screenshot(page, "csp-reminders")
    watch.visit(f"{url}/reconnect/")

    # Contact list with a search; the bulk bar counts ticked rows (contact_list.js).
    watch.visit(f"{url}/contacts/?q=lovelace")
    assert page.locator("#contacts tbody tr").count() == 2
    assert page.locator("#bulk-count").inner_text() == "0 selected"
    page.check("#select-all")
    assert page.locator("#bulk-count").inner_text() == "2 selected"
    page.fill("#id_q", "grace")
    page.wait_for_function("() => document.querySelectorAll('#contacts tbody tr').length === 1")
    watch.collect()

    # A contact page; its log form opened in place, Cancel empties it (log_form.js).
    watch.visit(f"{url}/contacts/{people['ada'].pk}/")
    screenshot(page, "csp-contact")
    page.click("#log-toggle")
    page.wait_for_selector("#log-interaction")
    page.click("#log-interaction [data-log-cancel]")
    assert page.locator("#log-form").inner_html().strip() == ""
    watch.collect()

    # First meeting (Nora): the follow-up follows the date; the picker picks two more people.
    watch.visit(f"{url}/contacts/{people['nora'].pk}/")
    page.click("#log-toggle")
    page.wait_for_selector("#log-interaction[data-follow-suggest]")
    met_on = timezone.localdate() - timedelta(days=14)
    page.fill("input[name=log-occurred_on]", met_on.isoformat())
    page.dispatch_event("input[name=log-occurred_on]", "change")
    assert page.input_value("input[name=log-follow_up_on]") == (met_on + timedelta(days=2)).isoformat()
    for query, name in [("grace", "Grace Hopper"), ("bert", "Bert Byte")]:
        page.fill("#log-interaction input.picker-search", query)
        pick = page.locator(".picker-pick", has_text=name)
        pick.wait_for()
        pick.click()
        assert page.input_value("#log-interaction input.picker-search") == ""
    chips = page.locator("#log-interaction .picker-chip")
    assert chips.count() == 3  # Nora and the two picked
    assert chips.nth(2).locator("button.kw-chip-close").count() == 1
    chips.nth(2).locator(".picker-remove").click()
    assert chips.count() == 2
    page.fill("textarea[name=log-summary]", "Met at the meetup")
    page.click("button:has-text('Save interaction')")
    page.locator(".timeline-item", has_text="Met at the meetup").wait_for()
    watch.collect()

    # New and edit contact forms: "+ Add another" adds an email row (contact_form.js).
    watch.visit(f"{url}/contacts/new/")
    rows = page.locator("#emails .handle-row")
    before = rows.count()
    page.click("#emails .handle-add")
    assert rows.count() == before + 1
    # The new row's address box has the focus: a text input with the email keyboard
    # (browsers refuse a UTF-8 local part in type=email: contacts/emails.py).
    assert page.evaluate("document.activeElement.name").endswith("-value")
    assert page.evaluate("document.activeElement.inputMode") == "email"
    watch.visit(f"{url}/contacts/{people['ada'].pk}/edit/")
    # Its "introduced by" picker (single) takes one person.
    page.fill("#contact-form .contact-picker[data-single] input.picker-search", "grace")
    page.locator(".picker-pick", has_text="Grace Hopper").click()
    assert page.locator("#contact-form .contact-picker[data-single] .picker-chip").count() == 1
    watch.collect()

    # The full-page interaction form (its picker), and a delete confirmation.
    interaction = people["ada"].interactions.first()
    watch.visit(f"{url}/contacts/interactions/{interaction.pk}/edit/")
    watch.visit(f"{url}/contacts/{people['bert'].pk}/delete/")

    # The picker's own search page, tags, export.
    watch.visit(f"{url}/contacts/picker/?q=ada")
    watch.visit(f"{url}/contacts/tags/")
    watch.visit(f"{url}/contacts/export/")

    # Import: upload, preview, change "Read as" (autosubmit.js), then the job page's progress bar.
    watch.visit(f"{url}/contacts/import/")
    page.set_input_files("input[name=file]", str(FIXTURES / "linkedin_connections.csv"))
    page.click("main button[type=submit]")
    page.wait_for_selector("#preview-table")
    watch.collect()
    assert page.locator("#id_format").input_value() == "linkedin"
    with page.expect_navigation():
        page.select_option("#id_format", "csv")
    assert "format=csv" in page.url and page.locator("#id_format").input_value() == "csv"
    watch.collect()
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(message="Queued")  # confirmed, no worker yet
    watch.visit(f"{url}/contacts/import/{job.pk}/")
    bar = page.locator("#import-progress .progress-bar")
    assert bar.evaluate("b => b.style.width") == bar.get_attribute("data-width") + "%"
    assert bar.bounding_box()["width"] > 0
    ImportJob.objects.filter(pk=job.pk).update(format="linkedin")
    import_job_run(job_id=job.pk)
    page.wait_for_selector("#import-counts", timeout=10_000)  # the poll swapped in the result
    watch.collect()

    # Duplicates and a merge page.
    watch.visit(f"{url}/contacts/duplicates/")
    page.click("text=Compare & merge")
    page.wait_for_selector("#merge-table")
    watch.collect()

    # Settings: copy, the browser's time zone, and the confirm before a new calendar address.
    watch.visit(f"{url}/accounts/settings/")
    screenshot(page, "csp-settings")
    feed = page.input_value("#calendar-url")
    page.click("#copy-calendar-url")
    page.wait_for_function("() => document.getElementById('copy-calendar-url').textContent === 'Copied'")
    page.click("#use-browser-tz")  # the context runs in Europe/London, the profile says UTC
    assert page.input_value("#id_timezone") == "Europe/London"
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("#calendar-card button[type=submit]")
    page.wait_for_timeout(300)
    assert asked == ["Create a new address? The current one stops working."]
    assert page.input_value("#calendar-url") == feed  # dismissed: nothing posted
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("#calendar-card button[type=submit]")
    assert page.input_value("#calendar-url") != feed
    watch.collect()

    # Digest preview, password change, the admin.
    watch.visit(f"{url}/digest/preview")
    page.wait_for_timeout(300)  # the email in its iframe
    watch.collect()
    watch.visit(f"{url}/accounts/password/")
    watch.visit(f"{url}/accounts/delete/")
    screenshot(page, "account-delete")
    watch.visit(f"{url}/admin/")
    watch.visit(f"{url}/admin/contacts/contact/")
    watch.visit(f"{url}/admin/contacts/contact/{people['ada'].pk}/change/")
    watch.visit(f"{url}/admin/contacts/contact/import/")
    watch.visit(f"{url}/admin/contacts/contact/export/")
    # The export's "Select all" (templates/admin/import_export/export.html, admin_export.js).
    fields = page.locator(".selectable-field-export-row input[type=checkbox]:not(.select-toggle)")
    assert fields.count() > 2
    page.uncheck("input.select-toggle")
    assert page.locator(".selectable-field-export-row input[type=checkbox]:checked").count() == 0
    page.check("input.select-toggle")
    assert fields.evaluate_all("boxes => boxes.every(b => b.checked)")
    assert page.locator("p.kw-export-intro").evaluate("p => getComputedStyle(p).paddingLeft") == "0px"
    screenshot(page, "csp-admin-export", full_page=False)

    assert watch.problems == [], "\n".join(watch.problems)
