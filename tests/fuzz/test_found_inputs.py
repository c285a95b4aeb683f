"""The inputs that made a 500 or an "unexpected" import failure (issue #13), one test each.

Imports: a value of the wrong type is a row error with its row number, and the other
rows still import. Query strings and URLs: a 400, a 404 or an empty result, never a 500.
"""

import copy
import json

import pytest

from contacts.importing.errors import RowError
from contacts.importing.services import import_run
from contacts.models import Contact
from contacts.tests.factories import make_contact

BACKUP = {
    "format": "keepwarm-backup",
    "version": 1,
    "contacts": [
        {
            "id": 1,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "emails": [{"value": "ada@example.org", "label": "work"}],
        },
        {"id": 2, "first_name": "Charles", "last_name": "Babbage", "introduced_by": 1},
    ],
    "interactions": [{"id": 1, "contact_ids": [1, 2], "occurred_on": "2026-09-15", "kind": "meeting"}],
    "reminders": [{"contact_id": 1, "kind": "check_in", "due_on": "2027-01-01", "status": "open"}],
}


def backup_with(path: tuple, value) -> str:
    document = copy.deepcopy(BACKUP)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return json.dumps(document)


def row_errors(report) -> list[RowError]:
    assert all(isinstance(e, RowError) and e.row >= 1 and e.message for e in report.errors)
    return report.errors


@pytest.mark.django_db
@pytest.mark.parametrize("label", [{"a": 1}, ["work"], 3, None, True])
@pytest.mark.parametrize("dry_run", [True, False])
def test_backup_email_label_of_any_type_imports(alice, label, dry_run):
    report = import_run(
        owner=alice, text=backup_with(("contacts", 0, "emails", 0, "label"), label), dry_run=dry_run
    )
    assert report.created == 2
    assert not report.errors


@pytest.mark.django_db
def test_backup_email_label_object_preview(alice_client, alice, preview_page):
    text = backup_with(("contacts", 0, "emails", 0, "label"), {"a": 1})
    response = preview_page(alice_client, alice, text.encode())
    assert response.status_code == 200
    assert b"Ada" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("value", [[1], {"x": 1}, 1.5, True])
@pytest.mark.parametrize(
    "path, row",
    [
        (("contacts", 0, "id"), 1),
        (("contacts", 1, "introduced_by"), 2),
        (("reminders", 0, "contact_id"), 1),
        (("interactions", 0, "contact_ids", 0), 1),
    ],
)
def test_backup_reference_of_the_wrong_type_is_a_row_error(alice, path, row, value):
    report = import_run(owner=alice, text=backup_with(path, value))
    errors = row_errors(report)
    assert [e.row for e in errors if e.message.startswith(path[0][:-1] + " ")] == [row]
    assert "must be" in errors[0].message


@pytest.mark.django_db
@pytest.mark.parametrize("cadence", ["²", "³", "¹²", "٣", "9" * 5000])
def test_csv_cadence_that_is_not_a_plain_number_is_a_row_error(alice, cadence):
    text = f"name,email,cadence\nAda Lovelace,ada@example.org,{cadence}\nCharles Babbage,cb@example.org,3\n"
    report = import_run(owner=alice, text=text, fmt="csv")
    assert report.created == 1
    [error] = row_errors(report)
    assert error.row == 2 and "cadence" in error.message


@pytest.mark.django_db
def test_csv_birthday_parts_in_superscript_digits_are_a_row_error_or_warning(alice):
    text = "first_name,last_name,birthday_month,birthday_day\nAda,Lovelace,²,1\n"
    report = import_run(owner=alice, text=text, fmt="csv")
    assert report.created + len(report.errors) == 1
    assert Contact.objects.filter(owner=alice).count() == report.created


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "exclude=%C2%B2",
        "exclude=99999999999999999999999",
        "exclude=-1",
        "contacts=%C2%B2&exclude=1",
        "q=%00",
        "q=a%00b",
        "q=%C2%B2&exclude=" + "9" * 5000,
    ],
)
def test_picker_query_strings_never_500(alice_client, alice, query):
    make_contact(owner=alice, first_name="Ada")
    assert alice_client.get(f"/contacts/picker/?{query}").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["page=%C2%B2", "page=%00", "q=%00", "tag=%C2%B2", "tag=99999999999999999999999"]
)
def test_list_query_strings_never_500(alice_client, alice, query):
    make_contact(owner=alice)
    assert alice_client.get(f"/contacts/?{query}").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["offset=%C2%B2", "offset=%00", "offset=" + "9" * 5000])
