"""Each token has its own request budget; over it, a 429 in the error format with Retry-After."""
import pytest

from tests.factories import PASSWORD

from .conftest import assert_error, client_for

METRICS = "/api/v1/metrics/"


@pytest.fixture
def three_per_minute(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "token": "3/min",
                                   "login": "2/min"},
    }


def test_a_token_over_its_rate_gets_429_in_the_error_format(api, three_per_minute):
    for _ in range(3):
        assert api.get(METRICS).status_code == 200

    response = api.get(METRICS)

    error = assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert "throttled" in error["message"]


def test_the_budget_is_per_token_not_per_user_or_address(staff, three_per_minute):
    laptop, phone = client_for(staff), client_for(staff)
    for _ in range(3):
        laptop.get(METRICS)
    assert laptop.get(METRICS).status_code == 429

    assert phone.get(METRICS).status_code == 200


def test_the_budget_comes_back_after_a_minute(api, three_per_minute, frozen_now):
    for _ in range(4):
        api.get(METRICS)

    frozen_now.shift(61)

    assert api.get(METRICS).status_code == 200


def test_throttled_in_chinese(api, three_per_minute):
    for _ in range(3):
        api.get(METRICS)

    error = assert_error(api.get(METRICS, HTTP_ACCEPT_LANGUAGE="zh-hans"), 429, "throttled")

    assert "限流" in error["message"]


def test_password_guessing_is_throttled_per_address(anon, staff, three_per_minute):
    for _ in range(2):
        anon.post("/api/v1/auth/login/", {"username": staff.username, "password": "guess"}, format="json")

    response = anon.post("/api/v1/auth/login/", {"username": staff.username, "password": PASSWORD}, format="json")

    assert_error(response, 429, "throttled")
