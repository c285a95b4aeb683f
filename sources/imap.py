"""Reading a mailbox's new message headers over IMAP (imapclient), and parsing them.

What goes over the wire, and all of it: LOGIN, LIST, `SELECT folder` read-only (EXAMINE),
`UID SEARCH UID <last+1>:*`, and `UID FETCH <uids> (BODY.PEEK[HEADER.FIELDS (FROM TO CC
DATE MESSAGE-ID LIST-ID PRECEDENCE AUTO-SUBMITTED)])` in batches. Never a body, and
never a flag change: EXAMINE plus BODY.PEEK leave every message exactly as it was
(unread stays unread).

Where to start is the folder's stored (UIDVALIDITY, last UID): a UIDVALIDITY that changed
means the server rebuilt the folder and its UIDs mean other messages now, so that folder
is read again from the start (the database's one-touchpoint-per-contact-per-day key
makes the re-read harmless). A search `N:*` always answers the highest UID, even when it
is ≤ N (RFC 3501 6.4.8: `*` is the largest UID in use), so the answer is filtered.

Parsing (`parse_headers`) is pure and separate from the network: any bytes give a
MailHeader or None (a message without a usable Date or From is skipped), never an
exception.
"""

import contextlib
import email
import email.policy
import email.utils
import imaplib
import ipaddress
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date
from zoneinfo import ZoneInfo

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

HEADER_FIELDS = ("FROM", "TO", "CC", "DATE", "MESSAGE-ID", "LIST-ID", "PRECEDENCE", "AUTO-SUBMITTED")
FETCH_ITEM = f"BODY.PEEK[HEADER.FIELDS ({' '.join(HEADER_FIELDS)})]"
# UIDs per FETCH, listed one by one (imapclient matches the answers to the UIDs asked):
# 750 seven-digit UIDs make a ~6 KB command, under the 8 KB line servers must accept.
BATCH_SIZE = 750
TIMEOUT_S = 30

# Every error a mailbox can answer with (refused, timed out, TLS, bad login, protocol):
# the sync records it on the source instead of letting it out.
MAILBOX_ERRORS = (IMAPClientError, imaplib.IMAP4.error, OSError, ssl.SSLError, EOFError)


class MailboxError(Exception):
    """A mailbox that cannot be read as configured (a one-line reason for Settings)."""


@dataclass(frozen=True)
class MailHeader:
    uid: int
    day: date  # the Date header's day in the user's time zone
    sender: str  # the From address, lower-cased
    recipients: tuple[str, ...]  # To and Cc addresses, lower-cased, in order, no repeats
    message_id: str
    list_id: str = ""
    precedence: str = ""
    auto_submitted: str = ""


@dataclass(frozen=True)
class FolderState:
    uidvalidity: int
    last_uid: int


@dataclass(frozen=True)
class Batch:
    """New messages of one folder and the folder's state once they are recorded."""

    folder: str  # the configured name (the key of the stored state)
    messages: list[MailHeader]
    skipped: int  # new messages whose headers could not be used
    state: FolderState


# --- parsing (pure) ---------------------------------------------------------------

_FOLD = re.compile(r"\r?\n[ \t]+")
_ADDRESS = re.compile(r"[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\]+")


def _addresses(values: list[str]) -> list[str]:
    """The well-formed addresses among header values, lower-cased, in order, no repeats."""
    found: list[str] = []
    for _name, address in email.utils.getaddresses(values):
        address = address.strip().lower()
        if _ADDRESS.fullmatch(address) and address not in found:
            found.append(address)
    return found


def _header(message: email.message.Message, name: str) -> list[str]:
    return [_FOLD.sub(" ", str(value)).strip() for value in message.get_all(name, [])]


def parse_headers(uid: int, raw: bytes, tz: ZoneInfo) -> MailHeader | None:
    """The header fields we read, or None when the message has no usable Date or From.

    A Date without a zone (RFC 5322's -0000) is taken as UTC. Undecodable bytes are
    replaced, not fatal; a malformed To or Cc address is dropped, the others kept.
    """
    try:
        message = email.message_from_string(
            raw.decode("utf-8", errors="replace"), policy=email.policy.compat32
        )
        dates = _header(message, "date")
        senders = _addresses(_header(message, "from"))
        if not dates or not senders:
            return None
        sent_at = email.utils.parsedate_to_datetime(dates[0])
        if sent_at.tzinfo is None:
            sent_at = sent_at.replace(tzinfo=UTC)
        day = sent_at.astimezone(tz).date()
        message_ids = _header(message, "message-id")
        return MailHeader(
            uid=uid,
            day=day,
            sender=senders[0],
            recipients=tuple(_addresses(_header(message, "to") + _header(message, "cc"))),
            message_id=message_ids[0][:255] if message_ids else "",
            list_id=" ".join(_header(message, "list-id"))[:255],
            precedence=(_header(message, "precedence") or [""])[0][:64],
            auto_submitted=(_header(message, "auto-submitted") or [""])[0][:64],
        )
    except (TypeError, ValueError, OverflowError, IndexError, LookupError, AttributeError):
        # parsedate_to_datetime: TypeError/ValueError on a malformed date, OverflowError
        # on a year astimezone cannot hold; the email package's parsers on odd input.
        return None