def test_timeline_query_strings_never_500(alice_client, alice, query):
    contact = make_contact(owner=alice)
    assert alice_client.get(f"/contacts/{contact.pk}/timeline/?{query}").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/calendar/%00.ics", "/calendar/a%00b.ics", "/calendar/%C2%B2.ics"])
def test_calendar_feed_with_a_nul_token_is_404(client, alice, path):
    assert client.get(path).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "line",
    [
        "NOTE;CHARSET=base64;ENCODING=QUOTED-PRINTABLE:Difference=20engine",  # not a text encoding
        "NOTE;CHARSET=rot13;ENCODING=QUOTED-PRINTABLE:Difference=20engine",
        "NOTE;ENCODING=QUOTED-PRINTABLE:Difference=00engine",  # a NUL, which PostgreSQL refuses
        "FN;ENCODING=QUOTED-PRINTABLE:Ada=00",
    ],
)
@pytest.mark.parametrize("dry_run", [True, False])
def test_vcard_quoted_printable_oddities_import(alice, line, dry_run):
    text = f"BEGIN:VCARD\nVERSION:2.1\nN:Lovelace;Ada\n{line}\nEMAIL:ada@example.org\nEND:VCARD\n"
    report = import_run(owner=alice, text=text, fmt="vcard", dry_run=dry_run)
    assert report.created == 1 and not report.errors
    if not dry_run:
        contact = Contact.objects.get(owner=alice)
        assert "\x00" not in contact.notes + contact.first_name + contact.last_name


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["Ada\x00", "\x00"])
@pytest.mark.parametrize("key", ["first_name", "notes", "company"])
def test_backup_text_with_a_nul_character_is_a_row_error(alice, key, value):
    report = import_run(owner=alice, text=backup_with(("contacts", 0, key), value))
    [error] = [e for e in row_errors(report) if e.message.startswith("contact ")]
    assert error.row == 1 and "NUL" in error.message
    assert Contact.objects.filter(owner=alice).count() == 1


@pytest.mark.django_db
def test_backup_with_a_number_of_5000_digits_is_a_format_error(alice):
    from contacts.importing.errors import ImportFormatError

    text = json.dumps(BACKUP).replace('"id": 1,', '"id": ' + "9" * 5000 + ",", 1)
    with pytest.raises(ImportFormatError, match="not valid JSON"):
        import_run(owner=alice, text=text)
    assert not Contact.objects.filter(owner=alice).exists()


# Found by POSTing nasty forms (tests/fuzz/test_fuzz_posts.py).
HUGE = str(10**25)


def test_a_next_that_is_a_bare_word_is_not_followed(alice_client, alice):
    """redirect("a b") took it for a URL name: NoReverseMatch, a 500."""
    from contacts.tests.factories import make_reminder

    reminder = make_reminder(contact=make_contact(owner=alice))
    response = alice_client.post(f"/reminders/{reminder.pk}/done/", {"next": "a b"})
    assert response.status_code == 302 and response["Location"] == "/reminders/"
    response = alice_client.post(
        "/contacts/bulk/", {"action": "archive", "ids": [reminder.contact_id], "next": "x"}
    )
    assert response.status_code == 302 and response["Location"] == "/contacts/"


@pytest.mark.parametrize("ids", [[HUGE], ["²"], ["٣"], ["1_0"]])
def test_bulk_ids_that_are_no_ids_are_refused(alice_client, alice, ids):
    contact = make_contact(owner=alice)
    response = alice_client.post(
        "/contacts/bulk/", {"action": "archive", "ids": [contact.pk, *ids]}, follow=True
    )
    assert response.status_code == 200 and "Invalid selection." in response.content.decode()
    contact.refresh_from_db()
    assert not contact.archived


def test_people_and_introducer_ids_beyond_any_id_are_form_errors(alice_client, alice):
    """A 26-digit id overflowed SQLite's integers in the picker and the choice fields."""
    ada = make_contact(owner=alice)
    response = alice_client.post(
        f"/contacts/{ada.pk}/log/",
        {"log-contacts": [HUGE], "log-occurred_on": "2026-11-01", "log-kind": "coffee"},
    )
    assert response.status_code == 200 and "Choose people from your contacts." in response.content.decode()
    response = alice_client.post(
        "/contacts/new/",
        {
            "first_name": "Bo",
            "introduced_by": HUGE,
            "relationship": "peer",
            "network": "operational",
            "tie_strength": "weak",
        },
    )
    assert response.status_code == 200 and "Choose someone from your contacts." in response.content.decode()


def test_a_duplicate_pair_beyond_any_id_is_404(alice_client, alice):
    ada = make_contact(owner=alice)
    response = alice_client.post(f"/contacts/duplicates/{HUGE}/{ada.pk}/not-duplicate/")
    assert response.status_code == 404
