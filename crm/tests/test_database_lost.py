"""PostgreSQL goes away under a running server (a restart, a failover, a killed backend).

A real gunicorn serves a scratch database of its own; the test kills the server's
PostgreSQL connections with pg_terminate_backend, which is what a restart does to
them, (1) between requests: the next request reconnects (CONN_HEALTH_CHECKS) and
works; (2) in the middle of a request's transaction, after it has written some of
its rows: the user gets a 503 that says nothing was saved, and nothing was.
"""

import http.client
import os
import secrets
import subprocess
import sys
import threading
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlparse, urlunparse

import pytest

from digests.tests.smtp import free_port
from reminders.tests.procs import ROOT, child_env, manage

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SEED = """
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from contacts.models import Contact
user = User.objects.create_user("pat", password="pw-keepwarm-123")
ids = [Contact.objects.create(owner=user, first_name=f"P{i}").pk for i in range(5)]
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key, ",".join(map(str, ids)))
"""


@pytest.fixture
def server(postgres_url):
    """gunicorn (one sync worker, DEBUG=0) on a fresh migrated database; yields (port, url, session, ids)."""
    import psycopg

    name = f"kw_db_lost_{os.getpid()}"
    admin = psycopg.connect(postgres_url, autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunparse(urlparse(postgres_url)._replace(path=f"/{name}"))
    port = free_port()
    env = child_env(
        DATABASE_URL=url,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1",
        CACHE_URL="locmem://",
    )
    process = None
    try:
        manage("migrate", "--noinput", "-v0", env=env)
        manage("collectstatic", "--noinput", "-v0", env=env)
        session, ids = manage("shell", "-c", SEED, env=env).stdout.strip().splitlines()[-1].split()
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "crm.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while _status(port, "/healthz") != 200:
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "gunicorn did not answer"
            time.sleep(0.2)
        yield port, url, session, [int(i) for i in ids.split(",")]
    finally:
        if process is not None:
            process.terminate()
            process.wait(10)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _status(port: int, path: str) -> int | None:
    try:
        return _request(port, "GET", path)[0]
    except OSError:
        return None


def _request(port: int, method: str, path: str, *, cookies: dict | None = None, form: dict | None = None):
    """(status, headers, body) of one request with these cookies (and form, a POST with its CSRF header)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Host": "127.0.0.1"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urlencode(form, doseq=True)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["X-CSRFToken"] = cookies["csrftoken"]
        headers["Referer"] = f"http://127.0.0.1:{port}/contacts/"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    result = (response.status, dict(response.getheaders()), response.read().decode())
    conn.close()
    return result


def _signed_in(port: int, session: str) -> dict:
    """The session cookie and a CSRF cookie (the contacts page sets it)."""
    cookies = {"sessionid": session}
    status, headers, _body = _request(port, "GET", "/contacts/", cookies=cookies)
    assert status == 200
    jar = SimpleCookie(headers.get("Set-Cookie", ""))
    cookies["csrftoken"] = jar["csrftoken"].value
    return cookies


def _kill_server_connections(url: str, *, waiting_on_lock: bool = False) -> int:
    """pg_terminate_backend every connection of the server to its database (or those waiting on a lock)."""
    import psycopg

    extra = " AND wait_event_type = 'Lock'" if waiting_on_lock else ""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = current_database() AND pid <> pg_backend_pid(){extra}"
        ).fetchall()
    return len(rows)


def _tag_state(url: str) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(url) as conn:
        tags = conn.execute("SELECT count(*) FROM contacts_tag WHERE name = 'conference'").fetchone()[0]
        links = conn.execute("SELECT count(*) FROM contacts_contact_tags").fetchone()[0]
    return tags, links


def test_the_next_request_after_a_restart_reconnects(server):
    port, url, session, _ids = server
    cookies = _signed_in(port, session)
    assert _kill_server_connections(url) >= 1  # the worker kept its connection (CONN_MAX_AGE)
    status, _headers, body = _request(port, "GET", "/contacts/", cookies=cookies)
    assert status == 200, body[:500]
    assert "P4" in body


def test_a_connection_lost_mid_transaction_writes_nothing_and_says_so(server):
    """ "Add tag" writes the tag, then its links, then each contact's schedule; the
    connection dies while the third step waits for a row: none of it stays."""
    import psycopg

    port, url, session, ids = server
    cookies = _signed_in(port, session)
    form = {"action": "add_tag", "tag": "conference", "ids": ids}
    result: dict = {}
    with psycopg.connect(url) as blocker:
        # Hold the last contact's row: the request's schedule refresh waits on it, after
        # its INSERTs of the tag and the links.
        blocker.execute("SELECT id FROM contacts_contact WHERE id = %s FOR UPDATE", [ids[-1]])
        request = threading.Thread(
            target=lambda: result.update(
                response=_request(port, "POST", "/contacts/bulk/", cookies=cookies, form=form)
            )
        )
        request.start()
        deadline = time.monotonic() + 20
        while not _kill_server_connections(url, waiting_on_lock=True):
            assert time.monotonic() < deadline, "the request never waited on the held row"
            time.sleep(0.05)
        request.join(30)
        blocker.rollback()
    status, headers, body = result["response"]
    assert status == 503
    assert headers["Retry-After"] == "30"
    assert "Nothing from this request was saved" in body
    assert _tag_state(url) == (0, 0)  # the tag and its links went with the transaction
    # and the same request works at once on a fresh connection
    status, _headers, _body = _request(port, "POST", "/contacts/bulk/", cookies=cookies, form=form)
    assert status == 302
    assert _tag_state(url) == (1, len(ids))


def test_the_error_pages_render_without_a_database(django_assert_num_queries, db):
    from django.template.loader import render_to_string

    with django_assert_num_queries(0):
        assert "Nothing from this request was saved" in render_to_string("503.html")
        assert "Nothing from this request was saved" in render_to_string("500.html")
