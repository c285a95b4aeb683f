"""Shared fixtures: personas (alice owns data, bob must never see it) and real services.

Tests that need PostgreSQL or Redis use the `postgres_url` / `redis_url` fixtures:
with CI set, a missing service is a failure; elsewhere the test skips with a reason.
"""

import os
import socket

import pytest

from contacts.tests.factories import make_user

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    if _port_open(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message} (CI is set: the service must be running)")
    pytest.skip(message)


@pytest.fixture
def postgres_url() -> str:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    return POSTGRES_URL


@pytest.fixture
def redis_url() -> str:
    require_service("Redis", "127.0.0.1", 6379)
    return REDIS_URL


@pytest.fixture
def alice(db):
    return make_user("alice")


@pytest.fixture
def bob(db):
    return make_user("bob")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(client, bob):
    client.force_login(bob)
    return client


# Hypothesis: no per-example deadline (2 shared cores make timings noisy).
from hypothesis import settings as hypothesis_settings  # noqa: E402

hypothesis_settings.register_profile("default", deadline=None, max_examples=100)
hypothesis_settings.register_profile("ci", deadline=None, max_examples=150)
# `make fuzz` (HYPOTHESIS_PROFILE=fuzz): 10,000 examples per fuzz target (tests/fuzz/).
hypothesis_settings.register_profile("fuzz", deadline=None, max_examples=10_000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "default"))


@pytest.fixture(autouse=True)
def _process_local_cache(settings):
    """Each test process gets its own cache: xdist workers must not share import progress keys."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
