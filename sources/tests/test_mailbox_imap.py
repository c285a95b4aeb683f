"""sources.imap against a real dovecot on loopback (sources/tests/dovecot.py).

This module's server names its \\Sent special-use folder "Sent Messages", so every
read of the configured "Sent" goes through the special-use mapping.
"""

import socket
import threading
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from sources import imap
from sources.tests.dovecot import HOST, Dovecot, _free_port, dovecot_tls, make_message  # noqa: F401

UTC_ZONE = ZoneInfo("UTC")
SENT = "Sent Messages"
DAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def dovecot():
    server = Dovecot(sent=SENT)
    try:
        yield server.start()
    finally:
        server.cleanup()


@pytest.fixture
def account(dovecot):
    return dovecot.new_account()


def _session(dovecot, account, **overrides):
    username, password = account
    options = {
        "host": HOST,
        "port": dovecot.port,
        "security": "none",
        "username": username,
        "password": password,
    }
    return imap.session(**{**options, **overrides})


def _read(dovecot, account, folders, stored=None, **kwargs):
    """Every batch of every folder found, and the notes."""
    with _session(dovecot, account) as client:
        found, notes = imap.resolve_folders(client, folders)
        batches = [
            batch
            for folder, server_name, _sent in found
            for batch in imap.read_folder(
                client,
                folder=folder,
                server_name=server_name,
                stored=(stored or {}).get(folder),
                tz=UTC_ZONE,
                **kwargs,
            )
        ]
    return batches, notes


def _message(n=0, **overrides):
    fields = {"sender": "bob@x.example", "to": ["alice@example.org"], "date": DAY, "subject": f"m{n}"}
    return make_message(**{**fields, **overrides})


def test_sent_is_the_special_use_folder_and_a_missing_folder_is_a_note(dovecot, account):
    dovecot.append(*account, SENT, [_message(sender=account[0], to=["bob@x.example"])])
    dovecot.append(*account, "INBOX", [_message()])
    batches, notes = _read(dovecot, account, ["Sent", "inbox", "Archive"])
    assert [(b.folder, len(b.messages)) for b in batches] == [("Sent", 1), ("inbox", 1)]
    with _session(dovecot, account) as client:
        found, _ = imap.resolve_folders(client, ["Sent", "INBOX", SENT])
    assert found == [
        imap.Folder("Sent", SENT, sent=True),
        imap.Folder("INBOX", "INBOX", sent=False),
        imap.Folder(SENT, SENT, sent=True),  # by its own name, still the \Sent folder
    ]
    assert batches[0].messages[0].recipients == ("bob@x.example",)
    assert notes == ["folder 'Archive' not found on the server (skipped)"]


def test_only_headers_are_read_and_messages_stay_unseen(dovecot, account):
    huge = "x" * 5_000_000
    dovecot.append(*account, "INBOX", [_message(body=huge), _message(1)])
    before = len(dovecot.session_counters())
    started = time.perf_counter()
    batches, _ = _read(dovecot, account, ["INBOX"])
    elapsed = time.perf_counter() - started
    assert len(batches[0].messages) == 2
    assert elapsed < 1.0  # the 5 MB body never travels

    time.sleep(0.2)  # dovecot logs the session's counters when it ends
    session = dovecot.session_counters()[before:][-1]
    assert session["body_count"] == 0 and session["body_bytes"] == 0
    assert session["hdr_count"] == 2
    assert session["out"] < 20_000, session

    with dovecot.client(*account) as client:
        client.select_folder("INBOX", readonly=True)
        flags = client.get_flags(client.search("ALL"))
    assert all(b"\\Seen" not in f for f in flags.values()), flags


def test_the_fetch_command_asks_for_header_fields_only():
    assert imap.FETCH_ITEM == (
        "BODY.PEEK[HEADER.FIELDS (FROM TO CC DATE MESSAGE-ID LIST-ID PRECEDENCE AUTO-SUBMITTED)]"
    )


def test_a_second_read_from_the_stored_state_gives_only_new_messages(dovecot, account):
    dovecot.append(*account, "INBOX", [_message(n) for n in range(3)])
    first, _ = _read(dovecot, account, ["INBOX"])
    state = first[-1].state
    assert [m.uid for m in first[0].messages] == [1, 2, 3] and state.last_uid == 3

    again, _ = _read(dovecot, account, ["INBOX"], stored={"INBOX": state})
    # `UID SEARCH UID 4:*` answers UID 3 (the highest): filtered out.
    assert again[0].messages == [] and again[0].state == state

    dovecot.append(*account, "INBOX", [_message(3), _message(4)])
    new, _ = _read(dovecot, account, ["INBOX"], stored={"INBOX": state})
    assert [m.uid for m in new[0].messages] == [4, 5]
    assert new[-1].state == imap.FolderState(state.uidvalidity, 5)


