"""Fixtures of the merchants' web pages: the API tests' merchants and staff, signed in with a session."""
import pytest
import time_machine
from django.test import Client

# The merchants, their staff and the per-test MEDIA_ROOT (autouse) of the API tests, reused.
from tests.api.conftest import NOW, merchant, other_merchant, other_staff, staff  # noqa: F401

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


@pytest.fixture
def frozen():
    """2026-06-30 noon, platform time (the browser tests run on the real clock instead)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def web(frozen, staff):  # noqa: F811 - the fixture imported above
    """A browser session of the merchant's staff user, in English unless a test asks otherwise."""
    client = Client()
    client.force_login(staff)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def other_web(frozen, other_staff):  # noqa: F811 - the fixture imported above
    client = Client()
    client.force_login(other_staff)
    client.cookies["django_language"] = "en"
    return client
