"""Fixtures of the merchants' API tests: a frozen platform day, merchants with staff users, and
clients that carry a knox token."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, MerchantFactory

# Every API test runs on 2026-06-30 at noon, platform time, unless it travels on its own.
NOW = datetime(2026, 6, 30, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _clean_throttle_cache():
    # Throttle counters live in the cache (Redis under REDIS_URL): no test may inherit another's.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def merchant(db):
    return MerchantFactory(merchant_id="m-alpha", name="Alpha Noodles")


@pytest.fixture
def other_merchant(db):
    return MerchantFactory(merchant_id="m-beta", name="Beta Spa", category="beauty")


@pytest.fixture
def staff(merchant):
    return MembershipFactory(merchant=merchant).user


@pytest.fixture
def other_staff(other_merchant):
    return MembershipFactory(merchant=other_merchant).user


def client_for(user, **headers):
    """An APIClient authenticated with a fresh knox token of `user` (`.raw_token` holds the secret)."""
    _, raw = AuthToken.objects.create(user=user)
    client = APIClient(**headers)
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    client.raw_token = raw
    return client


@pytest.fixture
def api(staff):
    """A client of the merchant's staff user."""
    return client_for(staff)


@pytest.fixture
def other_api(other_staff):
    """A client of the other merchant's staff user."""
    return client_for(other_staff)


@pytest.fixture
def anon():
    return APIClient()


def assert_error(response, status, code=None):
    """The response is an error in the one format, with this status (and code)."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


def stored_files(root):
    """Every file under MEDIA_ROOT."""
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
