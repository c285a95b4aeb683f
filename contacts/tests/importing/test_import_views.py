"""The import page end to end (upload → preview → confirm → eager task → result) and exports."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from contacts.importing.job_run import import_job_run
from contacts.models import Contact, ImportJob
from contacts.tests.factories import make_contact

from .conftest import FIXTURES


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = True


def upload(client, name, fmt="auto", content=None):
    data = content if content is not None else (FIXTURES / name).read_bytes()
    return client.post(reverse("contacts:import"), {"file": SimpleUploadedFile(name, data), "format": fmt})


def test_upload_preview_confirm_and_result(alice_client, alice, django_capture_on_commit_callbacks):
    response = upload(alice_client, "linkedin_connections.csv")
    job = ImportJob.objects.get(owner=alice)
    assert response.url == reverse("contacts:import_preview", args=[job.pk])
    preview = alice_client.get(response.url)
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "LinkedIn Connections.csv" in body and "Ada Lovelace" in body and ">Connected on</th>" in body
    assert ">First Name</span>" in body  # the columns found, as the file spells them
    assert not Contact.objects.exists()  # a preview writes nothing
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        confirmed = alice_client.post(response.url, {"format": "linkedin"})
    assert len(callbacks) == 1
    assert confirmed.url == reverse("contacts:import_job", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.created_count, job.error_count) == ("done", 6, 0)
    result = alice_client.get(confirmed.url).content.decode()
    assert 'id="import-counts"' in result and "hx-trigger" not in result
    assert Contact.objects.filter(owner=alice).count() == 6


def test_confirming_twice_queues_once(alice_client, alice, django_capture_on_commit_callbacks):
    upload(alice_client, "generic.csv")
    job = ImportJob.objects.get(owner=alice)
    url = reverse("contacts:import_preview", args=[job.pk])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        alice_client.post(url, {"format": "csv"})
        alice_client.post(url, {"format": "csv"})
    assert len(callbacks) == 1


def test_progress_fragment_polls_until_done(alice_client, alice):
    upload(alice_client, "generic.csv")
    job = ImportJob.objects.get(owner=alice)
    ImportJob.objects.filter(pk=job.pk).update(message="Queued")
    fragment = alice_client.get(reverse("contacts:import_progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in fragment
    import_job_run(job_id=job.pk)
    done = alice_client.get(reverse("contacts:import_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in done.content.decode()
    assert done["HX-Refresh"] == "true"


def test_rejected_rows_csv(alice_client, alice):
    upload(alice_client, "bad_malformed_rows.csv")
    job = ImportJob.objects.get(owner=alice)
    ImportJob.objects.filter(pk=job.pk).update(message="Queued")
    import_job_run(job_id=job.pk)
    page = alice_client.get(reverse("contacts:import_job", args=[job.pk])).content.decode()
    assert "the row has no name" in page
    response = alice_client.get(reverse("contacts:import_rejected", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    # The file's own columns, then row and reason; the cells beyond the header follow.
    assert rows == [
        ["First Name", "Last Name", "Email", "Company", "row", "reason", "extra cell 1", "extra cell 2"],
        [
            "Too",
            "Many",
            "cells@example.com",
            "Acme",
            "3",
            "the row has 6 cells but the header has 4",
            "extra",
            "cells",
        ],
        [
            "",
            "",
            "nobody-has-a-name@example.com",
            "NoName Inc",
            "5",
            "the row has no name (first or last name is required)",
            "",
            "",
        ],
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "The submitted file is empty"),
        ("blank.csv", b"   \n\n", "The file is empty."),
        ("photo.csv", (FIXTURES / "bad_binary.xlsx").read_bytes(), "binary file"),
        ("foo.csv", b"Foo,Bar\n1,2\n", "no known column"),
    ],
)
def test_bad_uploads_get_a_message_not_a_500(alice_client, alice, name, content, message):
    response = upload(alice_client, name, content=content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_oversized_upload(alice_client, settings):
    settings.IMPORT_MAX_BYTES = 50
    response = upload(alice_client, "google_contacts.csv")
    assert "larger than the 50 bytes limit" in response.content.decode()


def test_forced_wrong_format_shows_the_reason(alice_client):
    response = upload(alice_client, "contacts_v30.vcf", fmt="google")
    assert "does not look like a Google Contacts CSV" in response.content.decode()


def test_a_failing_job_says_why_and_writes_nothing(alice_client, alice):
    upload(alice_client, "generic.csv")
    job = ImportJob.objects.get(owner=alice)
    job.file.save("x.upload", io.BytesIO(b"\x00\x01\x02binary"), save=True)
    ImportJob.objects.filter(pk=job.pk).update(message="Queued")
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "binary" in job.message
    assert (
        "Nothing was imported"
        in alice_client.get(reverse("contacts:import_job", args=[job.pk])).content.decode()
    )
    assert not Contact.objects.exists()


def test_another_users_job_is_404(alice_client, alice, bob):
    bob_client = Client()
    bob_client.force_login(bob)
    upload(alice_client, "generic.csv")
    job = ImportJob.objects.get(owner=alice)
    for name in (
        "contacts:import_preview",
        "contacts:import_job",
        "contacts:import_progress",
        "contacts:import_rejected",
    ):
        assert bob_client.get(reverse(name, args=[job.pk])).status_code == 404
    assert bob_client.post(reverse("contacts:import_preview", args=[job.pk])).status_code == 404


def test_pages_need_login(client):
    assert client.get(reverse("contacts:import")).status_code == 302
    assert client.get(reverse("contacts:export_download", args=["json"])).status_code == 302


def test_exports_are_scoped_to_the_user(alice_client, alice, bob):
    make_contact(owner=alice, first_name="Ada", last_name="Lovelace", emails=["ada@example.org"])
    make_contact(owner=bob, first_name="Bobs", last_name="Secret", emails=["secret@example.org"])
    for fmt in ("vcard", "csv", "json"):
        response = alice_client.get(reverse("contacts:export_download", args=[fmt]))
        body = b"".join(response.streaming_content).decode()
        assert "Lovelace" in body and "Secret" not in body
        assert "attachment" in response["Content-Disposition"]
    backup = json.loads(
        b"".join(alice_client.get(reverse("contacts:export_download", args=["json"])).streaming_content)
    )
    assert backup["format"] == "keepwarm-backup" and len(backup["contacts"]) == 1
    assert alice_client.get(reverse("contacts:export_download", args=["xml"])).status_code == 404


def test_settings_page_shows_feed_exports_and_links(alice_client, alice):
    body = alice_client.get(reverse("settings")).content.decode()
    assert alice.profile.calendar_token in body
    assert reverse("contacts:import") in body and reverse("contacts:duplicates") in body
    assert reverse("contacts:export_download", args=["vcard"]) in body


def test_huge_declared_upload_is_refused_before_reading(alice_client, settings):
    settings.IMPORT_MAX_BYTES = 1000
    body = b"x" * 200_000
    response = alice_client.post(
        reverse("contacts:import"), data=body, content_type="multipart/form-data; boundary=zzz"
    )
    assert response.status_code == 200
    assert "larger than the 1000 bytes limit" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_task_is_redelivery_safe(alice_client, alice):
    from contacts.tasks import import_job_run_task

    assert import_job_run_task.acks_late and import_job_run_task.reject_on_worker_lost
    upload(alice_client, "generic.csv")
    job = ImportJob.objects.get(owner=alice)
    # A worker died mid-import: the row says running, its transaction was rolled back.
    ImportJob.objects.filter(pk=job.pk).update(message="Importing", status="running")
    import_job_run_task(job.pk)
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", 2)
    import_job_run_task(job.pk)  # delivered again after it finished: nothing happens
    assert Contact.objects.filter(owner=alice).count() == 2


def test_result_page_says_how_many_notes_and_merges_it_does_not_list(alice_client, alice):
    rows = "".join(f"P{i},Q{i},not-an-email-{i},Co\n" for i in range(230))
    data = ("Name,Last Name,Email,Company\n" + rows).encode()
    upload(alice_client, "many.csv", content=data)
    job = ImportJob.objects.get(owner=alice)
    ImportJob.objects.filter(pk=job.pk).update(message="Queued")
    import_job_run(job_id=job.pk)
    page = alice_client.get(reverse("contacts:import_job", args=[job.pk])).content.decode()
    assert page.count("ignored the invalid email") == 200
    assert "…and 30 more." in page
    upload(
        alice_client,
        "many.csv",
        content=data.replace(b",Co\n", b",Co,Lisbon\n").replace(b"Company\n", b"Company,Location\n"),
    )
    again = ImportJob.objects.filter(owner=alice).latest("pk")
    ImportJob.objects.filter(pk=again.pk).update(message="Queued")
    import_job_run(job_id=again.pk)
    page = alice_client.get(reverse("contacts:import_job", args=[again.pk])).content.decode()
    assert page.count("— location") == 200 and page.count("…and 30 more.") == 2


def test_result_page_lists_rows_already_there_and_matches_to_confirm(alice_client, alice):
    upload(alice_client, "generic.csv")
    job = ImportJob.objects.get(owner=alice)
    ImportJob.objects.filter(pk=job.pk).update(message="Queued")
    import_job_run(job_id=job.pk)
    upload(alice_client, "generic.csv")  # the same file again: everyone is already there
    again = ImportJob.objects.filter(owner=alice).latest("pk")
    ImportJob.objects.filter(pk=again.pk).update(message="Queued")
    import_job_run(job_id=again.pk)
    again.refresh_from_db()
    assert again.skipped_count > 0
    page = alice_client.get(reverse("contacts:import_job", args=[again.pk])).content.decode()
    listed = page[page.index('id="import-unchanged"') :]
    for item in again.report["unchanged"]:
        assert f"Row {item['row']}:" in listed and item["name"] in listed
