"""Every response carries X-Request-ID: the caller's when it is sane, a fresh one otherwise."""
import re

import pytest

pytestmark = pytest.mark.django_db

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(autouse=True)
def no_redis(settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True


def test_a_given_request_id_is_echoed_in_the_response(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42:9")

    assert response["X-Request-ID"] == "lb-7f3a.42:9"


def test_a_request_without_an_id_gets_a_generated_one(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second)
    assert first != second


@pytest.mark.parametrize("bad", [
    "has spaces", "new\nline", "x" * 129, "quote\"d", "<script>", "-leading-dash", "ünïcode",
])
def test_an_invalid_request_id_is_replaced_by_a_generated_one(client, bad):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=bad)

    assert GENERATED.fullmatch(response["X-Request-ID"])


def test_error_responses_carry_the_request_id_too(client):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-404")

    assert response.status_code == 404
    assert response["X-Request-ID"] == "req-404"
