"""Admin bulk import through django-import-export: owner chosen in the form, preview, confirm."""

import re

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.models import Contact, ContactEmail
from contacts.tests.factories import make_contact

CSV = (
    "first_name,last_name,email,company,title,birthday_month,birthday_day\n"
    "Ada,Lovelace,ada@example.org,Analytical Engines,Analyst,12,10\n"
    "Grace,Hopper,grace@example.org,Navy,Admiral,,\n"
)


@pytest.fixture
def admin_client(client, db):
    admin = User.objects.create_superuser("root", "root@example.com", "pw-keepwarm-123")
    client.force_login(admin)
    return client


def _preview(admin_client, owner, content: str):
    url = reverse("admin:contacts_contact_import")
    page = admin_client.get(url)
    assert page.status_code == 200 and 'name="owner"' in page.content.decode()
    formats = re.findall(r'<option value="(\d+)"[^>]*>\s*csv', page.content.decode(), flags=re.I)
    return admin_client.post(
        url,
        {
            "import_file": SimpleUploadedFile("contacts.csv", content.encode()),
            "format": formats[0],
            "owner": owner.pk,
            "resource": "0",
        },
    )


def test_preview_then_confirm_creates_rows_owned_by_the_chosen_user(admin_client, alice, bob):
    preview = _preview(admin_client, alice, CSV)
    body = preview.content.decode()
    assert preview.status_code == 200 and "Lovelace" in body
    assert not Contact.objects.exists()  # the preview is a dry run
    confirm = {
        name: value
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', body)
        if name != "csrfmiddlewaretoken"
    }
    assert confirm["owner"] == str(alice.pk)
    done = admin_client.post(reverse("admin:contacts_contact_process_import"), confirm)
    assert done.status_code == 302
    assert sorted(Contact.objects.filter(owner=alice).values_list("first_name", flat=True)) == [
        "Ada",
        "Grace",
    ]
    assert not Contact.objects.filter(owner=bob).exists()
    assert ContactEmail.objects.get(value="ada@example.org").contact.owner == alice


def test_reimport_updates_instead_of_duplicating(admin_client, alice):
    make_contact(owner=alice, first_name="Ada", last_name="Lovelace", company="", emails=["ada@example.org"])
    preview = _preview(admin_client, alice, CSV).content.decode()
    confirm = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', preview))
    confirm.pop("csrfmiddlewaretoken", None)
    admin_client.post(reverse("admin:contacts_contact_process_import"), confirm)
    assert Contact.objects.filter(owner=alice, first_name="Ada").count() == 1
    assert Contact.objects.get(owner=alice, first_name="Ada").company == "Analytical Engines"


def test_row_errors_are_shown_with_row_numbers(admin_client, alice):
    bad = CSV + "Bad,Birthday,bad@example.org,X,Y,13,45\n"
    body = _preview(admin_client, alice, bad).content.decode()
    assert "Line number: 3" in body or "Row 3" in body
    assert not Contact.objects.exists()


def test_export_is_available(admin_client, alice):
    make_contact(owner=alice, first_name="Ada", emails=["ada@example.org"])
    page = admin_client.get(reverse("admin:contacts_contact_export"))
    assert page.status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "admin:contacts_contact_changelist",
        "admin:contacts_tag_changelist",
        "admin:contacts_interaction_changelist",
        "admin:contacts_contactemail_changelist",
        "admin:contacts_rolehistory_changelist",
        "admin:contacts_importjob_changelist",
    ],
)
def test_admin_lists_render(admin_client, alice, name):
    make_contact(owner=alice, emails=["x@example.org"])
    assert admin_client.get(reverse(name)).status_code == 200
