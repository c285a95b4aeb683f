"""sync_mailbox against a real dovecot on loopback, through the real core (sources.found),
the real reminder engine and the real database."""

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from contacts.models import Interaction
from contacts.tests.factories import make_contact, make_reminder
from reminders.models import Reminder
from sources import crypto
from sources.found import Counts
from sources.mailbox_sync import sync_mailbox
from sources.models import FoundMail, FoundStatus, MailboxFolderState, MailboxSource
from sources.tests.dovecot import HOST, _free_port, dovecot, dovecot_tls, make_message  # noqa: F401

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


@pytest.fixture
def account(dovecot):  # noqa: F811
    return dovecot.new_account()


@pytest.fixture
def ben(alice):
    """Alice's contact (bob is the other user, who must never see her data)."""
    return make_contact(owner=alice, first_name="Ben", emails=["Ben@X.example"])


@pytest.fixture
def carol(alice):
    return make_contact(owner=alice, first_name="Carol", emails=["carol@y.example"])


def _mailbox(owner, server, account, **fields) -> MailboxSource:
    username, password = account
    values = {
        "host": HOST,
        "port": server.port,
        "security": "none",
        "username": username,
        "password_encrypted": crypto.encrypt(password),
    }
    return MailboxSource.objects.create(owner=owner, **{**values, **fields})


def _sent(account, to, when=MONDAY, **kwargs) -> bytes:
    return make_message(sender=account[0], to=to, date=when, **kwargs)


def _received(sender, account, when=MONDAY, **kwargs) -> bytes:
    return make_message(sender=sender, to=[account[0]], date=when, **kwargs)


def _emails(owner) -> list[tuple[date, list[str]]]:
    return [
        (i.occurred_on, sorted(c.first_name for c in i.contacts.all()))
        for i in Interaction.objects.filter(owner=owner, origin="mailbox", kind="email").order_by(
            "occurred_on", "id"
        )
    ]


def _states(source) -> dict[str, int]:
    return dict(MailboxFolderState.objects.filter(mailbox=source).values_list("folder", "last_uid"))


def test_sent_and_received_mail_logs_an_email_on_the_users_local_day(alice, ben, carol, dovecot, account):  # noqa: F811
    alice.profile.timezone = "Asia/Tokyo"
    alice.profile.save(update_fields=["timezone"])
    dovecot.append(*account, "Sent", [_sent(account, ["ben@x.example"], when=MONDAY)])
    # 23:30 UTC on Tuesday is Wednesday in Tokyo.
    late = datetime(2026, 11, 17, 23, 30, tzinfo=UTC)
    dovecot.append(*account, "INBOX", [_received("Carol <carol@y.example>", account, when=late)])
    source = _mailbox(alice, dovecot, account)

    counts = sync_mailbox(source, now=NOW)

    assert counts == Counts(logged=2)
    assert _emails(alice) == [(date(2026, 11, 16), ["Ben"]), (date(2026, 11, 18), ["Carol"])]
    assert _states(source) == {"Sent": 1, "INBOX": 1}
    source.refresh_from_db()
    assert source.last_success_at == NOW and source.last_checked_at == NOW and not source.failing


def test_mail_sent_from_an_alias_counts_its_recipients(alice, ben, carol, dovecot, account):  # noqa: F811
    dovecot.append(
        *account, "Sent", [make_message(sender="alice@alias.example", to=["ben@x.example"], date=MONDAY)]
    )

    assert sync_mailbox(_mailbox(alice, dovecot, account), now=NOW) == Counts(logged=1)
    assert _emails(alice) == [(date(2026, 11, 16), ["Ben"])]


