"""With Redis refusing connections, the merchants' API, its login and the ingest still answer: the
throttles let requests through with a logged warning instead of a 500 (riskcase/api/throttling.py)."""
import logging

import pytest
from django.test import override_settings

from tests.factories import PASSWORD, ServiceTokenFactory

from .conftest import client_for

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


@pytest.fixture
def redis_down(own_redis):
    caches = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": own_redis.url,
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    with override_settings(CACHES=caches):  # undone before the cache clearing after the test
        own_redis.kill()
        yield own_redis


def test_a_merchant_request_is_answered_and_the_skipped_throttle_is_logged(staff, redis_down, caplog):
    api = client_for(staff)
    with caplog.at_level(logging.WARNING, logger="riskcase.api.throttling"):
        response = api.get("/api/v1/diagnosis/")

    assert response.status_code == 200
    assert any("throttle token not applied" in r.getMessage() for r in caplog.records)


def test_login_answers_while_redis_is_down(staff, redis_down, client):
    response = client.post("/api/v1/auth/login/", {"username": staff.username, "password": PASSWORD},
                           content_type="application/json")
    assert response.status_code == 200
    assert response.json()["token"]


def test_ingest_by_a_service_token_is_not_throttled_and_answers_while_redis_is_down(redis_down, client):
    token = ServiceTokenFactory()
    line = ('{"type":"merchant_upserted","merchant_id":"m-9","name":"Nine","category":"food",'
            '"occurred_at":"2026-06-01T00:00:00+08:00"}\n')
    response = client.post("/api/v1/ingest/", line, content_type="application/x-ndjson",
                           HTTP_AUTHORIZATION=f"Bearer {token.raw}")
    assert response.status_code == 200, response.json()
    assert response.json()["new"] == 1
