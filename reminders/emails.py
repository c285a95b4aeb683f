"""The digest email: subject, plain text and HTML from templates, and its headers.

Two ways out. Over Django's SMTP backend (production, the tests' aiosmtpd) the
message is written straight to bytes here (`digest_mime`): the same MIME
structure Django builds (multipart/alternative, utf-8 parts, 7bit/8bit or base64
for overlong lines, Date, Message-ID, the List-* headers) at a fraction of the cost
of the email package's generator, and handed to the open SMTP session. Any other
backend (console, locmem, file) gets Django's EmailMultiAlternatives.
"""

import base64
import secrets
from dataclasses import dataclass
from email.header import Header
from email.utils import formatdate, make_msgid, parseaddr

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.core.mail.utils import DNS_NAME
from django.template.loader import get_template

SUBJECT_TEMPLATE = "emails/digest_subject.txt"
TEXT_TEMPLATE = "emails/digest_body.txt"
HTML_TEMPLATE = "emails/digest_body.html"
# RFC 5322: a line is at most 998 octets; a longer body line goes out base64 (Django: QP).
_MAX_LINE = 998


def _unsubscribe_mailto() -> str:
    """The mailto: half of List-Unsubscribe (DIGEST_UNSUBSCRIBE_MAILTO, else the sender)."""
    address = getattr(settings, "DIGEST_UNSUBSCRIBE_MAILTO", "") or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return f"mailto:{address}?subject=unsubscribe"


class _Fields(dict):
    """A Digest's fields as a dict, also readable as attributes (digest.item_count)."""

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _plain(digest) -> "_Fields":
    """The Digest as dicts for the templates: a dict lookup is what Django's
    template engine tries first, an object's attribute only after a caught
    TypeError; at ~400 lookups a digest this is a quarter of the rendering time."""
    return _Fields(
        {
            **digest.__dict__,
            "item_count": digest.item_count,
            "is_empty": digest.is_empty,
            "should_send": digest.should_send,
            "sections": [
                {**section.__dict__, "items": [item.__dict__ for item in section.items]}
                for section in digest.sections
            ],
            "reconnect": digest.reconnect.__dict__ if digest.reconnect is not None else None,
        }
    )


def digest_render(*, digest) -> tuple[str, str, str]:
    """(subject, text, html) for a Digest. Rendering reads no database row."""
    context = {"digest": _plain(digest)}
    subject = " ".join(get_template(SUBJECT_TEMPLATE).render(context).split())
    text = get_template(TEXT_TEMPLATE).render(context)
    html = _compact(get_template(HTML_TEMPLATE).render(context))
    return subject, text, html


def _compact(html: str) -> str:
    """Drop indentation and blank lines: HTML collapses them anyway, and a smaller
    message is cheaper to encode and send (about a third of the bytes)."""
    return "\n".join(stripped for line in html.splitlines() if (stripped := line.strip()))


def _headers(digest) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{digest.unsubscribe_url}>, <{_unsubscribe_mailto()}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        "X-Keepwarm-Digest": digest.period,
    }


def digest_message(*, digest, connection=None) -> EmailMultiAlternatives:
    """The multipart/alternative digest message, ready to send over `connection`.

    Headers per RFC 2369 and RFC 8058: List-Unsubscribe with the one-click HTTPS
    URL (a POST turns digests off) and a mailto:, and List-Unsubscribe-Post.
    """
    subject, text, html = digest_render(digest=digest)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[digest.email],
        connection=connection,
        headers=_headers(digest),
    )
    message.attach_alternative(html, "text/html")
    return message


# --- the fast path: bytes for an SMTP session ------------------------------------


@dataclass(frozen=True)
class DigestMime:
    """One digest as the SMTP session sends it: envelope and message bytes (CRLF)."""

    from_email: str
    to: str
    data: bytes

    def send(self, connection: SmtpBackend) -> None:
        """Send over the backend's SMTP session, opening it if needed (a no-op when
        open). SMTPException/OSError propagate, as with fail_silently=False."""
        connection.open()
        connection.connection.sendmail(self.from_email, [self.to], self.data)


def _header(name: str, value: str) -> bytes:
    """One header line: as is when ASCII and short, else RFC 2047 encoded and folded
    (what Django's SafeMIMEMultipart does); a newline in a value is refused."""
    if "\n" in value or "\r" in value:
        raise BadHeaderError(f"Header values can't contain newlines (got {value!r} for header {name!r})")
    if value.isascii() and len(name) + len(value) < 900:
        return f"{name}: {value}\r\n".encode("ascii")
    encoded = Header(value, "us-ascii" if value.isascii() else "utf-8", header_name=name).encode(
        linesep="\r\n"
    )
    return f"{name}: {encoded}\r\n".encode("ascii")


def _part(subtype: str, body: str) -> bytes:
    """A text/<subtype> utf-8 part: 7bit or 8bit, base64 when a line is too long."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    raw = body.encode("utf-8")
    if len(raw) > _MAX_LINE and max(map(len, raw.split(b"\n"))) > _MAX_LINE:
        cte = "base64"
        # Text in canonical form (CRLF line ends) before base64, as RFC 2045 asks.
        payload = base64.encodebytes(raw.replace(b"\n", b"\r\n")).replace(b"\n", b"\r\n")
    else:
        cte = "7bit" if body.isascii() else "8bit"
        payload = raw.replace(b"\n", b"\r\n")
    head = f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: {cte}\r\n\r\n'
    return head.encode("ascii") + payload


def digest_mime(*, digest) -> DigestMime:
    """The digest as multipart/alternative bytes for an SMTP session.

    Same headers as `digest_message`; addresses go through Django's
    sanitize_address (IDNA, encoded names; a header injection is refused with
    ValueError "Invalid address"), so a bad address fails here, before any claim.
    """
    subject, text, html = digest_render(digest=digest)
    from_email = sanitize_address(settings.DEFAULT_FROM_EMAIL, "utf-8")
    to = sanitize_address(digest.email, "utf-8")
    plain, rich = _part("plain", text), _part("html", html)
    boundary = f"==============={secrets.token_hex(12)}=="
    while boundary.encode() in plain or boundary.encode() in rich:  # practically never
        boundary = f"==============={secrets.token_hex(12)}=="
    head = b"".join(
        [
            f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\nMIME-Version: 1.0\r\n'.encode(),
            _header("Subject", subject),
            _header("From", from_email),
            _header("To", to),
            _header("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)),
            _header("Message-ID", make_msgid(domain=str(DNS_NAME))),
            *(_header(name, value) for name, value in _headers(digest).items()),
        ]
    )
    # The CRLF before each delimiter belongs to the delimiter (RFC 2046), not the part.
    data = b"".join(
        [
            head,
            f"\r\n--{boundary}\r\n".encode(),
            plain,
            f"\r\n--{boundary}\r\n".encode(),
            rich,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    return DigestMime(from_email=from_email, to=to, data=data)


class _DjangoSend:
    """Any non-SMTP backend: Django's own message and send()."""

    def __init__(self, message: EmailMultiAlternatives) -> None:
        self.message = message

    def send(self, connection) -> None:
        self.message.connection = connection
        self.message.send()


def digest_outgoing(*, digest, connection) -> "DigestMime | _DjangoSend":
    """What `_deliver` sends: bytes for an SMTP backend, Django's message otherwise.
    Both have `.send(connection)`; both are built (rendered) before the claim."""
    if isinstance(connection, SmtpBackend):
        return digest_mime(digest=digest)
    return _DjangoSend(digest_message(digest=digest, connection=connection))
