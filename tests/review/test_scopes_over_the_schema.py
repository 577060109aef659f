"""Table-driven over /api/schema/: every operation a service token may call names its scope, and a token
carrying every *other* scope is refused (403, nothing stored); operations without a scope refuse every
service token; reviewer operations refuse a merchant's token."""
import re
import uuid

import pytest
from rest_framework.test import APIClient

from eventstore.models import Event
from metrics.models import ServiceScope
from tests.factories import MembershipFactory

from .conftest import knox_client, service_client

METHODS = ("get", "post", "put", "patch", "delete")


def _operations():
    from django.test import Client

    schema = Client().get("/api/schema/", {"format": "json"}).json()
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _url(path):
    def fill(match):
        name = match.group(1)
        if path.startswith("/api/v1/notifications/"):
            return "1"  # notifications have integer ids
        if name == "day":
            return "2026-06-01"
        return "m-1" if "merchant" in name else str(uuid.uuid4())
    return re.sub(r"\{([^}]+)\}", fill, path)


def _call(client, method, path):
    if method == "get":
        return client.get(_url(path))
    return getattr(client, method)(_url(path), data=b"{}", content_type="application/json")


def _public(op):
    """Login, the public notices: no token at all (the security requirement lists an empty one, or none)."""
    return not op.get("security") or {} in op["security"]


@pytest.fixture
def operations(db):
    return list(_operations())


# Service endpoints outside the OpenAPI schema (not part of the API), each with its own scope.
OUTSIDE_THE_SCHEMA = {ServiceScope.METRICS_READ: "/metrics"}  # Prometheus text


def test_the_table_covers_every_scope(operations):
    scopes = {op.get("x-service-scope") for _, _, op in operations} - {None}
    assert scopes | set(OUTSIDE_THE_SCHEMA) == set(ServiceScope.values)
    assert not scopes & set(OUTSIDE_THE_SCHEMA)
    for scope, path in OUTSIDE_THE_SCHEMA.items():
        others = [s for s in ServiceScope.values if s != scope]
        assert service_client(*others, name=f"all-but-{scope}").get(path).status_code == 403, path
        assert service_client(scope, name=f"only-{scope}").get(path).status_code == 200, path


def test_a_token_without_the_operations_scope_is_refused_on_every_operation(operations):
    events = Event.objects.count()
    checked = 0
    for path, method, op in operations:
        if _public(op):
            continue
        scope = op.get("x-service-scope")
        others = [s for s in ServiceScope.values if s != scope]
        client = service_client(*others, name=f"all-but-{checked}")
        response = _call(client, method, path)
        assert response.status_code in (401, 403), (method, path, response.status_code)
        checked += 1
    assert checked >= 20
    assert Event.objects.count() == events  # nothing was written by a refused call


def test_a_token_with_the_scope_gets_past_authorisation(operations):
    for i, (path, method, op) in enumerate(operations):
        scope = op.get("x-service-scope")
        if scope is None:
            continue
        response = _call(service_client(scope, name=f"only-{i}"), method, path)
        assert response.status_code not in (401, 403), (method, path, response.status_code, response.content[:200])


def test_reviewer_operations_refuse_a_merchants_token(operations, merchant):
    client = knox_client(MembershipFactory(merchant=merchant).user)
    for path, method, op in operations:
        if op.get("x-reviewer"):
            assert _call(client, method, path).status_code == 403, (method, path)


def test_no_token_is_a_401(operations):
    for path, method, op in operations:
        if op.get("x-reviewer") or op.get("x-service-scope"):
            assert _call(APIClient(), method, path).status_code == 401, (method, path)
