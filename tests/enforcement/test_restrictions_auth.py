"""The restrictions endpoint answers service tokens only."""
import pytest
from knox.models import AuthToken

from tests.factories import ServiceTokenFactory

pytestmark = pytest.mark.django_db


def test_missing_token_is_refused(client):
    assert client.get("/api/v1/restrictions/m1/").status_code in (401, 403)


def test_merchant_knox_token_is_refused(client, django_user_model):
    user = django_user_model.objects.create_user(username="shop", password="pw")
    _, raw = AuthToken.objects.create(user)
    response = client.get("/api/v1/restrictions/m1/", HTTP_AUTHORIZATION=f"Token {raw}")
    assert response.status_code in (401, 403)


def test_service_token_gets_the_default_document_for_an_unpunished_merchant(client):
    token = ServiceTokenFactory()
    body = client.get("/api/v1/restrictions/m7/", HTTP_AUTHORIZATION=f"Bearer {token.raw}").json()
    assert body == {"merchant_id": "m7", "public_warning": False, "can_match_creators": True, "can_advertise": True,
                    "can_join_campaigns": True, "traffic_weight": "1.00", "banned_products": [], "removed": False,
                    "measures": [], "product_restrictions": [], "position": 0}


def test_a_token_revoked_in_admin_is_refused_on_the_next_request(client, admin_client):
    token = ServiceTokenFactory()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.raw}"}
    assert client.get("/api/v1/restrictions/m7/", **auth).status_code == 200  # now remembered as verified
    admin_client.post("/admin/metrics/servicetoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert client.get("/api/v1/restrictions/m7/", **auth).status_code == 401


def test_a_revocation_elsewhere_is_seen_once_the_verification_is_older_than_the_setting(client, settings):
    settings.RISKCASE_SERVICE_TOKEN_CACHE_SECONDS = 0
    token = ServiceTokenFactory()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.raw}"}
    assert client.get("/api/v1/restrictions/m7/", **auth).status_code == 200
    type(token).objects.filter(pk=token.pk).update(revoked_at="2026-06-01T00:00:00Z")  # another process
    assert client.get("/api/v1/restrictions/m7/", **auth).status_code == 401
