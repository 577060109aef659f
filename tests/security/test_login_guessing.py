"""Password guessing is limited on every login form, and a client cannot reset its count by sending
another X-Forwarded-For (issue 16, item 9): the API's per-address throttle and django-axes' lockout
both take the address from riskcase.security.client_ip, which trusts no proxy unless configured."""
import pytest
from django.core.cache import cache
from django.test import RequestFactory

from riskcase.security import client_ip
from tests.factories import PASSWORD, MembershipFactory, MerchantFactory

pytestmark = pytest.mark.django_db

FORMS = {
    "api": ("/api/v1/auth/login/", "json"),
    "merchant pages": ("/accounts/login/", "form"),
    "admin": ("/admin/login/", "form"),
}


@pytest.fixture(autouse=True)
def limits(settings):
    cache.clear()  # the API throttle's counts (Redis under REDIS_URL) start at zero
    settings.AXES_FAILURE_LIMIT = 3
    # The API's own per-address throttle is high here, so the lockout is what is tested.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": "1000/min"}}


@pytest.fixture
def staff(db):
    return MembershipFactory(merchant=MerchantFactory(merchant_id="m-alpha")).user


def attempt(client, where, username, password, **headers):
    url, kind = FORMS[where]
    if kind == "json":
        return client.post(url, {"username": username, "password": password}, content_type="application/json",
                           **headers)
    return client.post(url, {"username": username, "password": password}, **headers)


@pytest.mark.parametrize("where", FORMS)
def test_an_address_that_keeps_guessing_is_locked_out_even_with_the_right_password_and_new_headers(
        client, staff, where):
    codes = [attempt(client, where, staff.username, f"guess-{i}", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
             for i in range(3)]
    assert codes[:2] in ([200, 200], [400, 400]) and codes[2] == 429  # the third failure locks the address

    response = attempt(client, where, staff.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.77")

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    if where == "api":
        assert response.json()["error"]["code"] == "too_many_login_failures"


def test_the_api_login_throttle_ignores_a_forged_forwarded_for(client, staff, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": "2/min"}}
    settings.AXES_FAILURE_LIMIT = 1000
    codes = [attempt(client, "api", staff.username, "nope", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
             for i in range(3)]
    assert codes == [400, 400, 429]


def test_a_forwarded_for_counts_only_when_a_trusted_proxy_added_it(settings):
    rf = RequestFactory()
    forged = rf.get("/", REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR="203.0.113.5")
    settings.RISKCASE_TRUSTED_PROXIES = []
    assert client_ip(forged) == "192.0.2.9"

    settings.RISKCASE_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(forged) == "192.0.2.9"  # the peer is not our proxy: its header means nothing
    behind_proxy = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5, 10.0.0.3")
    assert client_ip(behind_proxy) == "203.0.113.5"  # the right-most address not one of our proxies
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="junk, 203.0.113.5")) == "203.0.113.5"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5, junk")) == "10.0.0.2"


def test_separate_clients_behind_a_trusted_proxy_are_counted_apart(client, staff, settings):
    settings.RISKCASE_TRUSTED_PROXIES = ["127.0.0.1"]
    cache.clear()
    for i in range(3):
        attempt(client, "api", staff.username, f"guess-{i}", HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert attempt(client, "api", staff.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 429
    assert attempt(client, "api", staff.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 200
