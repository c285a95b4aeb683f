"""The README's screenshots, taken from the demo network as a user meets it.

Each run saves them under artifacts/readme-*.png and checks what they show; `make
screenshots` copies them to docs/screenshots/, where the README links them.
"""

import pytest
from django.core.management import call_command
from django.utils import timezone

from contacts.models import Contact
from reminders import services
from tests.e2e.test_browser_import import eager, media  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LINKEDIN = """Notes:
"When exporting your connection data, you may notice that some of the email addresses are missing."

First Name,Last Name,URL,Email Address,Company,Position,Connected On
Zoë,Ødegaard,https://www.linkedin.com/in/zoe-odegaard,zoe@fjord.example.no,Fjord Analytics,Data Lead,12 Mar 2021
Amara,Okafor,https://www.linkedin.com/in/amara-okafor,,Kinfolk Health,Head of Product,03 Jun 2019
Tomás,Ruiz,,,Lumen Bank,Staff Engineer,Connectd 31/13/2020
,,,,Nameless Ltd,Ghost,01 Jan 2020
"""


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--contacts", "120", verbosity=0)
    services.reminders_generate(today=timezone.localdate())
    return Contact.objects.filter(owner__username="demo")


def test_readme_screenshots(demo, page, phone_page, live_server, login, screenshot, tmp_path, media, eager):  # noqa: F811
    mentor = (
        demo.filter(tie_strength="strong", relationship="mentor").order_by("-warmth").first() or demo.first()
    )
    for view, shot in ((page, "readme-desktop"), (phone_page, "readme-phone")):
        login(view, "demo", "keepwarm-demo")
        assert view.locator("#focus .kw-reminder").count() >= 1
        screenshot(view, f"{shot}-dashboard", full_page=False)
        view.goto(f"{live_server.url}/contacts/{mentor.pk}/")
        assert view.locator("#contact-card").is_visible()
        screenshot(view, f"{shot}-contact", full_page=False)

    # One demo contact moved on: the newer export records the job change.
    mover = demo.exclude(linkedin_url="").exclude(pk=mentor.pk).order_by("id").first()
    moved = f"{mover.first_name},{mover.last_name},{mover.linkedin_url},,Monzo,CTO,01 Feb 2020\n"
    csv = tmp_path / "Connections.csv"
    csv.write_text(LINKEDIN + moved, encoding="utf-8")
    for view, shot in ((page, "readme-desktop"), (phone_page, "readme-phone")):
        view.goto(f"{live_server.url}/contacts/import/")
        view.set_input_files("input[type=file]", str(csv))
        view.click("main button[type=submit]")
        view.wait_for_selector("#preview-table")
        screenshot(view, f"{shot}-import-preview", full_page=False)
        view.click("main form button:has-text('Import')")
        view.wait_for_selector("#import-counts")
        screenshot(view, f"{shot}-import-result", full_page=False)
    assert Contact.objects.filter(owner__username="demo", first_name="Tomás").count() == 1
    mover.refresh_from_db()
    assert (mover.company, mover.title) == ("Monzo", "CTO")
