"""Malformed requests are refused, never a 500 (issue 16, item 13): a non-UTF-8 Authorization header, NUL
bytes in the address, the query, a header or a cookie, and an admin filter value of the wrong kind."""
import pytest

from tests.factories import MembershipFactory, MerchantFactory, ServiceTokenFactory

pytestmark = pytest.mark.django_db

MERCHANT_ENDPOINTS = ["/api/v1/diagnosis/", "/api/v1/metrics/", "/api/v1/warnings/", "/api/v1/violations/",
                      "/api/v1/auth/logout/"]


@pytest.mark.parametrize("url", MERCHANT_ENDPOINTS)
@pytest.mark.parametrize("header", [b"Token \xff\xfe\xfa", b"Token abc\xe9def", b"\xff\xfe Token"])
def test_a_non_utf8_authorization_header_is_a_401(client, url, header):
    # WSGI hands headers over as latin-1 strings: these are the bytes a client sent.
    method = client.post if url.endswith("logout/") else client.get
    response = method(url, HTTP_AUTHORIZATION=header.decode("latin-1"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"authentication_failed", "not_authenticated"}


@pytest.mark.parametrize("header", [b"Bearer \xff\xfe", b"\xff\xfe xyz"])
def test_a_non_utf8_service_authorization_header_is_refused(client, header):
    response = client.get("/api/v1/restrictions/m1/", HTTP_AUTHORIZATION=header.decode("latin-1"))
    assert response.status_code in (401, 403)


@pytest.mark.postgres  # where a NUL reaching a query was the 500
@pytest.mark.parametrize("url", ["/api/v1/restrictions/%00/", "/api/v1/restrictions/m%001/",
                                 "/api/v1/violations/?risk_point=%00", "/merchant/?x=%00",
                                 "/admin/cases/violation/?merchant_id=%00"])
def test_a_nul_byte_in_the_address_or_query_is_a_400(client, url):
    token = ServiceTokenFactory()
    response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token.raw}")
    assert response.status_code == 400


@pytest.mark.postgres
def test_a_nul_byte_in_a_token_or_cookie_is_a_400(client):
    assert client.get("/api/v1/diagnosis/", HTTP_AUTHORIZATION="Token abc\x00def").status_code == 400
    client.cookies["sessionid"] = "abc\x00def"
    assert client.get("/merchant/").status_code == 400


def test_a_non_utf8_path_is_a_404(client):
    assert client.get("/api/v1/restrictions/%ff%fe/").status_code in (401, 403, 404)
    token = ServiceTokenFactory()
    response = client.get("/api/v1/restrictions/%ff%fe/", HTTP_AUTHORIZATION=f"Bearer {token.raw}")
    assert response.status_code in (200, 404)


@pytest.mark.parametrize("query", ["assignee=abc", "assignee=1e9", "assignee=-1"])
def test_a_malformed_admin_filter_is_a_400(admin_client, query):
    assert admin_client.get(f"/admin/cases/violation/?{query}").status_code == 400
    assert admin_client.get(f"/admin/cases/warning/?{query}").status_code == 400


def test_a_well_formed_admin_filter_still_works(admin_client):
    assert admin_client.get("/admin/cases/violation/?assignee=me").status_code == 200
    assert admin_client.get("/admin/cases/violation/?assignee=12345").status_code == 200


def test_the_api_still_works_with_a_good_token(client):
    from knox.models import AuthToken

    user = MembershipFactory(merchant=MerchantFactory(merchant_id="m-alpha")).user
    _, raw = AuthToken.objects.create(user=user)
    assert client.get("/api/v1/diagnosis/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 200