def test_a_new_uidvalidity_reads_the_folder_again_from_the_start(dovecot, account):
    dovecot.append(*account, "Project", [_message(n) for n in range(3)])
    first, _ = _read(dovecot, account, ["Project"])
    state = first[-1].state
    with dovecot.client(*account) as client:
        client.delete_folder("Project")
    time.sleep(1.1)  # dovecot's next UIDVALIDITY is time-based
    dovecot.append(*account, "Project", [_message(9)])
    again, _ = _read(dovecot, account, ["Project"], stored={"Project": state})
    assert again[0].state.uidvalidity != state.uidvalidity
    # UID 1 is below the old last UID 3, and read all the same.
    assert [m.uid for m in again[0].messages] == [1]
    assert again[0].state.last_uid == 1


def test_an_empty_folder_gives_one_empty_batch_with_its_state(dovecot, account):
    batches, _ = _read(dovecot, account, ["INBOX"])
    assert len(batches) == 1 and batches[0].messages == [] and batches[0].state.last_uid == 0
    assert batches[0].state.uidvalidity > 0


def test_uids_are_fetched_in_batches_each_with_its_state(dovecot, account):
    dovecot.append(*account, "INBOX", [_message(n) for n in range(5)])
    batches, _ = _read(dovecot, account, ["INBOX"], batch_size=2)
    assert [[m.uid for m in b.messages] for b in batches] == [[1, 2], [3, 4], [5]]
    assert [b.state.last_uid for b in batches] == [2, 4, 5]


def test_an_unparseable_message_is_counted_and_passed(dovecot, account):
    bad = b"From: nobody\r\nDate: never\r\nSubject: x\r\n\r\nbody\r\n"
    dovecot.append(*account, "INBOX", [bad, _message()])
    batches, _ = _read(dovecot, account, ["INBOX"])
    assert batches[0].skipped == 1 and [m.uid for m in batches[0].messages] == [2]
    assert batches[0].state.last_uid == 2  # never read again


def test_a_wrong_password_is_a_login_error(dovecot, account):
    with pytest.raises(imap.MAILBOX_ERRORS) as caught:
        with _session(dovecot, account, password="wrong"):
            pass
    assert imap.describe(caught.value).startswith("login refused")


def test_ssl_and_starttls_with_a_trusted_certificate(dovecot_tls):  # noqa: F811
    account = dovecot_tls.new_account()
    dovecot_tls.append(*account, "INBOX", [_message()])
    for security, port in (("ssl", dovecot_tls.ssl_port), ("starttls", dovecot_tls.port)):
        with imap.session(
            host=HOST,
            port=port,
            security=security,
            username=account[0],
            password=account[1],
            ssl_context=dovecot_tls.ssl_context(),
        ) as client:
            assert client.select_folder("INBOX", readonly=True)[b"EXISTS"] == 1


def test_an_untrusted_certificate_is_refused(dovecot_tls):  # noqa: F811
    with pytest.raises(imap.MAILBOX_ERRORS) as caught:
        with imap.session(host=HOST, port=dovecot_tls.ssl_port, security="ssl", username="x", password="y"):
            pass
    assert imap.describe(caught.value).startswith("TLS error")
    assert "certificate verify failed" in imap.describe(caught.value)


def test_no_password_in_clear_to_another_host():
    with pytest.raises(imap.MailboxError, match="unencrypted"):
        with imap.session(host="mail.example.com", port=143, security="none", username="x", password="y"):
            pass


def test_a_refused_connection_and_a_silent_server_are_errors():
    with pytest.raises(imap.MAILBOX_ERRORS) as caught:
        with imap.session(host=HOST, port=_free_port(), security="none", username="x", password="y"):
            pass
    assert imap.describe(caught.value) == "connection refused"

    silent = socket.create_server((HOST, 0))
    accepted = []
    threading.Thread(target=lambda: accepted.append(silent.accept()), daemon=True).start()
    started = time.perf_counter()
    try:
        with pytest.raises(imap.MAILBOX_ERRORS) as caught:
            with imap.session(
                host=HOST,
                port=silent.getsockname()[1],
                security="none",
                username="x",
                password="y",
                timeout=0.5,
            ):
                pass
    finally:
        silent.close()
    assert time.perf_counter() - started < 5
    assert imap.describe(caught.value) == "timed out waiting for the server"
