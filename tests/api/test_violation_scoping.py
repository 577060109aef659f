"""Another merchant's violations cannot be read, listed, appealed or counted: a 404 exactly like a
missing id, and nothing changes. Expired and revoked tokens are refused on every new endpoint."""
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Appeal
from eventstore.store import read
from tests.factories import raise_warning, record_violation

from .conftest import NOW, assert_error, stored_files

VIOLATIONS = "/api/v1/violations/"
PDF = b"%PDF-1.4\n%%EOF\n"


def test_the_list_shows_only_the_callers_violations(api, other_api, merchant, other_merchant):
    mine, theirs = record_violation(merchant), record_violation(other_merchant)

    assert [v["id"] for v in api.get(VIOLATIONS).json()["results"]] == [str(mine.pk)]
    assert [v["id"] for v in other_api.get(VIOLATIONS, {"tab": "new"}).json()["results"]] == [str(theirs.pk)]


def test_reading_another_merchants_violation_is_a_404_like_a_missing_one(api, other_merchant):
    theirs = record_violation(other_merchant)

    other = api.get(f"{VIOLATIONS}{theirs.pk}/")
    missing = api.get(f"{VIOLATIONS}{uuid.uuid4()}/")

    assert_error(other, 404, "not_found")
    assert other.json() == missing.json()


def test_appealing_another_merchants_violation_is_a_404_and_stores_nothing(api, other_merchant, media_root):
    theirs = record_violation(other_merchant)

    response = api.post(f"{VIOLATIONS}{theirs.pk}/appeal/",
                        {"statement": "mine now", "files": [SimpleUploadedFile("a.pdf", PDF)]},
                        format="multipart", HTTP_IDEMPOTENCY_KEY="k")

    assert_error(response, 404, "not_found")
    assert not Appeal.objects.exists()
    assert stored_files(media_root) == []
    theirs.refresh_from_db()
    assert (theirs.state, theirs.version) == ("pending", 1)
    assert [e.type for e in read(theirs.stream)] == ["violation.recorded"]


def test_appealing_a_missing_violation_is_a_404(api, merchant):
    assert_error(api.post(f"{VIOLATIONS}{uuid.uuid4()}/appeal/", {"statement": "x"}, format="multipart"), 404)


def test_the_diagnosis_counts_only_the_callers_cases(api, merchant, other_merchant):
    record_violation(other_merchant)
    raise_warning(other_merchant)

    body = api.get("/api/v1/diagnosis/").json()

    assert body["merchant_id"] == "m-alpha"
    assert body["violations"]["new"] == 0
    assert sum(w["open"] for w in body["warnings"]) == 0


def test_the_diagnosis_ignores_a_merchant_parameter(api, merchant, other_merchant):
    record_violation(other_merchant)

    body = api.get("/api/v1/diagnosis/", {"merchant_id": "m-beta", "merchant": "m-beta"}).json()

    assert (body["merchant_id"], body["violations"]["new"]) == ("m-alpha", 0)


@pytest.fixture
def any_violation(merchant):
    return record_violation(merchant)


def _calls(violation):
    return [
        ("get", "/api/v1/diagnosis/"),
        ("get", VIOLATIONS),
        ("get", f"{VIOLATIONS}{violation.pk}/"),
        ("post", f"{VIOLATIONS}{violation.pk}/appeal/"),
    ]


def _call(client, method, path):
    if method == "post":
        return client.post(path, {"statement": "x"}, format="multipart")
    return client.get(path)


def test_every_new_endpoint_refuses_an_expired_token(api, any_violation, frozen_now):
    frozen_now.move_to(NOW + timedelta(hours=12, seconds=1))

    for method, path in _calls(any_violation):
        assert_error(_call(api, method, path), 401, "authentication_failed")
    assert not Appeal.objects.exists()


def test_every_new_endpoint_refuses_a_revoked_token(api, any_violation):
    assert api.post("/api/v1/auth/logout/").status_code == 204

    for method, path in _calls(any_violation):
        assert_error(_call(api, method, path), 401, "authentication_failed")
    assert not Appeal.objects.exists()


def test_every_new_endpoint_refuses_anonymous_callers(anon, any_violation):
    for method, path in _calls(any_violation):
        assert_error(_call(anon, method, path), 401, "not_authenticated")


def test_a_staff_user_of_no_merchant_is_forbidden(any_violation):
    from tests.factories import UserFactory

    from .conftest import client_for

    reviewer = client_for(UserFactory(username="reviewer", is_staff=True, is_superuser=True))

    for method, path in _calls(any_violation):
        assert_error(_call(reviewer, method, path), 403, "permission_denied")
    assert not Appeal.objects.exists()
