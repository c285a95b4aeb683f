"""Production settings: HTTPS when asked, and no server on the development key."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from crm.security import DEV_SECRET_KEY, require_secret_key

ROOT = Path(__file__).resolve().parents[2]
REAL_KEY = "k3ep-warm-" + "x7Q" * 20


def _run(code_or_args: list[str], **env) -> subprocess.CompletedProcess:
    # Not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE either: check --deploy rightly fails on it.
    unset = {"SECRET_KEY", "DEBUG", "SECURE_HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    base.update(env)
    return subprocess.run(
        [sys.executable, *code_or_args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def test_require_secret_key_refuses_the_development_key_without_debug():
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is not set"):
        require_secret_key(debug=False, secret_key=DEV_SECRET_KEY)
    with pytest.raises(ImproperlyConfigured):
        require_secret_key(debug=False, secret_key="")
    require_secret_key(debug=True, secret_key=DEV_SECRET_KEY)  # local use
    require_secret_key(debug=False, secret_key=REAL_KEY)


def test_the_wsgi_server_refuses_to_start_on_the_development_key(tmp_path):
    refused = _run(["-c", "import crm.wsgi"], DEBUG="0", KEEPWARM_VAR_DIR=str(tmp_path))
    assert refused.returncode != 0
    assert "SECRET_KEY is not set" in refused.stderr
    started = _run(["-c", "import crm.wsgi"], DEBUG="0", SECRET_KEY=REAL_KEY, KEEPWARM_VAR_DIR=str(tmp_path))
    assert started.returncode == 0, started.stderr


def test_check_deploy_is_clean_with_secure_https_and_a_real_key(tmp_path):
    env = {
        "DEBUG": "0",
        "SECRET_KEY": REAL_KEY,
        "SECURE_HTTPS": "1",
        "ALLOWED_HOSTS": "keepwarm.example.com",
        "KEEPWARM_VAR_DIR": str(tmp_path),
    }
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    # Without SECURE_HTTPS the same check names what is missing.
    insecure = _run(["manage.py", "check", "--deploy"], **{**env, "SECURE_HTTPS": "0"})
    for code in ("W004", "W008", "W012", "W016"):
        assert code in insecure.stdout + insecure.stderr


def test_secure_https_turns_on_cookies_redirect_hsts_and_the_proxy_header(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER)"
    )
    out = _run(
        [
            "-c",
            f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='crm.settings'; django.setup(); {code}",
        ],
        SECURE_HTTPS="1",
        KEEPWARM_VAR_DIR=str(tmp_path),
    )
    assert out.stdout.split() == [
        "True",
        "True",
        "True",
        "31536000",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
    ]
