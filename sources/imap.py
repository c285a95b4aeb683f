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
import email.utils
import imaplib
import ipaddress
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date
from typing import NamedTuple
from zoneinfo import ZoneInfo

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from .mailrules import address_key

HEADER_FIELDS = ("FROM", "TO", "CC", "DATE", "MESSAGE-ID", "LIST-ID", "PRECEDENCE", "AUTO-SUBMITTED")
FETCH_ITEM = f"BODY.PEEK[HEADER.FIELDS ({' '.join(HEADER_FIELDS)})]"
# UIDs per FETCH, sent as ranges ("1:2000"; a mailbox with many expunged messages has
# more, shorter runs: 2,000 single seven-digit UIDs would still be a 16 KB line, which
# dovecot, Gmail and Exchange accept — dovecot's limit is 64 KB).
BATCH_SIZE = 2000
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
# A header line: a field name (printable ASCII but the colon), a colon, the value.
_FIELD = re.compile(r"^([!-9;-~]+)[ \t]*:(.*)$", re.MULTILINE)
_ADDRESS = re.compile(r"[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\]+")
_ANGLE = re.compile(r"<([^<>]*)>")
# What only the email package's address parser reads right: quoted names (which may hold
# commas), comments, groups ("undisclosed-recipients:;"), escapes.
_NOT_SIMPLE = re.compile(r'["():;\\]')


def _fields(raw: bytes) -> dict[str, list[str]]:
    """Header field values by lower-cased name, unfolded, in order. Undecodable bytes are
    replaced; lines that are not fields are passed over."""
    fields: dict[str, list[str]] = {}
    for name, value in _FIELD.findall(_FOLD.sub(" ", raw.decode("utf-8", errors="replace"))):
        fields.setdefault(name.lower(), []).append(value.strip())
    return fields


def _addresses(values: list[str]) -> list[str]:
    """The well-formed addresses among header values as keys (mailrules.address_key: lower
    case, NFC, an "xn--" domain in Unicode), in order, no repeats.

    A plain list ("Name <a@b>, c@d") is split here; anything else goes through
    `email.utils.getaddresses` (4x slower, and 20,000 messages are read in one run).
    The two agree on plain lists (a property test says so).
    """
    found: list[str] = []
    for value in values:
        if _NOT_SIMPLE.search(value):
            candidates = [address for _name, address in email.utils.getaddresses([value])]
        else:
            candidates = [
                match.group(1) if (match := _ANGLE.search(piece)) else piece for piece in value.split(",")
            ]
        for address in candidates:
            address = address_key(address)
            if address not in found and _ADDRESS.fullmatch(address):
                found.append(address)
    return found


def parse_headers(uid: int, raw: bytes, tz: ZoneInfo) -> MailHeader | None:
    """The header fields we read, or None when the message has no usable Date or From.

    A Date without a zone (RFC 5322's -0000) is taken as UTC. Undecodable bytes are
    replaced, not fatal; a malformed To or Cc address is dropped, the others kept.
    """
    try:
        fields = _fields(raw)
        dates = fields.get("date")
        senders = _addresses(fields.get("from", []))
        if not dates or not senders:
            return None
        sent_at = email.utils.parsedate_to_datetime(dates[0])
        if sent_at.tzinfo is None:
            sent_at = sent_at.replace(tzinfo=UTC)
        day = sent_at.astimezone(tz).date()
        return MailHeader(
            uid=uid,
            day=day,
            sender=senders[0],
            recipients=tuple(_addresses(fields.get("to", []) + fields.get("cc", []))),
            message_id=fields.get("message-id", [""])[0][:255],
            list_id=" ".join(fields.get("list-id", []))[:255],
            precedence=fields.get("precedence", [""])[0][:64],
            auto_submitted=fields.get("auto-submitted", [""])[0][:64],
        )
    except (TypeError, ValueError, OverflowError, IndexError, LookupError, AttributeError):
        # parsedate_to_datetime: TypeError/ValueError on a malformed date, OverflowError
        # on a year astimezone cannot hold; the address parser on odd input.
        return None


