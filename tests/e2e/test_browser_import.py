"""Browser: import a LinkedIn export through the page, watch the progress bar, see the result;
the settings panel, the duplicates page and a merge."""

import csv
import io
from pathlib import Path

import pytest

from contacts.importing.job_run import import_job_run
from contacts.models import Contact, ImportJob
from contacts.tests.factories import make_contact, make_user
from contacts.tests.importing.test_import_results import LINKEDIN_HEADER, SCENARIO, scenario_contacts
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


def _upload_scenario(page, live_server, tmp_path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_bytes(SCENARIO)
    page.goto(f"{live_server.url}/contacts/import/")
    page.set_input_files("input[name=file]", str(path))
    page.click("main button[type=submit]")
    page.wait_for_selector("#import-plan")


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_linkedin_preview_and_result_say_what_happens_to_each_row(
    request, device, live_server, login, screenshot, media, eager, tmp_path
):
    """New rows, rows already there, a job change, a bad Connected On date, a row without a name."""
    page = request.getfixturevalue("page" if device == "desktop" else "phone_page")
    alice = make_user("alice")
    scenario_contacts(alice)
    login(page, "alice")
    _upload_scenario(page, live_server, tmp_path)
    counts = {
        key: page.locator(f'#plan-counts [data-count="{key}"] .fs-4').inner_text()
        for key in ("new", "unchanged", "update", "rejected")
    }
    assert counts == {"new": "2", "unchanged": "2", "update": "2", "rejected": "1"}
    assert "Developer Advocate at JetBrains → CTO at Monzo" in page.locator("#plan-job-changes").inner_text()
    assert "Row 8: the row has no name" in page.locator("#plan-rejected").inner_text()
    assert (
        "Row 7: Connected On “Connectd 31/13/2020” is not a date"
        in page.locator("#plan-problems").inner_text()
    )
    headings = page.locator("#preview-table thead th").all_inner_texts()
    assert "Phones" not in headings and "Birthday" not in headings and "Import" in headings
    assert page.locator("#preview-table tbody tr[data-row] td:first-child").all_inner_texts() == [
        "5",
        "6",
        "7",
        "8",
        "9",
        "10",
        "11",
    ]
    assert _no_sideways_scroll(page)  # the wide table scrolls inside its own box
    screenshot(page, f"import-preview-scenario-{device}")
    page.locator("#preview-table").scroll_into_view_if_needed()
    screenshot(page, f"import-preview-scenario-{device}-table", full_page=False)
    page.click("main form button:has-text('Import')")
    page.wait_for_selector("#import-counts")
    assert (
        "Row 7: Connected On “Connectd 31/13/2020” is not a date; imported without the connection date"
        in (page.locator("#import-problems").inner_text())
    )
    rejected = page.locator("#import-rejected").inner_text()
    assert "the row has no name" in rejected and "Connectd" not in rejected
    assert "overwritten" not in page.locator("main").inner_text()
    assert _no_sideways_scroll(page)
    screenshot(page, f"import-result-scenario-{device}")
    with page.expect_download() as download:
        page.click("#rejected-download")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert rows[0] == [*LINKEDIN_HEADER, "row", "reason"] and rows[1][-2] == "8"


def test_the_format_select_reloads_the_preview_without_inline_script(
    page, live_server, login, media, tmp_path
):
    make_user("alice")
    login(page, "alice")
    _upload_scenario(page, live_server, tmp_path)
    page.select_option("#id_format", "csv")  # static/js/autosubmit.js submits the form
    page.wait_for_url("**/preview/?format=csv")
    assert page.locator("#id_format").input_value() == "csv"
    assert "Connected on" in page.locator("#preview-table thead").inner_text()  # the generic reader knows it
