"""`make loadtest`'s user: signs in as its own demo account and walks the everyday pages.

Each simulated user takes the next account load1, load2, … (LOADTEST_USERS of them,
password LOADTEST_PASSWORD), signs in like a browser (the CSRF token from the login
page) and then loops: dashboard, contacts, a search for a name seen on the contacts
page, that contact's page, reminders; every 10th loop it also logs an interaction the
way the page does it (htmx GET of the log form, then its POST with the form's CSRF token).

LOADTEST_THINK=1 (default): 1–5 s of think time between pages; LOADTEST_THINK=0: none
(the saturation run). loadtest/run.py sets both and runs locust headless. The pages of
LOADTEST_BIG_USER (the 10,000-contact account) are rows of their own: "… (big account)".

The sign-ins are a phase of their own: 50 people signing in within seconds is 50 password
hashes (PBKDF2, ~0.3 s of CPU each) queued in front of every page. So users wait until
the last one has signed in; then the sign-in figures are written to LOADTEST_SIGNIN_JSON,
the statistics are reset and the measured window (LOADTEST_MEASURE seconds, default 60)
starts, each user beginning after one think time; locust stops at the window's end
(locust's own -t is only a cap).
"""

import itertools
import json
import os
import random
import re
import time
from html import unescape
from html.parser import HTMLParser

import gevent
import gevent.event
from locust import HttpUser, SequentialTaskSet, between, constant, events, task
from locust.clients import LocustHttpAdapter
from urllib3.util.retry import Retry

USERS = int(os.environ.get("LOADTEST_USERS", "50"))
PASSWORD = os.environ.get("LOADTEST_PASSWORD", "keepwarm-demo")
THINK = os.environ.get("LOADTEST_THINK", "1") != "0"
LOG_EVERY = 10  # loops between two logged interactions
MEASURE = float(os.environ.get("LOADTEST_MEASURE", "60"))
SIGNIN_JSON = os.environ.get("LOADTEST_SIGNIN_JSON", "")
BIG_USER = os.environ.get("LOADTEST_BIG_USER", "")  # the 10,000-contact account, if any
SIGNIN_NAMES = ("/accounts/login/", "/accounts/login/ (POST)")

