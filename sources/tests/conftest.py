"""Fixtures of the sources tests: a real HTTP server on loopback, and the settings it needs."""

from datetime import UTC, datetime

import pytest

from contacts.tests.factories import make_contact

from .feeds import Running

# "Now" in most calendar tests: the fixtures' weekly meeting has six past occurrences.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def feeds(settings):
    """The running FeedServer; loopback addresses allowed (the SSRF guard is tested apart)."""
    settings.SOURCES_ALLOW_PRIVATE_NETWORKS = True
    running = Running()
    yield running.feeds
    running.stop()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def ada(alice):
    """Alice's contact whose address the weekly meeting's organiser uses (in another case)."""
    return make_contact(owner=alice, first_name="Ada", last_name="Lovelace", emails=["Ada@Example.org"])
