"""Closing an account: download everything, then delete it all in one confirmed step."""

from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.urls import reverse

from contacts.importing.services import import_run
from contacts.models import Contact, ImportJob, NotDuplicate, RoleHistory
from contacts.tests.factories import make_contact, make_interaction, make_reminder, make_tag, make_user
from contacts.tests.importing.test_backup_v2 import V2, account
from crm.accounts import account_delete
from digests.models import DigestLog

URL = reverse("account_delete")
PASSWORD = "pw-keepwarm-123"  # the factories' password


def _owned_rows(user_id: int) -> dict[str, int]:
    """Rows of every model that belong to the user, directly or through a contact."""
    counts = {}
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        for path in ("owner", "user", "contact__owner", "interaction__owner", "first__owner"):
            root = path.split("__")[0]
            if root in names:
                counts[model._meta.label] = model.objects.filter(**{f"{path}_id": user_id}).count()
                break
    return counts


def _full_account(user: User, media: Path) -> None:
    tag = make_tag(owner=user, name="mentors", checkin_cadence_months=2)
    ada = make_contact(owner=user, emails=["ada@example.org"], phones=["+44 1"], tags=[tag])
    bob = make_contact(owner=user)
    RoleHistory.objects.create(contact=ada, company="Old", title="Role", ended_on="2020-01-01")
    interaction = make_interaction(contacts=[ada, bob])
    make_reminder(contact=ada, kind="follow_up", interaction=interaction)
    NotDuplicate.objects.create(owner=user, first_id=min(ada.pk, bob.pk), second_id=max(ada.pk, bob.pk))
    DigestLog.objects.create(user=user, period="2026-11-20")
    job = ImportJob(owner=user, original_name="linkedin.csv")
    job.file.save("linkedin.csv", ContentFile(b"First Name,Last Name\nAda,Lovelace\n"))
    assert (media / job.file.name).exists()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_the_page_says_what_goes_and_offers_the_backup(alice_client, alice, media):
    _full_account(alice, media)
    response = alice_client.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert "2 contacts" in body and "1 logged interaction" in body and "1 uploaded import file" in body
    assert reverse("contacts:export_download", args=["json"]) in body


def test_a_wrong_password_deletes_nothing(alice_client, alice, media):
    _full_account(alice, media)
    before = _owned_rows(alice.pk)
    response = alice_client.post(URL, {"password": "not it"})
    assert response.status_code == 200
    assert "That is not your password; nothing was deleted." in response.content.decode()
    assert _owned_rows(alice.pk) == before and User.objects.filter(pk=alice.pk).exists()


def test_the_confirmed_step_deletes_every_row_and_file_and_signs_out(
    alice_client, alice, bob, media, django_capture_on_commit_callbacks
):
    _full_account(alice, media)
    _full_account(bob, media)
    bob_before = _owned_rows(bob.pk)
    files = [media / job.file.name for job in ImportJob.objects.filter(owner=alice)]
    assert sum(_owned_rows(alice.pk).values()) > 10

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = alice_client.post(URL, {"password": PASSWORD}, follow=True)
    assert len(callbacks) == 1  # the files go only once the rows are gone
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "Your account and everything in it have been deleted." in response.content.decode()
    assert not User.objects.filter(pk=alice.pk).exists()
    assert set(_owned_rows(alice.pk).values()) == {0}
    assert not any(path.exists() for path in files)
    assert _owned_rows(bob.pk) == bob_before  # another user keeps everything
    assert all((media / job.file.name).exists() for job in ImportJob.objects.filter(owner=bob))
    assert alice_client.get(reverse("dashboard")).status_code == 302  # signed out


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.post(URL, {"password": PASSWORD})
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_downloaded_backup_restores_the_account_elsewhere(alice_client, alice, media):
    """The promise behind "download everything": what the page's link gives back is the whole account."""
    import_run(owner=alice, data=V2.read_bytes())
    expected = account(alice)
    download = alice_client.get(reverse("contacts:export_download", args=["json"]))
    backup = b"".join(download.streaming_content)
    alice_client.post(URL, {"password": PASSWORD})
    assert not Contact.objects.exists()
    again = make_user("alice-again")
    import_run(owner=again, data=backup)
    assert account(again) == expected


@pytest.mark.parametrize("size", [5, 50])
def test_deleting_costs_the_same_queries_at_two_sizes(db, django_assert_max_num_queries, media, size):
    user = make_user(f"big{size}")
    for _ in range(size):
        contact = make_contact(owner=user, emails=["x@example.org"])
        make_reminder(contact=contact)
        make_interaction(contact=contact)
    # A fixed number per table that refers to the user or their contacts (44 with the
    # stored silences, contacts.InteractionGap, and the pending check-ins, by owner and by
    # contact), whatever the number of contacts.
    with django_assert_max_num_queries(44):
        account_delete(user)
    assert not Contact.objects.filter(owner_id=user.pk).exists()
