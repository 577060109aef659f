"""Service tokens carry scopes, expire, and rotate with an overlap."""
import io
from datetime import UTC, datetime, timedelta

import orjson
import pytest
import time_machine
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from metrics.authentication import forget_verified_tokens
from metrics.models import Merchant, Order, ServiceToken
from tests.factories import OrderPaidLine, ServiceTokenFactory

INGEST = "/api/v1/ingest/"
NOW = datetime(2026, 6, 30, 4, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_verification_cache():
    forget_verified_tokens()
    yield
    forget_verified_tokens()


def _ingest(token, *lines):
    body = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    return APIClient().post(INGEST, data=body, content_type="application/x-ndjson",
                            HTTP_AUTHORIZATION=f"Bearer {token}")


def _restrictions(token):
    return APIClient().get("/api/v1/restrictions/m-1/", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_an_ingest_with_a_restrictions_only_token_is_refused_and_stores_nothing(db):
    ads = ServiceTokenFactory(name="ads", scopes=["restrictions:read"])

    response = _ingest(ads.raw, OrderPaidLine(order_id="o-1", merchant_id="m-1"))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not Order.objects.exists() and not Merchant.objects.exists()
    assert _restrictions(ads.raw).status_code == 200


def test_an_ingest_only_token_cannot_read_restrictions(db):
    trading = ServiceTokenFactory(name="trading", scopes=["ingest"])

    assert _restrictions(trading.raw).status_code == 403
    assert _ingest(trading.raw, OrderPaidLine(order_id="o-1")).status_code == 200
    assert Order.objects.filter(pk="o-1").exists()


def test_a_token_without_scopes_can_do_nothing(db):
    token = ServiceTokenFactory(scopes=[])

    assert _restrictions(token.raw).status_code == 403
    assert _ingest(token.raw, OrderPaidLine(order_id="o-1")).status_code == 403


def test_an_unknown_scope_is_refused_when_issuing(db):
    with pytest.raises(ValueError, match="unknown scope"):
        ServiceToken.issue("x", scopes=["restrictions:write"])


def test_an_expired_token_is_refused_even_from_the_verification_cache(db):
    with time_machine.travel(NOW, tick=False) as traveller:
        token = ServiceTokenFactory(scopes=["restrictions:read"], expires_at=NOW + timedelta(hours=1))
        assert _restrictions(token.raw).status_code == 200  # now cached in this process
        traveller.move_to(NOW + timedelta(hours=1, seconds=1))

        assert _restrictions(token.raw).status_code == 401


def test_rotation_keeps_both_secrets_working_for_the_overlap_then_only_the_new_one(db):
    with time_machine.travel(NOW, tick=False) as traveller:
        old = ServiceTokenFactory(name="ads", scopes=["restrictions:read"])
        successor, raw = old.rotate(overlap=timedelta(hours=24), now=NOW)

        assert successor.scopes == ["restrictions:read"] and successor.rotated_from == old
        assert _restrictions(old.raw).status_code == 200
        assert _restrictions(raw).status_code == 200
        traveller.move_to(NOW + timedelta(hours=24, seconds=1))
        assert _restrictions(old.raw).status_code == 401
        assert _restrictions(raw).status_code == 200


def test_the_command_requires_a_scope_and_rotates(db):
    with pytest.raises(CommandError, match="--scope"):
        call_command("create_service_token", "ads", stdout=io.StringIO())
    out = io.StringIO()
    call_command("create_service_token", "ads", "--scope", "restrictions:read", stdout=out)
    first = out.getvalue().strip()
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_service_token", "ads", "--scope", "ingest", stdout=io.StringIO())
    out = io.StringIO()
    call_command("create_service_token", "ads", "--rotate", stdout=out)
    second = out.getvalue().strip()

    assert first != second
    assert _restrictions(first).status_code == 200 and _restrictions(second).status_code == 200
    assert [t.scopes for t in ServiceToken.objects.filter(name="ads")] == [["restrictions:read"]] * 2


def test_the_migration_gives_existing_tokens_what_they_could_do_before(db):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("metrics.migrations.0007_service_token_scopes")
    token = ServiceTokenFactory(scopes=[])
    migration.legacy_scopes(apps, None)
    token.refresh_from_db()

    assert token.scopes == ["ingest", "restrictions:read"]


def test_admin_shows_and_edits_the_scopes(admin_client, db):
    token = ServiceTokenFactory(name="ads", scopes=["ingest", "restrictions:read"])
    page = admin_client.get("/admin/metrics/servicetoken/")
    assert "ingest, restrictions:read" in page.content.decode()

    response = admin_client.post(f"/admin/metrics/servicetoken/{token.pk}/change/",
                                 {"name": "ads", "scopes": ["restrictions:read"], "expires_at_0": "",
                                  "expires_at_1": ""})

    assert response.status_code == 302, response.content.decode()[:2000]
    token.refresh_from_db()
    assert token.scopes == ["restrictions:read"]
    assert _ingest(token.raw, OrderPaidLine(order_id="o-1")).status_code == 403


def test_admin_rotates_a_token_and_shows_the_new_secret_once(admin_client, db):
    with time_machine.travel(NOW, tick=False):
        token = ServiceTokenFactory(name="ads", scopes=["restrictions:read"])
        response = admin_client.post("/admin/metrics/servicetoken/", {
            "action": "rotate", "_selected_action": [token.pk]}, follow=True)

        [successor] = ServiceToken.objects.filter(rotated_from=token)
        [message] = [str(m) for m in response.context["messages"]]
        raw = message.split("<code>")[1].split("</code>")[0]
        assert ServiceToken.hash(raw) == successor.digest and successor.scopes == ["restrictions:read"]
        token.refresh_from_db()
        assert token.expires_at == NOW + timedelta(hours=24)
        assert _restrictions(raw).status_code == 200 and _restrictions(token.raw).status_code == 200
