"""The digest's bytes for an SMTP session, written directly: the one hand-made fast path.

Why it exists: Django's `EmailMultiAlternatives.message().as_bytes()` goes through
the email package's generator, which costs more than rendering the digest's two
templates; with it the digest job misses its ≥ 500 digests/s target (README,
Benchmarks, with both figures). The message itself is still Django's
`EmailMultiAlternatives` built by `emails.digest_message`: this module only
serialises that object, for the one shape a digest has (a text/plain body and one
text/html alternative, utf-8, no cc/bcc/reply-to/attachments, no line over 998
bytes, a body that is not empty). Anything else returns None and goes through Django's own `send()`.

What it writes is what Django would send: the same headers with the same values
(Django's own `forbid_multi_line_headers` encodes them and refuses newlines), the
same multipart/alternative structure, the same content types and transfer
encodings (7bit for ASCII, 8bit otherwise). Header folding may differ, which no
reader sees. `digests/tests/test_mime.py` proves it on generated messages.
"""

import secrets
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import forbid_multi_line_headers, sanitize_address
from django.core.mail.utils import DNS_NAME

# RFC 5322: at most 998 octets a line; Django switches a body to quoted-printable past it.
MAX_LINE = 998
_HANDLED_BY_DJANGO = {"from", "to", "cc", "reply-to"}


def _header(name: str, value: str) -> bytes:
    name, value = forbid_multi_line_headers(name, value, "utf-8")
    # Header.encode() folds with "\n "; SMTP wants CRLF.
    return f"{name}: {value}\r\n".replace("\r\n", "\n").replace("\n", "\r\n").encode("ascii")


def _part(subtype: str, text: str) -> bytes | None:
    """A text/<subtype> utf-8 part as Django writes it, or None when Django would use
    quoted-printable (a line over MAX_LINE bytes)."""
    raw = text.encode("utf-8")
    if any(len(line) > MAX_LINE for line in raw.splitlines()):
        return None
    encoding = "7bit" if text.isascii() else "8bit"
    body = b"\r\n".join(raw.splitlines())
    if raw.endswith((b"\n", b"\r")):
        body += b"\r\n"
    head = f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n'
    return head.encode("ascii") + body


def message_bytes(message: EmailMultiAlternatives) -> bytes | None:
    """The bytes Django would send for `message`, or None when it is not a digest's shape."""
    if (
        not message.body  # Django then sends the HTML alone
        or message.cc
        or message.bcc
        or message.reply_to
        or message.attachments
        or (message.encoding or settings.DEFAULT_CHARSET).lower() != "utf-8"
        or message.content_subtype != "plain"
        or len(message.alternatives) != 1
        or message.alternatives[0][1] != "text/html"
    ):
        return None
    plain = _part("plain", message.body)
    html = _part("html", message.alternatives[0][0])
    if plain is None or html is None:
        return None
    boundary = f"==============={secrets.randbelow(10**19):019d}=="
    extra = {name.lower(): (name, value) for name, value in message.extra_headers.items()}
    head = [
        f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\nMIME-Version: 1.0\r\n'.encode(),
        _header("Subject", message.subject),
        _header("From", message.extra_headers.get("From", message.from_email)),
        _header("To", ", ".join(str(address) for address in message.to)),
    ]
    if "date" not in extra:
        head.append(_header("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)))
    if "message-id" not in extra:
        head.append(_header("Message-ID", make_msgid(domain=DNS_NAME)))
    head += [_header(name, value) for key, (name, value) in extra.items() if key not in _HANDLED_BY_DJANGO]
    delimiter = f"\r\n--{boundary}\r\n".encode()
    return b"".join([*head, delimiter, plain, delimiter, html, f"\r\n--{boundary}--\r\n".encode()])


def send(message: EmailMultiAlternatives, connection) -> None:
    """Send `message` over `connection`: these bytes over an open SMTP session when
    they apply, Django's `message.send()` otherwise (console, locmem, file backends).
    SMTPException/OSError propagate, as with fail_silently=False."""
    if isinstance(connection, SmtpBackend):
        # The envelope first, as Django's SMTP backend does: a bad address fails
        # with its "Invalid address" before any header is written.
        sender = sanitize_address(message.from_email, "utf-8")
        recipients = [sanitize_address(address, "utf-8") for address in message.recipients()]
        data = message_bytes(message)
        if data is not None:
            connection.open()  # a no-op while the batch's session is open
            connection.connection.sendmail(sender, recipients, data)
            return
    message.connection = connection
    message.send()
