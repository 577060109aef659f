"""Every merchant endpoint shows the caller's merchant only; callers who are not a merchant's staff
(reviewers, the platform's service tokens) get nothing."""
import uuid
from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.scoping import MerchantScopedMixin
from eventstore.store import read
from tests.factories import DailyMetricFactory, ServiceTokenFactory, UserFactory, raise_warning

from .conftest import assert_error, client_for

METRICS = "/api/v1/metrics/"
WARNINGS = "/api/v1/warnings/"
# Endpoints under /api/v1/ that are not merchant-scoped on purpose: auth, the platform's service-token
# endpoints (ingest, restrictions), the public notice, and the reviewers' and transparency API (review_api:
# reviewer or scoped service tokens, tested in tests/review).
NOT_MERCHANT_SCOPED = {"api-login", "api-logout", "api-logout-all", "ingest",
                       "restrictions", "public-notices"}


def _api_v1_views(resolver=None, prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_v1_views(pattern, route)
        elif isinstance(pattern, URLPattern) and route.startswith("api/v1/"):
            yield pattern.name, getattr(pattern.callback, "cls", None)


def test_every_merchant_endpoint_is_built_on_the_scoped_base():
    views = dict(_api_v1_views())
    scoped = {name: cls for name, cls in views.items() if name not in NOT_MERCHANT_SCOPED
              and not (cls is not None and cls.__module__.startswith("review_api."))}

    assert {"api-metrics", "api-warnings-list", "api-warnings-detail", "api-warnings-acknowledge",
            "api-diagnosis", "api-violations-list", "api-violations-detail",
            "api-violations-appeal", "api-penalties-list", "api-penalties-detail",
            "api-products-at-risk"} <= set(scoped)
    for name, cls in scoped.items():
        assert cls is not None and issubclass(cls, MerchantScopedMixin), name


def test_metrics_show_only_the_callers_merchant(api, other_api, merchant, other_merchant):
    DailyMetricFactory(merchant=merchant, day=date(2026, 6, 10), paid_orders=10)
    DailyMetricFactory(merchant=other_merchant, day=date(2026, 6, 10), paid_orders=99)

    mine = api.get(METRICS).json()
    theirs = other_api.get(METRICS).json()

    assert [(mine["merchant_id"], d["paid_orders"]) for d in mine["days"]] == [("m-alpha", 10)]
    assert [(theirs["merchant_id"], d["paid_orders"]) for d in theirs["days"]] == [("m-beta", 99)]


def test_a_merchant_cannot_ask_for_another_merchants_metrics_by_parameter(api, other_merchant):
    DailyMetricFactory(merchant=other_merchant, day=date(2026, 6, 10))

    body = api.get(METRICS, {"merchant_id": "m-beta", "merchant": "m-beta"}).json()

    assert body["merchant_id"] == "m-alpha"
    assert body["days"] == []


def test_a_user_who_is_not_a_merchants_staff_is_forbidden(db):
    reviewer = UserFactory(username="reviewer", is_staff=True, is_superuser=True)

    assert_error(client_for(reviewer).get(METRICS), 403, "permission_denied")


def test_a_service_token_does_not_open_the_merchants_api(anon, db):
    token = ServiceTokenFactory()
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {token.raw}")

    assert_error(anon.get(METRICS), 401, "not_authenticated")


@pytest.mark.parametrize("header", ["", "Token", "Token a b", "Basic dXNlcjpwYXNz"])
def test_requests_without_a_usable_token_are_refused(anon, db, header):
    if header:
        anon.credentials(HTTP_AUTHORIZATION=header)

    response = anon.get(METRICS)

    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"not_authenticated", "authentication_failed"}


def test_the_warning_list_shows_only_the_callers_warnings(api, other_api, merchant, other_merchant):
    mine = raise_warning(merchant)
    theirs = raise_warning(other_merchant)

    assert [w["id"] for w in api.get(WARNINGS).json()["results"]] == [str(mine.pk)]
    assert [w["id"] for w in other_api.get(WARNINGS).json()["results"]] == [str(theirs.pk)]


def test_reading_another_merchants_warning_is_a_404_like_a_missing_one(api, other_merchant):
    theirs = raise_warning(other_merchant)

    other = api.get(f"{WARNINGS}{theirs.pk}/")
    missing = api.get(f"{WARNINGS}{uuid.uuid4()}/")

    assert_error(other, 404, "not_found")
    assert other.json() == missing.json()


def test_acknowledging_another_merchants_warning_is_a_404_and_changes_nothing(api, other_merchant):
    theirs = raise_warning(other_merchant)

    response = api.post(f"{WARNINGS}{theirs.pk}/acknowledge/", {"expected_version": 1}, format="json")

    assert_error(response, 404, "not_found")
    theirs.refresh_from_db()
    assert (theirs.state, theirs.version) == ("open", 1)
    assert [e.type for e in read(theirs.stream)] == ["warning.raised"]


def test_filters_cannot_reach_another_merchant(api, other_merchant):
    raise_warning(other_merchant, product_id="p-9")

    assert api.get(WARNINGS, {"product_id": "p-9", "merchant": "m-beta"}).json()["results"] == []