def test_a_thread_of_fifty_messages_in_a_day_is_one_email_per_contact(alice, ben, carol, dovecot, account):  # noqa: F811
    sent = [
        _sent(account, ["ben@x.example"], when=MONDAY + timedelta(minutes=n), cc=["carol@y.example"])
        for n in range(25)
    ]
    received = [_received("ben@x.example", account, when=MONDAY + timedelta(minutes=n)) for n in range(25)]
    dovecot.append(*account, "Sent", sent)
    dovecot.append(*account, "INBOX", received)

    counts = sync_mailbox(_mailbox(alice, dovecot, account), now=NOW)

    assert counts == Counts(logged=2)
    assert sorted(names for _, names in _emails(alice)) == [["Ben"], ["Carol"]]
    assert FoundMail.objects.filter(owner=alice).count() == 2


def test_mailing_lists_and_machines_are_ignored(alice, ben, dovecot, account):  # noqa: F811
    make_contact(owner=alice, first_name="Robot", emails=["noreply@x.example"])
    dovecot.append(
        *account,
        "INBOX",
        [
            _received("ben@x.example", account, list_id="<team.lists.example>"),
            _received("ben@x.example", account, precedence="bulk"),
            _received("ben@x.example", account, auto_submitted="auto-replied"),
            _received("noreply@x.example", account),
        ],
    )
    source = _mailbox(alice, dovecot, account)

    assert sync_mailbox(source, now=NOW) == Counts()
    assert _emails(alice) == []
    assert _states(source)["INBOX"] == 4  # read, and not read again


def test_a_second_run_reads_only_new_messages_and_logs_nothing_twice(alice, ben, carol, dovecot, account):  # noqa: F811
    dovecot.append(*account, "INBOX", [_received("ben@x.example", account)])
    source = _mailbox(alice, dovecot, account)
    assert sync_mailbox(source, now=NOW) == Counts(logged=1)
    time.sleep(0.2)
    fetched_before = len(dovecot.session_counters())

    assert sync_mailbox(source, now=NOW) == Counts()

    dovecot.append(
        *account,
        "INBOX",
        [
            _received("ben@x.example", account),  # the same day: already a touchpoint
            _received("carol@y.example", account, when=MONDAY + timedelta(days=1)),
        ],
    )
    assert sync_mailbox(source, now=NOW) == Counts(logged=1)
    assert _emails(alice) == [(date(2026, 11, 16), ["Ben"]), (date(2026, 11, 17), ["Carol"])]
    time.sleep(0.2)
    sessions = [s for s in dovecot.session_counters()[fetched_before:] if s["hdr_count"] or s["out"] > 1500]
    # The run with nothing new fetched no header; the next fetched the two new ones only.
    assert [s["hdr_count"] for s in sessions if s["hdr_count"]] == [2]


def test_headers_only_no_body_and_messages_stay_unread(alice, ben, dovecot, account):  # noqa: F811
    dovecot.append(*account, "INBOX", [_received("ben@x.example", account, body="x" * 5_000_000)])
    source = _mailbox(alice, dovecot, account, folders="INBOX")
    before = len(dovecot.session_counters())
    started = time.perf_counter()

    assert sync_mailbox(source, now=NOW) == Counts(logged=1)

    assert time.perf_counter() - started < 2
    time.sleep(0.2)
    session = dovecot.session_counters()[before:][-1]
    assert (session["body_count"], session["body_bytes"], session["hdr_count"]) == (0, 0, 1)
    assert session["out"] < 20_000
    with dovecot.client(*account) as client:
        client.select_folder("INBOX", readonly=True)
        assert all(b"\\Seen" not in flags for flags in client.get_flags(client.search("ALL")).values())


def test_a_rebuilt_folder_is_read_again_without_logging_twice(alice, ben, carol, dovecot, account):  # noqa: F811
    dovecot.append(*account, "Project", [_received("ben@x.example", account)])
    source = _mailbox(alice, dovecot, account, folders="Project")
    assert sync_mailbox(source, now=NOW) == Counts(logged=1)
    old = MailboxFolderState.objects.get(mailbox=source)

    with dovecot.client(*account) as client:
        client.delete_folder("Project")
    time.sleep(1.1)  # dovecot's next UIDVALIDITY is time-based
    tuesday = MONDAY + timedelta(days=1)
    dovecot.append(
        *account,
        "Project",
        [_received("ben@x.example", account), _received("carol@y.example", account, when=tuesday)],
    )

    assert sync_mailbox(source, now=NOW) == Counts(logged=1)  # Carol; Ben's Monday was logged already
    new = MailboxFolderState.objects.get(mailbox=source)
    assert new.uidvalidity != old.uidvalidity and new.last_uid == 2
    assert _emails(alice) == [(date(2026, 11, 16), ["Ben"]), (date(2026, 11, 17), ["Carol"])]


