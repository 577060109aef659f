"""`POST /api/v1/ingest/`: NDJSON from the platform's trading systems, with a service token only;
the answer has the same counts and per-line errors as the command."""
from datetime import UTC, datetime

import orjson
import pytest
from rest_framework.test import APIClient

from metrics.models import Complaint, Order
from tests.factories import ComplaintFiledLine, OrderPaidLine, ServiceTokenFactory, StaffUserFactory

URL = "/api/v1/ingest/"


def _body(*lines):
    return b"".join((line if isinstance(line, bytes) else orjson.dumps(line)) + b"\n" for line in lines)


def _post(client, body, token=None, content_type="application/x-ndjson"):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(URL, data=body, content_type=content_type, **headers)


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def token(db):
    return ServiceTokenFactory().raw


def test_all_good_lines_answer_200_with_the_counts(client, token):
    response = _post(client, _body(OrderPaidLine(order_id="o-1"), OrderPaidLine(order_id="o-2"),
                                   OrderPaidLine(order_id="o-2")), token)

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("new", "duplicate", "conflicting", "bad")} == {
        "new": 2, "duplicate": 1, "conflicting": 0, "bad": 0}
    assert body["errors"] == []
    assert Order.objects.count() == 2


def test_bad_lines_answer_400_with_line_numbers_and_the_valid_lines_kept(client, token):
    _post(client, _body(OrderPaidLine(order_id="o-1")), token)

    response = _post(client, _body(OrderPaidLine(order_id="o-2"), b"{oops",
                                   OrderPaidLine(order_id="o-1", amount_cents=1),
                                   ComplaintFiledLine(order_id="o-2", reason="rude"),
                                   ComplaintFiledLine(order_id="o-2")), token)

    assert response.status_code == 400
    body = response.json()
    assert {k: body[k] for k in ("new", "duplicate", "conflicting", "bad")} == {
        "new": 2, "duplicate": 0, "conflicting": 1, "bad": 2}
    errors = sorted(body["errors"], key=lambda e: e["line"])  # conflicts are found when the batch is written
    assert [e["line"] for e in errors] == [2, 3, 4]
    assert "conflict" in errors[1]["reason"]
    assert "reason" in errors[2]["reason"]
    assert (Order.objects.count(), Complaint.objects.count()) == (2, 1)
    assert Order.objects.get(pk="o-1").amount_cents == 10_000


def test_the_answer_matches_the_command_for_the_same_lines(client, token, ingest):
    lines = [OrderPaidLine(order_id="o-1"), b"[]", OrderPaidLine(order_id="o-1", amount_cents=2)]

    body = _post(client, _body(*lines), token).json()
    Order.objects.all().delete()
    report = ingest(*(line if isinstance(line, bytes) else orjson.dumps(line) for line in lines))

    assert body["errors"] == report.errors
    assert (body["new"], body["bad"], body["conflicting"]) == (report.new, report.bad, report.conflicting)


def test_invalid_utf8_is_a_bad_line_not_a_server_error(client, token):
    response = _post(client, _body(b"\xff\xfe", OrderPaidLine(order_id="o-1")), token)

    assert response.status_code == 400
    assert [e["line"] for e in response.json()["errors"]] == [1]
    assert Order.objects.count() == 1


def test_without_a_token_the_request_is_refused_and_nothing_is_ingested(client, db):
    response = _post(client, _body(OrderPaidLine(order_id="o-1")))

    assert response.status_code in (401, 403)
    assert not Order.objects.exists()


def test_an_unknown_token_is_refused(client, token):
    response = _post(client, _body(OrderPaidLine(order_id="o-1")), token + "x")

    assert response.status_code in (401, 403)
    assert not Order.objects.exists()


def test_a_revoked_token_is_refused(client, db):
    revoked = ServiceTokenFactory(revoked_at=datetime(2026, 6, 1, tzinfo=UTC)).raw

    response = _post(client, _body(OrderPaidLine(order_id="o-1")), revoked)

    assert response.status_code in (401, 403)
    assert not Order.objects.exists()


def test_a_staff_session_is_not_a_service_token(client, db):
    client.force_login(StaffUserFactory())

    response = _post(client, _body(OrderPaidLine(order_id="o-1")))

    assert response.status_code in (401, 403)
    assert not Order.objects.exists()


def test_basic_auth_with_staff_credentials_is_refused(db):
    StaffUserFactory(username="admin")
    client = APIClient()
    client.login(username="admin", password="correct horse battery staple")

    response = _post(client, _body(OrderPaidLine(order_id="o-1")))

    assert response.status_code in (401, 403)
    assert not Order.objects.exists()


def test_a_non_ndjson_content_type_is_refused(client, token):
    response = _post(client, b"<xml/>", token, content_type="application/xml")

    assert response.status_code == 415
    assert not Order.objects.exists()
