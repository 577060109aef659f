"""The lockout page speaks the merchant's language: Simplified Chinese by default."""
import pytest

from tests.factories import MembershipFactory, MerchantFactory

pytestmark = pytest.mark.django_db


def test_a_locked_out_merchant_is_told_in_chinese_when_to_try_again(client, settings):
    settings.AXES_FAILURE_LIMIT = 1
    user = MembershipFactory(merchant=MerchantFactory(merchant_id="m-alpha")).user
    response = client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert int(response["Retry-After"]) == 15 * 60