def test_a_crash_before_the_state_was_stored_reads_again_and_logs_nothing_twice(alice, ben, dovecot, account):  # noqa: F811
    dovecot.append(*account, "INBOX", [_received("ben@x.example", account)])
    source = _mailbox(alice, dovecot, account)
    assert sync_mailbox(source, now=NOW) == Counts(logged=1)
    # What a crash between the core's commit and the state's save leaves behind.
    MailboxFolderState.objects.filter(mailbox=source).delete()

    assert sync_mailbox(source, now=NOW) == Counts()
    assert len(_emails(alice)) == 1
    assert _states(source) == {"Sent": 0, "INBOX": 1}


def test_another_users_contact_with_the_same_address_is_never_touched(alice, ben, bob, dovecot, account):  # noqa: F811
    theirs = make_contact(owner=bob, first_name="Ben", emails=["ben@x.example"])
    check_in = make_reminder(contact=theirs, kind="check_in", due_on=date(2026, 11, 1))
    dovecot.append(*account, "INBOX", [_received("ben@x.example", account)])

    assert sync_mailbox(_mailbox(alice, dovecot, account), now=NOW) == Counts(logged=1)

    assert Interaction.objects.filter(owner=bob).count() == 0
    assert not FoundMail.objects.filter(owner=bob).exists()
    check_in.refresh_from_db()
    assert check_in.status == "open"


def test_a_message_from_a_fast_clock_dated_tomorrow_counts_today(alice, ben, dovecot, account):  # noqa: F811
    dovecot.append(*account, "INBOX", [_received("ben@x.example", account, when=NOW + timedelta(days=1))])
    source = _mailbox(alice, dovecot, account)

    assert sync_mailbox(source, now=NOW) == Counts(logged=1)
    assert _emails(alice) == [(NOW.date(), ["Ben"])]


def test_ask_first_queues_the_email_for_review(alice, ben, dovecot, account):  # noqa: F811
    dovecot.append(*account, "INBOX", [_received("ben@x.example", account)])
    source = _mailbox(alice, dovecot, account, ask_first=True)

    assert sync_mailbox(source, now=NOW) == Counts(pending=1)
    assert _emails(alice) == []
    assert FoundMail.objects.get(owner=alice).status == FoundStatus.PENDING


def test_an_email_closes_the_contacts_open_check_in(alice, ben, dovecot, account):  # noqa: F811
    check_in = make_reminder(contact=ben, kind="check_in", due_on=date(2026, 11, 1))
    dovecot.append(*account, "INBOX", [_received("ben@x.example", account)])

    sync_mailbox(_mailbox(alice, dovecot, account), now=NOW)

    check_in.refresh_from_db()
    assert check_in.status == "done"
    ben.refresh_from_db()
    assert not Reminder.objects.filter(contact=ben, kind="check_in", status="open").exists()


