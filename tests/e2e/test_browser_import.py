"""Browser: import a LinkedIn export through the page, watch the progress bar, see the result;
the settings panel, the duplicates page and a merge."""

from pathlib import Path

import pytest

from contacts.importing.job_run import import_job_run
from contacts.models import Contact, ImportJob
from contacts.tests.factories import make_contact, make_user
from crm.celery import app

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
FIXTURES = Path(__file__).resolve().parents[2] / "contacts" / "tests" / "fixtures"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def eager():
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def test_import_linkedin_file_through_the_page(page, live_server, login, screenshot, media, eager):
    make_user("alice")
    login(page, "alice")
    page.goto(f"{live_server.url}/contacts/import/")
    screenshot(page, "import-upload")
    page.set_input_files("input[name=file]", str(FIXTURES / "linkedin_connections.csv"))
    page.click("main button[type=submit]")
    page.wait_for_selector("#preview-table")
    assert page.locator("#id_format").input_value() == "linkedin"
    assert page.locator("#preview-table tbody tr").count() == 6
    screenshot(page, "import-preview")
    page.click("main form button:has-text('Import')")
    page.wait_for_selector("#import-counts")
    counts = page.locator("#import-counts").inner_text()
    assert "6" in counts and "created" in counts
    screenshot(page, "import-result")
    assert Contact.objects.filter(owner__username="alice").count() == 6


def test_progress_bar_polls_until_the_worker_finishes(page, live_server, login, screenshot, media):
    make_user("alice")
    login(page, "alice")
    page.goto(f"{live_server.url}/contacts/import/")
    page.set_input_files("input[name=file]", str(FIXTURES / "google_contacts.csv"))
    page.click("main button[type=submit]")
    page.wait_for_selector("#preview-table")
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(message="Queued")  # confirmed, no worker yet
    page.goto(f"{live_server.url}/contacts/import/{job.pk}/")
    assert page.locator("#import-progress").get_attribute("hx-trigger") == "every 1s"
    assert "Waiting for a worker" in page.locator("#import-progress").inner_text()
    screenshot(page, "import-waiting")
    import_job_run(job_id=job.pk)  # the worker does its job
    page.wait_for_selector("#import-counts", timeout=10_000)  # the next poll reloads the result
    assert "3" in page.locator("#import-counts").inner_text()


def test_bad_file_gets_a_message(page, live_server, login, media):
    make_user("alice")
    login(page, "alice")
    page.goto(f"{live_server.url}/contacts/import/")
    page.set_input_files("input[name=file]", str(FIXTURES / "bad_binary.xlsx"))
    page.click("main button[type=submit]")
    assert "binary file" in page.locator("main form").inner_text()


def test_settings_panel_and_duplicates_merge(page, live_server, login, screenshot):
    alice = make_user("alice")
    make_contact(owner=alice, first_name="Ada", last_name="Lovelace", company="", emails=["ada@example.org"])
    make_contact(
        owner=alice,
        first_name="Ada",
        last_name="Lovelace",
        company="Analytical Engines",
        emails=["ada@example.org"],
    )
    login(page, "alice")
    page.goto(f"{live_server.url}/accounts/settings/")
    assert ".ics" in page.locator("#calendar-url").input_value()
    screenshot(page, "settings-side")
    page.goto(f"{live_server.url}/contacts/duplicates/")
    screenshot(page, "duplicates")
    page.click("text=Compare & merge")
    page.wait_for_selector("#merge-table")
    screenshot(page, "duplicate-merge")
    page.click("main button:has-text('Merge')")
    page.wait_for_load_state()
    assert Contact.objects.filter(owner=alice).count() == 1
    assert Contact.objects.get(owner=alice).company == "Analytical Engines"