def new_uids(found: list[int], last_uid: int) -> list[int]:
    """UIDs above `last_uid`, sorted (a `last+1:*` search also answers the highest UID)."""
    return sorted(uid for uid in set(found) if uid > last_uid)


# --- the network ----------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextlib.contextmanager
def session(
    *,
    host: str,
    port: int,
    security: str,
    username: str,
    password: str,
    timeout: float = TIMEOUT_S,
    ssl_context: ssl.SSLContext | None = None,
) -> Iterator[IMAPClient]:
    """A logged-in client, logged out on the way out.

    `security`: "ssl" (implicit TLS, port 993), "starttls" (143, then STARTTLS before the
    login), "none" (loopback only: a password is never sent in clear over a network).
    Certificates are verified with the system's trust store unless `ssl_context` says
    otherwise. `timeout` bounds the connection and every read, so a hung server cannot
    hold a worker.
    """
    if security == "none" and not _is_loopback(host):
        raise MailboxError(f"refusing to send the password unencrypted to {host}: choose SSL/TLS or STARTTLS")
    if security not in ("ssl", "starttls", "none"):
        raise MailboxError(f"unknown security {security!r}")
    context = ssl_context or ssl.create_default_context()
    client = IMAPClient(
        host,
        port=port,
        ssl=security == "ssl",
        ssl_context=context if security == "ssl" else None,
        timeout=timeout,
    )
    try:
        if security == "starttls":
            client.starttls(context)
        client.login(username, password)
        yield client
    finally:
        with contextlib.suppress(*MAILBOX_ERRORS):
            client.logout()
        with contextlib.suppress(*MAILBOX_ERRORS):
            client.shutdown()


def resolve_folders(client: IMAPClient, wanted: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """(configured name, server name) for each folder found, and a note per folder not found.

    INBOX matches in any case (RFC 3501); "Sent" not found by name is the server's
    \\Sent special-use folder (RFC 6154: "Sent Items", "[Gmail]/Sent Mail", "Gesendet").
    """
    listed = client.list_folders()
    names = {name: flags for flags, _delimiter, name in listed}
    by_lower = {name.lower(): name for name in names}
    found, notes = [], []
    for folder in wanted:
        if folder in names:
            found.append((folder, folder))
        elif folder.lower() == "inbox" and "inbox" in by_lower:
            found.append((folder, by_lower["inbox"]))
        elif folder.lower() == "sent" and (
            special := next((n for n, flags in names.items() if b"\\Sent" in flags), None)
        ):
            found.append((folder, special))
        elif folder.lower() in by_lower:
            found.append((folder, by_lower[folder.lower()]))
        else:
            notes.append(f"folder {folder!r} not found on the server (skipped)")
    return found, notes


def read_folder(
    client: IMAPClient,
    *,
    folder: str,
    server_name: str,
    stored: FolderState | None,
    tz: ZoneInfo,
    batch_size: int = BATCH_SIZE,
) -> Iterator[Batch]:
    """The folder's new messages in batches of UIDs, oldest first; at least one batch
    (maybe empty) so that a new UIDVALIDITY is stored even when the folder is empty."""
    selected = client.select_folder(server_name, readonly=True)
    uidvalidity = int(selected[b"UIDVALIDITY"])
    last_uid = stored.last_uid if stored and stored.uidvalidity == uidvalidity else 0
    uids = new_uids(client.search(["UID", f"{last_uid + 1}:*"]), last_uid) if selected.get(b"EXISTS") else []
    if not uids:
        yield Batch(folder=folder, messages=[], skipped=0, state=FolderState(uidvalidity, last_uid))
        return
    for start in range(0, len(uids), batch_size):
        chunk = uids[start : start + batch_size]
        fetched = client.fetch(chunk, [FETCH_ITEM])
        messages, skipped = [], 0
        for uid in chunk:
            data = fetched.get(uid)
            raw = next((v for k, v in (data or {}).items() if k.startswith(b"BODY[")), None)
            header = parse_headers(uid, raw, tz) if isinstance(raw, bytes) else None
            if header is None:
                skipped += 1
            else:
                messages.append(header)
        yield Batch(
            folder=folder, messages=messages, skipped=skipped, state=FolderState(uidvalidity, chunk[-1])
        )


def describe(exc: BaseException) -> str:
    """A one-line reason for Settings and the admin."""
    if isinstance(exc, IMAPClientError | imaplib.IMAP4.error) and "authenticat" in str(exc).lower():
        return f"login refused: {exc}"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out waiting for the server"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc}"
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:500]