def test_a_missing_folder_is_skipped_and_no_folder_at_all_is_an_error(alice, ben, dovecot, account):  # noqa: F811
    dovecot.append(*account, "INBOX", [_received("ben@x.example", account)])
    source = _mailbox(alice, dovecot, account, folders="Archive,INBOX")
    assert sync_mailbox(source, now=NOW) == Counts(logged=1)

    nowhere = _mailbox(alice, dovecot, account, folders="Archive")
    assert sync_mailbox(nowhere, now=NOW) == Counts(failed=1)
    nowhere.refresh_from_db()
    assert "'Archive' not found" in nowhere.last_error and nowhere.failing


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"password_encrypted": "wrong"}, "login refused"),
        ({"port": "free"}, "connection refused"),
        ({"password_encrypted": "not-a-token"}, "cannot decrypt the stored password"),
        ({"host": "mail.example.com"}, "refusing to send the password unencrypted"),
    ],
)
def test_a_failing_mailbox_records_its_error_and_raises_nothing(alice, dovecot, account, fields, error):  # noqa: F811
    if fields.get("port") == "free":
        fields = {"port": _free_port()}
    if fields.get("password_encrypted") == "wrong":
        fields = {"password_encrypted": crypto.encrypt("wrong-password")}
    source = _mailbox(alice, dovecot, account, **fields)

    assert sync_mailbox(source, now=NOW) == Counts(failed=1)

    source.refresh_from_db()
    assert source.last_error.startswith(error), source.last_error
    assert source.last_error_at == NOW and source.last_success_at is None and source.failing
    assert "wrong-password" not in source.last_error


def test_a_timeout_is_an_error_within_the_timeout(alice, dovecot, account):  # noqa: F811
    import socket

    silent = socket.create_server((HOST, 0))
    source = _mailbox(alice, dovecot, account, port=silent.getsockname()[1])
    started = time.perf_counter()
    try:
        assert sync_mailbox(source, now=NOW, timeout=0.5) == Counts(failed=1)
    finally:
        silent.close()
    assert time.perf_counter() - started < 5
    source.refresh_from_db()
    assert source.last_error == "timed out waiting for the server"


def test_a_tls_mailbox_with_its_certificate_trusted(alice, ben, dovecot_tls):  # noqa: F811
    account = dovecot_tls.new_account()
    dovecot_tls.append(*account, "INBOX", [_received("ben@x.example", account)])
    source = _mailbox(alice, dovecot_tls, account, security="ssl", port=dovecot_tls.ssl_port)
    assert sync_mailbox(source, now=NOW, ssl_context=dovecot_tls.ssl_context()) == Counts(logged=1)
    # Without trusting it (the system's store): refused, and said so.
    assert sync_mailbox(source, now=NOW) == Counts(failed=1)
    source.refresh_from_db()
    assert "certificate verify failed" in source.last_error


def test_sync_sources_reads_mailboxes(alice, ben, dovecot, account, capsys):  # noqa: F811
    dovecot.append(*account, "INBOX", [_received("ben@x.example", account, when=NOW - timedelta(days=1))])
    _mailbox(alice, dovecot, account)

    call_command("sync_sources", "--user", "alice")

    assert capsys.readouterr().out.strip().splitlines()[-1] == "logged=1 ignored=0 failed=0"
    call_command("sync_sources")
    assert capsys.readouterr().out.strip().splitlines()[-1] == "logged=0 ignored=0 failed=0"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_log_each_touchpoint_once(postgres_url, dovecot):  # noqa: F811
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (DATABASE_URL=postgres://…)")
    from contacts.tests.factories import make_user

    alice = make_user("alice")
    people = [make_contact(owner=alice, emails=[f"p{n}@x.example"]) for n in range(20)]
    account = dovecot.new_account()
    dovecot.append(
        *account,
        "INBOX",
        [
            _received(f"p{n}@x.example", account, when=MONDAY + timedelta(days=day))
            for n in range(len(people))
            for day in range(3)
        ],
    )
    source = _mailbox(alice, dovecot, account)
    start = threading.Barrier(2)
    results: list[Counts] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            mine = MailboxSource.objects.get(pk=source.pk)
            start.wait()
            results.append(sync_mailbox(mine, now=NOW))
        except BaseException as error:  # noqa: BLE001 - surfaced by the assert below
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(r.logged for r in results) == 60 and all(not r.failed for r in results)
    assert Interaction.objects.filter(owner=alice, origin="mailbox").count() == 60
    assert FoundMail.objects.filter(owner=alice).count() == 60
    assert _states(source) == {"Sent": 0, "INBOX": 60}
