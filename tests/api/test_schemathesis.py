"""Property-based tests of every operation of /api/schema/ (schemathesis, in-process through the WSGI app),
positive and negative data, with every check schemathesis has (`st run --checks all`): no server error, no
response the schema does not allow, no schema-valid request refused and no schema-violating one accepted.

Each operation is called with the credential it documents: a merchant's staff token, a senior reviewer's
token (operations marked `x-reviewer`), or a service token with every scope (`x-service-scope` only)."""
import json
from base64 import b64encode
from datetime import date, timedelta

import pytest
import schemathesis
from django.core.files.base import ContentFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from knox.models import AuthToken
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from cases import services
from eventstore.actors import Actor
from metrics.authentication import forget_verified_tokens
from metrics.models import ServiceScope
from riskcase.wsgi import application
from tests.cases.conftest import make_user
from tests.factories import DailyMetricFactory, ServiceTokenFactory, appeal_reviewer, raise_warning, record_violation

from .conftest import client_for

SCHEMA_URL = "/api/schema/?format=json"
# The only refusals of schema-valid requests: rules between two fields or against today, which OpenAPI 3
# cannot state (each is in the field's description): a range that ends before it starts (or a warning line
# above its limit), one in the future, one reaching further back than the history kept. Every other 400 to a
# valid request fails.
# Likewise a rule about earlier requests: an Idempotency-Key already used for another request (422), and one
# about the version in force: a stricter version dated sooner than 7 days after today (the review API's
# descriptions of the version adds say so; cases.strictness).
RANGE_RULES = {"invalid_range", "range_in_future", "range_too_old", "idempotency_key_reused", "stricter_too_soon"}


# Ingest is a batch: its 400 is a partial success (every valid line stored, the rejected ones listed by line
# number, as documented); the schema declares the body as NDJSON text, not each fact type's rules.
BATCH_OPERATIONS = {"POST /api/v1/ingest/"}


def positive_data_acceptance_but_documented_range_rules(ctx, response, case):
    try:
        return positive_data_acceptance(ctx, response, case)
    except Exception:
        if response.status_code == 400 and case.operation.label in BATCH_OPERATIONS and "errors" in response.json():
            return None
        if response.status_code in (400, 422) and response.json().get("error", {}).get("code") in RANGE_RULES:
            return None
        raise


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    """The ingest body: the generated text as it is (lines of JSON, or not)."""
    return value.encode() if isinstance(value, str) else json.dumps(value).encode() + b"\n"

# The pagination cursor is opaque (format "cursor" in the schema): generate real ones, as a client only ever
# sends back what a page's `next` gave it.
schemathesis.openapi.format("cursor", st.integers(min_value=0, max_value=400).map(
    lambda offset: b64encode(f"o={offset}".encode()).decode()))


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
def seeded(merchant, other_merchant, staff, settings, tmp_path):
    """A merchant with something in every list: metrics, warnings, violations in several states."""
    settings.MEDIA_ROOT = tmp_path
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
def credentials(seeded, staff):
    """A fresh credential per call (logout/ revokes the one it is sent with)."""
    senior = make_user("sam-senior", "senior_reviewer")
    forget_verified_tokens()
    service = ServiceTokenFactory(name="every-scope", scopes=list(ServiceScope.values))

    def for_operation(operation):
        definition = operation.definition.raw
        if definition.get("x-reviewer"):
            return f"Token {AuthToken.objects.create(user=senior)[1]}"
        if definition.get("x-service-scope"):
            return f"Bearer {service.raw}"
        return f"Token {client_for(staff).raw_token}"

    return for_operation


@pytest.fixture
def api_schema(seeded):
    loaded = schemathesis.openapi.from_wsgi(SCHEMA_URL, application)
    # Credentials are real ones (below), never generated; ignored_auth still checks a request without them.
    # Query strings have no "additionalProperties": unknown parameters are ignored, as HTTP APIs do.
    loaded.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                    with_security_parameters=False, allow_extra_parameters=False)
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_no_operation_breaks_its_schema_or_the_server(case, credentials):
    # Each request carries a real credential (passed explicitly, so ignored_auth also probes without it).
    case.call_and_validate(headers={"Authorization": credentials(case.operation)},
                           excluded_checks=[positive_data_acceptance],
                           additional_checks=[positive_data_acceptance_but_documented_range_rules])


@pytest.mark.parametrize("path", ["/api/v1/diagnosis/", "/api/v1/violations/", "/api/v1/violations/{pending}/",
                                  "/api/v1/violations/{decided}/", "/api/v1/warnings/", "/api/v1/metrics/",
                                  "/api/v1/products-at-risk/"])
def test_real_responses_match_the_schema(anon, seeded, staff, path):
    """Random ids only reach 404s; these read the seeded cases so every field of a detail is checked."""
    loaded = schemathesis.openapi.from_wsgi(SCHEMA_URL, application)
    template = path.replace("{pending}", "{id}").replace("{decided}", "{id}")
    operation = loaded[template]["GET"]
    ids = {k: str(v.pk) for k, v in seeded.items()}
    case = operation.Case(path_parameters={"id": ids["pending" if "pending" in path else "decided"]}
                          if "{id}" in template else {})
    response = case.call_and_validate(headers={"Authorization": f"Token {client_for(staff).raw_token}"})

    assert response.status_code == 200, response.text