def new_uids(found: list[int], last_uid: int) -> list[int]:
    """UIDs above `last_uid`, sorted (a `last+1:*` search also answers the highest UID)."""
    return sorted(uid for uid in set(found) if uid > last_uid)


# --- the network ----------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses: the only hosts security "none" may reach."""
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
    if security == "none" and not is_loopback(host):
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


class Folder(NamedTuple):
    name: str  # as configured (the key of the stored state)
    server_name: str
    sent: bool  # the user's sent mail: the server's \Sent folder, or one configured as "Sent"


def resolve_folders(client: IMAPClient, wanted: list[str]) -> tuple[list[Folder], list[str]]:
    """The configured folders found on the server, and a note per folder not found.

    INBOX matches in any case (RFC 3501); "Sent" not found by name is the server's
    \\Sent special-use folder (RFC 6154: "Sent Items", "[Gmail]/Sent Mail", "Gesendet").
    """
    listed = client.list_folders()
    names = {name: flags for flags, _delimiter, name in listed}
    by_lower = {name.lower(): name for name in names}
    found, notes = [], []
    for folder in wanted:
        server_name = None
        if folder in names:
            server_name = folder
        elif folder.lower() == "inbox" and "inbox" in by_lower:
            server_name = by_lower["inbox"]
        elif folder.lower() == "sent":
            server_name = next((n for n, flags in names.items() if b"\\Sent" in flags), None)
        if server_name is None and folder.lower() in by_lower:
            server_name = by_lower[folder.lower()]
        if server_name is None:
            notes.append(f"folder {folder!r} not found on the server (skipped)")
            continue
        sent = b"\\Sent" in names[server_name] or folder.lower() == "sent"
        found.append(Folder(folder, server_name, sent))
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
        fetched = fetch_headers(client, chunk)
        messages, skipped = [], 0
        for uid in chunk:
            raw = fetched.get(uid)
            header = parse_headers(uid, raw, tz) if raw is not None else None
            if header is None:
                skipped += 1
            else:
                messages.append(header)
        yield Batch(
            folder=folder, messages=messages, skipped=skipped, state=FolderState(uidvalidity, chunk[-1])
        )


_UID = re.compile(rb"\bUID (\d+)")


def uid_set(uids: list[int]) -> str:
    """A sorted UID list as an IMAP sequence set of ranges: [1, 2, 3, 7] → "1:3,7"."""
    runs: list[str] = []
    first = previous = uids[0]
    for uid in [*uids[1:], None]:
        if uid is not None and uid == previous + 1:
            previous = uid
            continue
        runs.append(str(first) if first == previous else f"{first}:{previous}")
        if uid is not None:
            first = previous = uid
    return ",".join(runs)


def fetch_headers(client: IMAPClient, uids: list[int]) -> dict[int, bytes]:
    """UID → the raw header fields of FETCH_ITEM, for the `uids` (sorted) that exist.

    Through imaplib (the IMAPClient's `_imap`), not `IMAPClient.fetch`: imapclient's
    response parser reads every answer byte by byte, which made 20,000 headers take
    seconds; imaplib hands each literal back as it came. The UID is in the answer's
    text before the literal (or, from some servers, after it).
    """
    typ, data = client._imap.uid("FETCH", uid_set(uids), f"(UID {FETCH_ITEM})")
    if typ != "OK":
        raise MailboxError(f"FETCH refused: {data!r:.200}")
    return literals_by_uid(data, set(uids))


def literals_by_uid(data: list, wanted: set[int]) -> dict[int, bytes]:
    """imaplib's FETCH answer (tuples of (text before the literal, literal), then the
    text after it) → UID → literal, for the wanted UIDs (unsolicited answers dropped)."""
    found: dict[int, bytes] = {}
    waiting: bytes | None = None  # a literal whose UID comes after it
    for item in data:
        if isinstance(item, tuple):
            head, literal = item
            match = _UID.search(head)
            if match:
                found[int(match.group(1))] = literal
            else:
                waiting = literal
        elif isinstance(item, bytes) and waiting is not None:
            if match := _UID.search(item):
                found[int(match.group(1))] = waiting
            waiting = None
    return {uid: raw for uid, raw in found.items() if uid in wanted}


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
