"""Keepwarm settings: every knob comes from the environment, with safe defaults.

Defaults run the embedded mode (SQLite in var/, Celery's filesystem broker in
var/queue/, console email): no server to install. Production sets DATABASE_URL,
CELERY_BROKER_URL, EMAIL_URL (or Django's EMAIL_* settings), SECRET_KEY, SITE_URL.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from crm.security import DEV_SECRET_KEY

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KEEPWARM_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The default key is only fit for local development and tests: production sets SECRET_KEY
# (crm/wsgi.py refuses to serve with DEBUG off on this one: crm.security.require_secret_key).
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SIGNUP_ENABLED = env_bool("SIGNUP_ENABLED", True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "axes",
    "crm",
    "contacts",
    "reminders",
    "digests",
    "insights",
    "goals",
    "messaging",
    "sources",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "crm.csp.KeepwarmCSPMiddleware",  # django-csp's CSPMiddleware (crm/csp.py)
    "crm.middleware.UserTimezoneMiddleware",
    "crm.middleware.DatabaseUnavailableMiddleware",  # a lost database connection: a 503, nothing saved
    # Last, as django-axes asks: answers a locked-out sign-in with its lockout page.
    "axes.middleware.AxesMiddleware",
]

# --- Content-Security-Policy ---
# django-csp sends this header on every response. No 'unsafe-inline' and no 'unsafe-eval':
# every script is a file under static/ (static/js/, vendored Bootstrap and htmx), behaviour
# is attached with addEventListener (no on*= attributes, no hx-on), styles live in
# static/css/app.css (no <style> blocks, no style="" attributes; htmx's own indicator
# <style> is turned off in base.html's htmx-config). data: images are Bootstrap's SVG icons.
# One page-level exception, in crm/csp.py: the digest preview allows inline styles (the
# email it shows in an <iframe srcdoc> has them, and the frame inherits this policy).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.context_processors.site",
            ],
        },
    },
]

# --- HTTPS and health details ---------------------------------------------------
# SECURE_HTTPS=1 behind TLS (directly or through a proxy that sets X-Forwarded-Proto):
# cookies only over HTTPS, HTTP redirected, HSTS for a year (subdomains included unless
# SECURE_HSTS_INCLUDE_SUBDOMAINS=0). With a real SECRET_KEY, `check --deploy` is clean.
SECURE_HTTPS = env_bool("SECURE_HTTPS", False)
if SECURE_HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Joining browsers' preload list is hard to undo and the operator's call for the
        # whole domain (SECURE_HSTS_PRELOAD=1), not a default: its reminder is silenced.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
# /healthz tells everyone ok / not ok; its details (database, broker, job times) need a
# staff login or `Authorization: Bearer $HEALTHZ_TOKEN`.
HEALTHZ_TOKEN = env_str("HEALTHZ_TOKEN")

# --- Database -----------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    # Connections live a minute; each request checks a reused one first (CONN_HEALTH_CHECKS),
    # so after a PostgreSQL restart the next request reconnects instead of failing.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(VAR_DIR / "keepwarm.sqlite3")),
            "OPTIONS": {
                # Concurrent writers (web + worker + beat) wait for the lock instead
                # of failing with "database is locked": IMMEDIATE takes the write lock
                # at BEGIN, and the timeout is how long a writer waits for it.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;"
                    "PRAGMA foreign_keys=ON;"
                    # A 32 MiB page cache instead of SQLite's 2 MiB: a page that reads a
                    # 10,000-contact account several times (insights, goals) keeps its pages
                    # between queries (insights 124 -> 100 ms). Per connection, freed when
                    # the request's connection closes (CONN_MAX_AGE 0).
                    "PRAGMA cache_size=-32768;"
                ),
            },
            "TEST": {"NAME": env_str("SQLITE_TEST_PATH") or None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# --- Sign-in throttling (django-axes) ---------------------------------------------
# Every authenticate() goes through axes first: the site's sign-in and /admin/login/.
# After AXES_FAILURE_LIMIT wrong passwords in a row for one username, or from one
# address, sign-in is refused for AXES_COOLOFF_MINUTES with a clear page (HTTP 429);
# a right password resets that username's count. Another account at another address
# is not affected (one address shared by many people, an office NAT, shares its limit).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "crm.security.client_ip"
AXES_VERBOSE = False  # no banner on every start (commands' output stays theirs)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing directory
# Serve static/ straight from the finders when collectstatic has not run (embedded mode).
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Celery -------------------------------------------------------------------
QUEUE_DIR = VAR_DIR / "queue"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("in", "processed", "control"):
        (QUEUE_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(QUEUE_DIR / "in"),
        "data_folder_out": str(QUEUE_DIR / "in"),
        "processed_folder": str(QUEUE_DIR / "processed"),
        # Fanout/pidbox exchanges; kombu's default is ./control in the working directory.
        "control_folder": str(QUEUE_DIR / "control"),
        "store_processed": False,
    }
else:
    # How long Redis waits before it hands an unacknowledged task (its worker was
    # killed) to another worker. Above the longest task (a 100,000-row import about
    # 6 s, a reminder batch about 1 s, a digest batch of 200 about 2 s plus SMTP
    # timeouts) and above the longest countdown a task is queued with (a busy digest
    # looks again after 660 s): Redis would otherwise hand a waiting countdown task
    # out twice. Imports do not wait for it: their lease and the sweeper take a
    # killed worker's job over sooner (contacts/importing/jobs.py).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 900)}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
# A killed worker's task runs again; every job is idempotent, so that is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Cache --------------------------------------------------------------------
# Shared between web and worker processes (the import progress bar is written by
# the worker and read by the web process): a file cache in embedded mode, Redis in
# production (CACHE_URL=redis://host:6379/1), locmem:// for a single process.
CACHE_URL = env_str("CACHE_URL", "file://")
if CACHE_URL.startswith("redis://") or CACHE_URL.startswith("rediss://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL.startswith("locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif CACHE_URL.startswith("file://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": CACHE_URL.removeprefix("file://") or str(VAR_DIR / "cache"),
        }
    }
else:
    raise ImproperlyConfigured(f"CACHE_URL must be file://[path], redis://… or locmem://, got {CACHE_URL!r}")

# --- Email --------------------------------------------------------------------


def _email_from_url(url: str) -> dict:
    """Parse EMAIL_URL: smtp://user:pass@host:port, smtps:// (SSL), ?tls=1, console://."""
    parsed = urlparse(url)
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parsed.scheme not in {"smtp", "smtps"}:
        raise ImproperlyConfigured(f"EMAIL_URL scheme must be smtp, smtps or console: {url!r}")
    query = parse_qs(parsed.query)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": parsed.port or (465 if parsed.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_SSL": parsed.scheme == "smtps",
        "EMAIL_USE_TLS": query.get("tls", ["0"])[0] in {"1", "true"},
    }


EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if env_str("EMAIL_URL"):
    globals().update(_email_from_url(env_str("EMAIL_URL")))
# A hung SMTP server must not hold a worker forever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 15)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Keepwarm <keepwarm@localhost>")

# --- Imports ------------------------------------------------------------------
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Calendar and mailbox sources (sources/, #16) -------------------------------
# A calendar address resolving to a private, loopback or link-local network is refused
# (server-side request forgery) unless this is on: tests, and a home server whose
# CalDAV lives on the LAN.
SOURCES_ALLOW_PRIVATE_NETWORKS = env_bool("SOURCES_ALLOW_PRIVATE_NETWORKS", False)
SOURCES_FETCH_TIMEOUT = env_int("SOURCES_FETCH_TIMEOUT", 15)  # seconds, per fetch in total
SOURCES_MAX_BYTES = env_int("SOURCES_MAX_BYTES", 10 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"
