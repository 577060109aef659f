"""Service providers (服务商) and chains: a staff user of several merchants sees exactly those stores,
chooses one per API request (X-Merchant-Id) or switches on the pages, and loses a store at once when
the membership ends. Every scope check uses the chosen merchant."""
import pytest
from django.test import Client

from tests.api.conftest import assert_error, client_for
from tests.factories import MembershipFactory, MerchantFactory, raise_warning, record_violation

pytestmark = pytest.mark.django_db


@pytest.fixture
def stores(db):
    return [MerchantFactory(merchant_id=f"m-store-{i}", name=f"Store {i}") for i in range(3)]


@pytest.fixture
def provider(stores):
    """Works for stores 0 and 1, not 2."""
    user = MembershipFactory(merchant=stores[0]).user
    MembershipFactory(merchant=stores[1], user=user)
    return user


def test_the_api_needs_the_merchant_named_and_answers_for_exactly_that_store(provider, stores):
    mine = record_violation(stores[1])
    api = client_for(provider)
    assert_error(api.get("/api/v1/diagnosis/"), 403, "merchant_required")
    assert api.get("/api/v1/diagnosis/", HTTP_X_MERCHANT_ID="m-store-0").json()["merchant_id"] == "m-store-0"
    assert api.get("/api/v1/diagnosis/", HTTP_X_MERCHANT_ID="m-store-1").json()["merchant_id"] == "m-store-1"
    # Store 1's violation is found when acting for store 1, and a 404 when acting for store 0.
    assert api.get(f"/api/v1/violations/{mine.pk}/", HTTP_X_MERCHANT_ID="m-store-1").status_code == 200
    assert_error(api.get(f"/api/v1/violations/{mine.pk}/", HTTP_X_MERCHANT_ID="m-store-0"), 404, "not_found")


def test_a_provider_never_reaches_a_store_it_does_not_work_for(provider, stores):
    theirs = record_violation(stores[2])
    api = client_for(provider)
    assert_error(api.get("/api/v1/diagnosis/", HTTP_X_MERCHANT_ID="m-store-2"), 403, "permission_denied")
    assert_error(api.get(f"/api/v1/violations/{theirs.pk}/", HTTP_X_MERCHANT_ID="m-store-2"), 403)
    assert_error(api.get(f"/api/v1/violations/{theirs.pk}/", HTTP_X_MERCHANT_ID="m-store-0"), 404)


def test_a_store_the_provider_left_is_out_of_reach_at_once(provider, stores):
    api = client_for(provider)
    assert api.get("/api/v1/diagnosis/", HTTP_X_MERCHANT_ID="m-store-1").status_code == 200
    provider.merchant_memberships.filter(merchant=stores[1]).delete()
    assert_error(api.get("/api/v1/diagnosis/", HTTP_X_MERCHANT_ID="m-store-1"), 403)
    # With one store left, the header may be left out.
    assert api.get("/api/v1/diagnosis/").json()["merchant_id"] == "m-store-0"


def test_login_lists_every_store_of_the_user(provider):
    provider.set_password("pw-123456789")
    provider.save()
    body = Client().post("/api/v1/auth/login/", {"username": provider.username, "password": "pw-123456789"},
                         content_type="application/json").json()
    assert [m["merchant_id"] for m in body["merchants"]] == ["m-store-0", "m-store-1"]


def test_the_pages_switch_between_the_providers_stores_only(provider, stores):
    warning = raise_warning(stores[1])
    web = Client()
    web.force_login(provider)
    web.cookies["django_language"] = "en"
    overview = web.get("/merchant/").content.decode()
    assert "Store 0" in overview and 'name="merchant_id"' in overview and "Store 2" not in overview
    assert web.get(f"/merchant/warnings/{warning.pk}/").status_code == 404  # acting for store 0
    assert web.post("/merchant/switch/", {"merchant_id": "m-store-1"}).status_code == 302
    assert web.get(f"/merchant/warnings/{warning.pk}/").status_code == 200
    assert web.post("/merchant/switch/", {"merchant_id": "m-store-2"}).status_code == 403
    # Leaving store 1 while it is chosen: the pages fall back to a store the user still works for.
    provider.merchant_memberships.filter(merchant=stores[1]).delete()
    assert web.get(f"/merchant/warnings/{warning.pk}/").status_code == 404
    assert "Store 0" in web.get("/merchant/").content.decode()