_accounts = itertools.count()
_signed_in = 0
_retried = 0  # GETs retried after the server had closed an idle keep-alive connection
_everyone_signed_in = gevent.event.Event()
CONTACT_LINK = re.compile(r'<a class="fw-semibold text-decoration-none" href="/contacts/(\d+)/">([^<]+)</a>')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class FormFields(HTMLParser):
    """The values a browser would submit for the form with id `form_id` (no JavaScript)."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "search", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._select_value, self._select_first = name, None, None
        elif tag == "option" and self._select is not None:
            value = a.get("value") or ""
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._select_value = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            value = self._select_value if self._select_value is not None else self._select_first
            self.fields.append((self._select, value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None


def form_fields(html: str, form_id: str) -> list[tuple[str, str]]:
    parser = FormFields(form_id)
    parser.feed(html)
    return parser.fields


class BrowserRetry(Retry):
    """Like a browser: a GET whose reused keep-alive connection the server had just closed
    (gunicorn gthread closes idle ones after --keep-alive, 2 s) is sent again, once. Counted:
    run.py prints how many."""

    def increment(self, *args, **kwargs):
        global _retried
        _retried += 1
        return super().increment(*args, **kwargs)


class EverydayLoop(SequentialTaskSet):
    """One loop over the pages a user opens every day (think time between each page)."""

    def page(self, name: str) -> str:
        """The statistics' name of a page: the big account's pages are rows of their own."""
        return f"{name} (big account)" if self.user.username == BIG_USER else name

    def on_start(self):
        # Each user logs on its own every 10th loop, starting at a random loop, so the
        # POSTs are spread over the run (a 60 s run with think time is only ~4 loops).
        self.loops = random.randrange(LOG_EVERY)
        self.contacts: list[tuple[str, str]] = []  # (id, full name) seen on /contacts/

    @task
    def dashboard(self):
        self.loops += 1
        with self.client.get("/", name=self.page("/ (dashboard)"), catch_response=True) as r:
            if r.ok and "/accounts/login/" in r.url:
                r.failure("signed out: the dashboard redirected to the login page")

    @task
    def contact_list(self):
        with self.client.get("/contacts/", name=self.page("/contacts/"), catch_response=True) as r:
            found = [(pk, unescape(name).strip()) for pk, name in CONTACT_LINK.findall(r.text or "")]
            if r.ok and not found:
                r.failure("no contacts on /contacts/")
            elif found:
                self.contacts = found

    @task
    def search(self):
        if not self.contacts:
            return
        _, name = random.choice(self.contacts)
        word = random.choice(name.split() or [name])
        with self.client.get(
            "/contacts/", params={"q": word}, name=self.page("/contacts/?q=[name]"), catch_response=True
        ) as r:
            if r.ok and not CONTACT_LINK.search(r.text or ""):
                r.failure(f"searching {word!r} found nobody")

    @task
    def contact_page(self):
        if not self.contacts:
            return
        pk, _ = random.choice(self.contacts)
        self.client.get(f"/contacts/{pk}/", name=self.page("/contacts/[id]/"))
        if self.loops % LOG_EVERY == 0:
            self.log_interaction(pk)

    def log_interaction(self, pk: str):
        # "+ Log interaction": htmx fetches the form, then posts it and swaps the panel.
        htmx = {"HX-Request": "true", "Referer": f"{self.client.base_url}/contacts/{pk}/"}
        with self.client.get(
            f"/contacts/{pk}/log/",
            headers=htmx,
            name=self.page("/contacts/[id]/log/ (form)"),
            catch_response=True,
        ) as form:
            data = [(k, v) for k, v in form_fields(form.text or "", "log-interaction") if k != "log-summary"]
            if form.ok and not any(k == "csrfmiddlewaretoken" for k, _ in data):
                form.failure("no log form with a CSRF token")
                return
        if not data:
            return
        data.append(("log-summary", "Load test: a quick catch-up"))
        with self.client.post(
            f"/contacts/{pk}/log/",
            data=data,
            headers=htmx,
            name=self.page("/contacts/[id]/log/ (POST)"),
            catch_response=True,
        ) as r:
            if r.ok and "logged-note" not in (r.text or ""):
                r.failure("the interaction was not logged (the form came back with errors)")

    @task
    def reminders(self):
        self.client.get("/reminders/", name=self.page("/reminders/"))


class KeepwarmUser(HttpUser):
    wait_time = between(1, 5) if THINK else constant(0)
    tasks = [EverydayLoop]

    def on_start(self):
        self.username = f"load{next(_accounts) % USERS + 1}"
        retry = BrowserRetry(total=1, connect=1, read=1, status=0, other=0, allowed_methods={"GET"})
        self.client.mount("http://", LocustHttpAdapter(pool_manager=None, max_retries=retry))
        try:
            self.sign_in()
        finally:
            global _signed_in
            _signed_in += 1
            if _signed_in == USERS:
                measure(self.environment)
                _everyone_signed_in.set()
        # Nobody browses before everyone has signed in (a page queued behind the password
        # hashes would be timed in the measured window); then each starts after a think time.
        _everyone_signed_in.wait()
        self.wait()

    def sign_in(self):
        with self.client.get("/accounts/login/", name="/accounts/login/", catch_response=True) as page:
            token = CSRF_INPUT.search(page.text or "")
            if page.ok and token is None:
                page.failure("no CSRF token on the login page")
        if token is None:
            return
        with self.client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "username": self.username,
                "password": PASSWORD,
                "next": "/",
            },
            headers={"Referer": f"{self.client.base_url}/accounts/login/"},
            name="/accounts/login/ (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302:
                r.failure(f"sign-in as {self.username} refused (HTTP {r.status_code})")


def measure(environment) -> None:
    """Everyone has signed in: keep the sign-in figures, reset, measure MEASURE seconds."""
    stats = environment.stats
    phase = time.time() - stats.total.start_time
    entries = []
    for entry in stats.entries.values():
        if entry.name in SIGNIN_NAMES and entry.num_requests:
            entries.append(
                {
                    "Type": entry.method,
                    "Name": entry.name,
                    "Request Count": entry.num_requests,
                    "Failure Count": entry.num_failures,
                    **{f"{p:.0%}": entry.get_response_time_percentile(p) for p in (0.5, 0.95, 0.99)},
                    "Requests/s": entry.num_requests / phase if phase else 0,
                }
            )
    errors = [
        {"Method": e.method, "Name": e.name, "Error": str(e.error), "Occurrences": e.occurrences}
        for e in stats.errors.values()
        if e.name in SIGNIN_NAMES
    ]
    if SIGNIN_JSON:
        with open(SIGNIN_JSON, "w") as f:
            json.dump({"seconds": phase, "entries": entries, "failures": errors}, f)
    stats.reset_all()
    global _retried
    _retried = 0
    gevent.spawn_later(MEASURE, environment.runner.quit)


@events.quitting.add_listener
def _retries_written(environment, **kwargs):
    if SIGNIN_JSON and os.path.exists(SIGNIN_JSON):
        with open(SIGNIN_JSON) as f:
            signin = json.load(f)
        with open(SIGNIN_JSON, "w") as f:
            json.dump({**signin, "retried": _retried}, f)
