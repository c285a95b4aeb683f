"""A real HTTP server on loopback for the calendar tests (http.server in a thread).

`FeedServer.serve(path, body)` publishes a feed with a strong ETag and Last-Modified and
answers 304 to a matching If-None-Match; special routes: a slow server, a 50 MB
stream generated on the fly (never stored), redirects and error statuses. Every
request is recorded (path, status, request headers) for the tests to read.
"""

import hashlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
LAST_MODIFIED = "Wed, 18 Nov 2026 08:00:00 GMT"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    delay: float = 0.0  # seconds before the headers
    trickle: float = 0.0  # seconds between 1-byte writes of the body
    stream_mb: int = 0  # a generated body of this many MB, no Content-Length
    location: str = ""


@dataclass
class FeedServer:
    routes: dict[str, Route] = field(default_factory=dict)
    log: list[tuple[str, int, dict]] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: bytes, **options) -> str:
        self.routes[path] = Route(body=body, **options)
        return self.url(path)

    def statuses(self, path: str) -> list[int]:
        return [status for p, status, _ in self.log if p == path]


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _answer(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
            server.log.append((self.path, status, dict(self.headers)))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if body:
                self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            route = server.routes.get(self.path)
            if route is None:
                self._answer(404, {"Content-Length": "9"}, b"not found")
                return
            if route.delay:
                time.sleep(route.delay)
            if route.location:
                self._answer(route.status, {"Location": route.location, "Content-Length": "0"})
                return
            if route.status != 200:
                self._answer(route.status, {"Content-Length": "0"})
                return
            try:
                if route.stream_mb:
                    self._stream(route.stream_mb)
                elif route.trickle:
                    self._answer(200, {"Content-Length": str(len(route.body))})
                    for byte in route.body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(route.trickle)
                else:
                    etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
                    headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
                    if self.headers.get("If-None-Match") == etag:
                        self._answer(304, headers)
                        return
                    headers.update({"Content-Type": "text/calendar", "Content-Length": str(len(route.body))})
                    self._answer(200, headers, route.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading (the size limit): expected

        def _stream(self, megabytes: int) -> None:
            """A valid-looking calendar of `megabytes` MB, generated as it is sent (not stored)."""
            server.log.append((self.path, 200, dict(self.headers)))
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:big\r\n")
            event = (
                b"BEGIN:VEVENT\r\nUID:%d@big\r\nDTSTART:20261101T100000Z\r\nSUMMARY:"
                + b"x" * 900
                + b"\r\nEND:VEVENT\r\n"
            )
            for n in range(megabytes * 1024):
                self.wfile.write(event % n)

    return Handler


class Running:
    """Start a FeedServer on 127.0.0.1 (a free port) in a daemon thread; `stop()` ends it."""

    def __init__(self) -> None:
        self.feeds = FeedServer()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.feeds))
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.feeds.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def busy_calendar(count: int, *, end, addresses: list[str], days: int = 730, recurring: int = 0) -> bytes:
    """A calendar of `count` one-hour meetings spread over the `days` before `end` (UTC),
    each with two of `addresses` and the owner (alice@example.com), plus `recurring`
    weekly series; deterministic, for the concurrency tests and the benchmark."""
    from datetime import timedelta

    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Keepwarm tests//busy//EN"]
    step = timedelta(days=days) / max(count, 1)
    for n in range(count):
        start = end - timedelta(days=days) + step * n
        stamp = start.strftime("%Y%m%dT%H%M%SZ")
        finish = (start + timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ")
        first, second = addresses[(2 * n) % len(addresses)], addresses[(2 * n + 1) % len(addresses)]
        lines += [
            "BEGIN:VEVENT",
            f"UID:busy-{n}@example.org",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART:{stamp}",
            f"DTEND:{finish}",
            f"SUMMARY:Meeting {n}",
            f"ORGANIZER:mailto:{first}",
            "ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@example.com",
            f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{second}",
            "END:VEVENT",
        ]
    for n in range(recurring):
        start = (end - timedelta(days=days) + timedelta(hours=n)).strftime("%Y%m%dT%H%M%SZ")
        lines += [
            "BEGIN:VEVENT",
            f"UID:series-{n}@example.org",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART:{start}",
            "DURATION:PT30M",
            "RRULE:FREQ=WEEKLY",
            f"SUMMARY:Series {n}",
            f"ORGANIZER:mailto:{addresses[n % len(addresses)]}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()
