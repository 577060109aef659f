"""Property-based tests of every operation of /api/schema/ (schemathesis, in-process through the WSGI
app, with a valid merchant token): no server error, and no response that the schema does not allow."""
from datetime import date, timedelta

import pytest
import schemathesis
from django.core.files.base import ContentFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from cases import services
from eventstore.actors import Actor
from riskcase.wsgi import application

from .conftest import client_for
from .factories import DailyMetricFactory, appeal_reviewer, raise_warning, record_violation

# Not the "all checks" default: a random id is rightly a 404, which positive_data_acceptance would flag.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SCHEMA_URL = "/api/schema/?format=json"


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The WSGI app closes "old" database connections around each request; inside a test's transaction
    that would close the test's own connection (PostgreSQL). Django's test client does the same."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(merchant, other_merchant, staff):
    """A merchant with something in every list: metrics, warnings, violations in several states."""
    for i in range(10):
        DailyMetricFactory(merchant=merchant, day=date(2026, 6, 29) - timedelta(days=i), stable=i >= 7)
    raise_warning(merchant)
    raise_warning(merchant, risk_point="clustered_complaints", product_id="p-1", value="6", threshold="5")
    pending = record_violation(merchant)
    decided = record_violation(merchant, risk_point="negative_review_rate")
    services.appeal_submit(violation_id=decided.pk, actor=Actor.merchant("m-alpha"), statement="No.",
                           files=[ContentFile(b"%PDF-1.4", name="lease.pdf")])
    services.appeal_decide(violation_id=decided.pk, actor=Actor.reviewer(appeal_reviewer()), accept=False,
                           reasons="Not convincing.")
    record_violation(other_merchant)
    return {"pending": pending, "decided": decided}


@pytest.fixture
def api_schema(seeded):
    return schemathesis.openapi.from_wsgi(SCHEMA_URL, application)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_no_operation_breaks_its_schema_or_the_server(case, staff):
    # Schemathesis fills the security scheme's header with made-up tokens: every request here carries a
    # fresh token of the merchant's staff user instead (fresh, since logout/ revokes the one it is sent with).
    token = client_for(staff).raw_token
    case.headers = {**(case.headers or {}), "Authorization": f"Token {token}"}
    case.call_and_validate(checks=CHECKS)


@pytest.mark.parametrize("path", ["/api/v1/diagnosis/", "/api/v1/violations/", "/api/v1/violations/{pending}/",
                                  "/api/v1/violations/{decided}/", "/api/v1/warnings/", "/api/v1/metrics/"])
def test_real_responses_match_the_schema(anon, seeded, staff, path):
    """Random ids only reach 404s; these read the seeded cases so every field of a detail is checked."""
    loaded = schemathesis.openapi.from_wsgi(SCHEMA_URL, application)
    template = path.replace("{pending}", "{id}").replace("{decided}", "{id}")
    operation = loaded[template]["GET"]
    ids = {k: str(v.pk) for k, v in seeded.items()}
    case = operation.Case(path_parameters={"id": ids["pending" if "pending" in path else "decided"]}
                          if "{id}" in template else {})
    response = case.call(headers={"Authorization": f"Token {client_for(staff).raw_token}"})

    assert response.status_code == 200, response.text
    case.validate_response(response, checks=CHECKS)
