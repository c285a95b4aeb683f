"""A real SMTP server for the digest tests: aiosmtpd on loopback, collecting messages.

`smtp_server` (fixture) starts one on a free port and points Django's SMTP
backend at it; `.stop()` / `.start()` take it down and bring it back on the same
port ("SMTP down, then up"); `refuse` holds recipient addresses it answers 550 to.
"""

import email
import socket
from email import policy
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Collector:
    """aiosmtpd handler: keeps every accepted message; refuses some recipients."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.refuse: set[str] = set()
        self.peers: list = []  # the client (host, port) of each message: one per SMTP connection

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.envelopes.append(envelope)
        self.peers.append(session.peer)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.handler = Collector()
        self._controller: Controller | None = None

    def start(self) -> "SmtpServer":
        self._controller = Controller(self.handler, hostname=HOST, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[Message]:
        return [
            email.message_from_bytes(e.original_content, policy=policy.default)
            for e in self.handler.envelopes
        ]

    @property
    def connections(self) -> int:
        """How many SMTP connections delivered the messages."""
        return len(set(self.handler.peers))

    def recipients(self) -> list[str]:
        return [rcpt for e in self.handler.envelopes for rcpt in e.rcpt_tos]

    def use_in(self, settings) -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = HOST
        settings.EMAIL_PORT = self.port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def smtp_server(settings):
    server = SmtpServer().start()
    server.use_in(settings)
    yield server
    server.stop()


@pytest.fixture
def smtp_down(settings):
    """A port with no server behind it (yet): sends fail with ConnectionRefusedError."""
    server = SmtpServer()
    server.use_in(settings)
    yield server
    server.stop()


def parts(message: Message) -> dict[str, str]:
    """{content type: decoded text} of a (multipart) message."""
    found = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            found[part.get_content_type()] = part.get_payload(decode=True).decode(
                part.get_content_charset() or "utf-8"
            )
    return found
