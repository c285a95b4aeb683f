"""Admin bulk import through django-import-export: owner chosen in the form, preview, confirm,
and the same contacts as the import service for the same file."""

import re

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.importing.services import import_run
from contacts.models import CONTACT_FIELDS, Contact, ContactEmail, Interaction
from contacts.tests.factories import make_contact
from reminders.models import Reminder

CSV = (
    "first_name,last_name,email,company,title,birthday_month,birthday_day\n"
    "Ada,Lovelace,ada@example.org,Analytical Engines,Analyst,12,10\n"
    "Grace,Hopper,grace@example.org,Navy,Admiral,,\n"
)
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')


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


def _confirm(admin_client, preview_body: str):
    confirm = {name: value for name, value in HIDDEN.findall(preview_body) if name != "csrfmiddlewaretoken"}
    return admin_client.post(reverse("admin:contacts_contact_process_import"), confirm)


def _admin_import(admin_client, owner, content: str) -> None:
    preview = _preview(admin_client, owner, content)
    assert preview.status_code == 200
    assert _confirm(admin_client, preview.content.decode()).status_code == 302


def test_preview_then_confirm_creates_rows_owned_by_the_chosen_user(admin_client, alice, bob):
    preview = _preview(admin_client, alice, CSV)
    body = preview.content.decode()
    assert preview.status_code == 200
    assert body.count('<tr class="new">') == 2 and "Lovelace" in body
    assert not Contact.objects.exists()  # the preview is a dry run
    assert dict(HIDDEN.findall(body))["owner"] == str(alice.pk)
    assert _confirm(admin_client, body).status_code == 302
    assert sorted(Contact.objects.filter(owner=alice).values_list("first_name", flat=True)) == [
        "Ada",
        "Grace",
    ]
    assert not Contact.objects.filter(owner=bob).exists()
    assert ContactEmail.objects.get(value="ada@example.org").contact.owner == alice
    ada = Contact.objects.get(owner=alice, first_name="Ada")
    assert (ada.birthday_month, ada.birthday_day, ada.birthday_year) == (12, 10, None)


def test_reimport_fills_empty_fields_and_keeps_typed_ones(admin_client, alice):
    make_contact(
        owner=alice,
        first_name="Ada",
        last_name="Lovelace",
        company="",
        title="Countess",
        emails=["ada@example.org"],
    )
    body = _preview(admin_client, alice, CSV).content.decode()
    assert body.count('<tr class="update">') == 1 and body.count('<tr class="new">') == 1
    assert "company, birthday" in body  # what the update fills, in the preview's last column
    _confirm(admin_client, body)
    ada = Contact.objects.get(owner=alice, first_name="Ada")
    assert Contact.objects.filter(owner=alice, first_name="Ada").count() == 1
    assert (ada.company, ada.title) == ("Analytical Engines", "Countess")


def test_row_errors_are_shown_with_row_numbers_and_nothing_can_be_confirmed(admin_client, alice):
    bad = CSV + "Bad,Birthday,bad@example.org,X,Y,13,45\n"
    body = _preview(admin_client, alice, bad).content.decode()
    assert "Some rows failed to validate" in body
    assert re.search(r"<td>3 </td>", body)
    assert "birthday “--13-45” is not a real date" in body
    assert "process_import" not in body  # no confirm form
    assert not Contact.objects.exists()


def test_a_table_without_a_name_column_is_an_error_not_a_crash(admin_client, alice):
    body = _preview(admin_client, alice, "foo,bar\n1,2\n").content.decode()
    assert "No known column in the header" in body
    assert not Contact.objects.exists()


def _snapshot(owner) -> list[tuple]:
    """Everything an import decides about an owner's contacts, ids and timestamps aside."""
    contacts = Contact.objects.filter(owner=owner).order_by("first_name", "last_name")
    snapshot = []
    for c in contacts.prefetch_related("emails", "phones", "tags", "past_roles"):
        snapshot.append(
            (
                tuple(getattr(c, Contact._meta.get_field(name).attname) for name in CONTACT_FIELDS),
                c.last_interaction_on,
                c.next_check_in,
                [(e.value, e.label) for e in c.emails.all()],
                [(p.value, p.label) for p in c.phones.all()],
                sorted(t.name for t in c.tags.all()),
                sorted((r.company, r.title, r.started_on, r.ended_on) for r in c.past_roles.all()),
                sorted(Reminder.objects.filter(contact=c, kind="job_change").values_list("due_on", "detail")),
                Interaction.objects.filter(contacts=c).count(),
            )
        )
    return snapshot


GENERIC = (
    "first_name,last_name,email,phone,company,title,birthday,tags\n"
    "Ada,Lovelace,ada@example.org,+44 1,Analytical Engines,Analyst,1985-12-10,math\n"
    "Grace,Hopper,,,Navy,Admiral,,\n"
    "Grace,Hopper,grace@example.org,+1 2,Navy,,,navy\n"
)
LINKEDIN = (
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Ada,Lovelace,https://www.linkedin.com/in/ada,ada@example.org,Analytical Engines,Analyst,05 Mar 2024\n"
    "Grace,Hopper,https://www.linkedin.com/in/grace,,Navy,Admiral,01 Jan 2020\n"
)


@pytest.mark.parametrize("content", [GENERIC, LINKEDIN], ids=["generic", "linkedin"])
def test_admin_import_and_the_service_give_the_same_contacts(admin_client, alice, bob, content):
    _admin_import(admin_client, alice, content)
    import_run(owner=bob, data=content.encode())
    assert len(_snapshot(alice)) == 2
    assert _snapshot(alice) == _snapshot(bob)
    moved = content.replace("Analytical Engines", "Difference Engines").replace("Admiral", "Rear Admiral")
    _admin_import(admin_client, alice, moved)
    import_run(owner=bob, data=moved.encode())
    assert _snapshot(alice) == _snapshot(bob)
    ada = Contact.objects.get(owner=alice, first_name="Ada")
    if content is LINKEDIN:  # a newer LinkedIn export: a job change, recorded the same way
        assert (ada.company, ada.title) == ("Difference Engines", "Analyst")
        assert ada.past_roles.get().company == "Analytical Engines"
        assert Reminder.objects.filter(contact=ada, kind="job_change").count() == 1
    else:  # any other file only fills empty fields
        assert ada.company == "Analytical Engines"
        assert not ada.past_roles.exists()


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
