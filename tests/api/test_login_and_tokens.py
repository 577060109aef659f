"""Logging in gives a hashed, expiring knox token; expired and revoked tokens are refused."""
from datetime import timedelta

from django.contrib.auth import get_user_model
from knox.models import AuthToken

from tests.factories import PASSWORD, UserFactory

from .conftest import NOW, assert_error, client_for

LOGIN = "/api/v1/auth/login/"
METRICS = "/api/v1/metrics/"


def test_login_with_username_and_password_returns_a_working_token(anon, staff, merchant):
    response = anon.post(LOGIN, {"username": staff.username, "password": PASSWORD}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["merchant"] == {"merchant_id": "m-alpha", "name": "Alpha Noodles", "category": "food"}
    assert body["username"] == staff.username
    assert body["expiry"].startswith("2026-07-01")  # 12 hours after noon on 30 June, Shanghai
    anon.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert anon.get(METRICS).status_code == 200


def test_the_token_is_stored_only_as_a_hash(anon, staff):
    token = anon.post(LOGIN, {"username": staff.username, "password": PASSWORD}, format="json").json()["token"]

    stored = AuthToken.objects.get(user=staff)
    assert token not in (stored.digest, stored.token_key)
    assert not AuthToken.objects.filter(digest=token).exists()


def test_a_wrong_password_is_refused_in_the_error_format(anon, staff):
    response = anon.post(LOGIN, {"username": staff.username, "password": "nope"}, format="json")

    assert_error(response, 400, "invalid_credentials")
    assert not AuthToken.objects.exists()


def test_a_user_who_is_not_a_merchants_staff_cannot_log_in(anon, db):
    reviewer = UserFactory(username="reviewer", is_staff=True, is_superuser=True)

    response = anon.post(LOGIN, {"username": reviewer.username, "password": PASSWORD}, format="json")

    assert_error(response, 400, "invalid_credentials")


def test_an_inactive_user_cannot_log_in(anon, staff):
    get_user_model().objects.filter(pk=staff.pk).update(is_active=False)

    response = anon.post(LOGIN, {"username": staff.username, "password": PASSWORD}, format="json")

    assert_error(response, 400, "invalid_credentials")


def test_missing_credentials_name_the_missing_fields(anon, db):
    error = assert_error(anon.post(LOGIN, {}, format="json"), 400, "invalid")

    assert set(error["fields"]) == {"username", "password"}


def test_an_expired_token_is_refused(api, frozen_now):
    assert api.get(METRICS).status_code == 200

    frozen_now.move_to(NOW + timedelta(hours=12, seconds=1))

    assert_error(api.get(METRICS), 401, "authentication_failed")


def test_a_token_is_still_good_just_before_it_expires(api, frozen_now):
    frozen_now.move_to(NOW + timedelta(hours=11, minutes=59))

    assert api.get(METRICS).status_code == 200


def test_a_token_revoked_by_logout_is_refused(api):
    assert api.post("/api/v1/auth/logout/").status_code == 204

    assert_error(api.get(METRICS), 401, "authentication_failed")


def test_logout_revokes_only_the_token_it_was_sent_with(staff):
    laptop, phone = client_for(staff), client_for(staff)

    assert laptop.post("/api/v1/auth/logout/").status_code == 204

    assert_error(laptop.get(METRICS), 401)
    assert phone.get(METRICS).status_code == 200


def test_logout_all_revokes_every_token_of_the_user_and_no_one_elses(staff, other_staff):
    laptop, phone, other = client_for(staff), client_for(staff), client_for(other_staff)

    assert laptop.post("/api/v1/auth/logout-all/").status_code == 204

    assert_error(laptop.get(METRICS), 401)
    assert_error(phone.get(METRICS), 401)
    assert other.get(METRICS).status_code == 200


def test_a_token_deleted_in_admin_is_refused(api, staff):
    AuthToken.objects.filter(user=staff).delete()

    assert_error(api.get(METRICS), 401, "authentication_failed")


def test_a_made_up_token_is_refused(anon, staff):
    anon.credentials(HTTP_AUTHORIZATION="Token " + "a" * 64)

    assert_error(anon.get(METRICS), 401, "authentication_failed")


def test_a_user_removed_from_the_merchant_loses_access(api, staff):
    staff.merchant_memberships.all().delete()

    assert_error(api.get(METRICS), 403, "permission_denied")


def test_logging_in_beyond_the_token_limit_is_a_conflict(anon, staff, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    credentials = {"username": staff.username, "password": PASSWORD}
    for _ in range(2):
        assert anon.post(LOGIN, credentials, format="json").status_code == 200

    assert_error(anon.post(LOGIN, credentials, format="json"), 409, "token_limit_reached")


def test_an_expired_token_is_refused_in_chinese_for_a_chinese_client(api, frozen_now):
    frozen_now.move_to(NOW + timedelta(days=1))

    error = assert_error(api.get(METRICS, HTTP_ACCEPT_LANGUAGE="zh-hans"), 401, "authentication_failed")

    assert error["message"] == "令牌无效。"


def test_a_request_deletes_the_users_other_expired_tokens_as_knox_does(staff, other_staff, frozen_now):
    from knox.signals import token_expired

    expired = [c.raw_token for c in (client_for(staff), client_for(other_staff))]
    AuthToken.objects.create(user=staff, expiry=None)  # never expires
    frozen_now.move_to(NOW + timedelta(hours=6))
    fresh = client_for(staff)
    heard = []

    def listener(sender, username, source, **kwargs):
        heard.append((username, source))

    token_expired.connect(listener)
    try:
        frozen_now.move_to(NOW + timedelta(hours=13))  # the first two have expired, the fresh one has not
        assert fresh.get(METRICS).status_code == 200
        assert heard == [(staff.username, "other_token")]
        assert AuthToken.objects.filter(user=staff).count() == 2  # the expired one of staff is gone
        assert AuthToken.objects.filter(user=other_staff).count() == 1  # another user's is not this request's

        stale = client_for(other_staff)
        stale.credentials(HTTP_AUTHORIZATION=f"Token {expired[1]}")
        assert_error(stale.get(METRICS), 401, "authentication_failed")
        assert heard[-1] == (other_staff.username, "auth_token")
        assert not AuthToken.objects.filter(user=other_staff, token_key=expired[1][:15]).exists()
    finally:
        token_expired.disconnect(listener)


def test_an_inactive_users_token_is_refused(api, staff):
    get_user_model().objects.filter(pk=staff.pk).update(is_active=False)

    assert_error(api.get(METRICS), 401, "authentication_failed")


def test_the_token_authentication_is_knoxs_own_code_of_the_installed_version():
    """riskcase.api.authentication repeats knox's authenticate_credentials and _cleanup_token around its two
    precompiled reads: another knox is read again before it is trusted (then KNOX_VERSION follows it)."""
    from importlib.metadata import version

    from riskcase.api.authentication import KNOX_VERSION

    assert version("django-rest-knox") == KNOX_VERSION
