"""violations/<id>/appeal/: a statement and up to 5 evidence files (PDF, JPEG, PNG, 10 MB each, type
from the content); Idempotency-Key makes a retry safe; late or second appeals are a 409; a bad upload
stores nothing."""
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Appeal, AppealEvidence
from eventstore.store import read
from merchant_api.models import IdempotencyKey
from tests.factories import deliver_notice, record_violation

from .conftest import NOW, assert_error, stored_files

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def appeal_url(violation):
    return f"/api/v1/violations/{violation.pk}/appeal/"


def post_appeal(client, violation, statement="We were closed that week.", files=(), **headers):
    data = {"statement": statement}
    if files:
        data["files"] = list(files)
    return client.post(appeal_url(violation), data, format="multipart", **headers)


@pytest.fixture
def violation(merchant):
    return record_violation(merchant)


def assert_nothing_stored(violation, media_root):
    assert not Appeal.objects.filter(pk=violation.pk).exists()
    assert not AppealEvidence.objects.exists()
    assert stored_files(media_root) == []
    assert [e.type for e in read(violation.stream)] == ["violation.recorded"]
    violation.refresh_from_db()
    assert violation.state == "pending"


def test_an_appeal_with_evidence_is_accepted_and_shows_in_the_violation(api, violation, media_root):
    response = post_appeal(api, violation, files=[upload("lease.pdf", PDF), upload("front.png", PNG),
                                                  upload("receipt.jpg", JPEG)])

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "appealing"
    assert body["appeal"]["statement"] == "We were closed that week."
    assert body["appeal"]["decision_due"] == (NOW + timedelta(days=3)).isoformat()
    assert sorted(f["name"] for f in body["appeal"]["files"]) == ["front.png", "lease.pdf", "receipt.jpg"]
    assert [e["type"] for e in body["timeline"]] == ["recorded", "appeal_submitted"]
    assert len(stored_files(media_root)) == 3
    assert read(violation.stream)[-1].actor.id == "m-alpha"


def test_an_appeal_without_files_is_fine(api, violation):
    assert post_appeal(api, violation).status_code == 201


def test_a_retry_with_the_same_idempotency_key_creates_one_appeal(api, violation, media_root):
    files = lambda: [upload("lease.pdf", PDF)]  # noqa: E731 - a fresh upload per request
    first = post_appeal(api, violation, files=files(), HTTP_IDEMPOTENCY_KEY="k-1")
    retry = post_appeal(api, violation, files=files(), HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, retry.status_code) == (201, 201), retry.content
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Appeal.objects.count() == 1 and AppealEvidence.objects.count() == 1
    assert len(stored_files(media_root)) == 1
    assert [e.type for e in read(violation.stream)] == ["violation.recorded", "violation.appeal_submitted"]


def test_the_same_key_with_a_different_request_is_a_422(api, violation):
    post_appeal(api, violation, HTTP_IDEMPOTENCY_KEY="k-1")

    response = post_appeal(api, violation, statement="Something else.", HTTP_IDEMPOTENCY_KEY="k-1")

    error = assert_error(response, 422, "idempotency_key_reused")
    assert "different request" in error["message"]


def test_keys_are_per_merchant(api, other_api, violation, other_merchant):
    theirs = record_violation(other_merchant)
    assert post_appeal(api, violation, HTTP_IDEMPOTENCY_KEY="same").status_code == 201

    assert post_appeal(other_api, theirs, HTTP_IDEMPOTENCY_KEY="same").status_code == 201
    assert Appeal.objects.count() == 2


def test_a_failed_request_does_not_use_up_its_key(api, violation):
    assert_error(post_appeal(api, violation, files=[upload("a.pdf", b"nope")], HTTP_IDEMPOTENCY_KEY="k"), 400)

    assert post_appeal(api, violation, HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    assert IdempotencyKey.objects.count() == 1


def test_a_malformed_idempotency_key_is_a_400(api, violation, media_root):
    response = post_appeal(api, violation, HTTP_IDEMPOTENCY_KEY="x" * 300)

    assert_error(response, 400, "invalid_idempotency_key")
    assert_nothing_stored(violation, media_root)


def test_a_second_appeal_is_a_409_that_says_why(api, violation):
    post_appeal(api, violation)

    error = assert_error(post_appeal(api, violation, statement="Again."), 409, "appeal_already_submitted")

    assert error["message"] == "This violation has already been appealed; each violation can be appealed once."
    assert Appeal.objects.count() == 1


def test_an_appeal_after_the_window_is_a_409_naming_the_deadline(api, staff, violation, frozen_now):
    from .conftest import client_for

    deliver_notice(violation)
    frozen_now.move_to(NOW + timedelta(days=7, seconds=1))
    late = client_for(staff)

    error = assert_error(post_appeal(late, violation), 409, "appeal_window_closed")

    assert error["message"] == ("The appeal window closed at 2026-07-07 12:00; "
                                "this violation can no longer be appealed.")
    assert not Appeal.objects.exists()


def test_the_window_closed_in_chinese(staff, violation, frozen_now):
    from .conftest import client_for

    deliver_notice(violation)
    frozen_now.move_to(NOW + timedelta(days=8))

    response = post_appeal(client_for(staff), violation, HTTP_ACCEPT_LANGUAGE="zh-hans")

    error = assert_error(response, 409, "appeal_window_closed")
    assert error["message"] == "申诉期已于 2026-07-07 12:00 结束，该违规已不能申诉。"


def test_a_blank_statement_is_a_400(api, violation, media_root):
    error = assert_error(post_appeal(api, violation, statement="  "), 400)

    assert list(error["fields"]) == ["statement"]
    assert_nothing_stored(violation, media_root)


def test_json_is_not_accepted(api, violation):
    response = api.post(appeal_url(violation), {"statement": "x"}, format="json")

    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("name, content", [
    ("lease.pdf", b"MZ\x90\x00 an executable"),
    ("photo.jpg", b"<html><script>alert(1)</script></html>"),
    ("scan.png", b"GIF89a a gif"),
    ("lease.pdf", b"PK\x03\x04 a zip file"),
])
def test_a_file_that_is_not_what_its_name_says_is_refused_and_nothing_is_stored(api, violation, media_root,
                                                                                 name, content):
    response = post_appeal(api, violation, files=[upload("ok.pdf", PDF), upload(name, content, "application/pdf")])

    error = assert_error(response, 400, "unsupported_file_type")
    assert error["message"] == f"{name} is not a PDF, JPEG or PNG file."
    assert list(error["fields"]) == ["files"]
    assert_nothing_stored(violation, media_root)


def test_a_file_over_10_mb_is_refused_and_nothing_is_stored(api, violation, media_root):
    big = PDF + b"0" * (10 * 1024 * 1024 - len(PDF) + 1)

    response = post_appeal(api, violation, files=[upload("ok.png", PNG), upload("big.pdf", big)])

    error = assert_error(response, 400, "file_too_large")
    assert error["message"] == "big.pdf is larger than 10 MB."
    assert_nothing_stored(violation, media_root)


def test_a_file_of_exactly_10_mb_is_accepted(api, violation):
    exact = PDF + b"0" * (10 * 1024 * 1024 - len(PDF))

    assert post_appeal(api, violation, files=[upload("exact.pdf", exact)]).status_code == 201


def test_more_than_5_files_are_refused_and_nothing_is_stored(api, violation, media_root):
    response = post_appeal(api, violation, files=[upload(f"p{i}.png", PNG) for i in range(6)])

    error = assert_error(response, 400, "too_many_files")
    assert error["message"] == "At most 5 evidence files can be attached; 6 were sent."
    assert_nothing_stored(violation, media_root)


def test_5_files_are_fine(api, violation, media_root):
    assert post_appeal(api, violation, files=[upload(f"p{i}.png", PNG) for i in range(5)]).status_code == 201
    assert len(stored_files(media_root)) == 5


def test_an_empty_file_is_refused(api, violation, media_root):
    assert_error(post_appeal(api, violation, files=[upload("empty.pdf", b"")]), 400)
    assert_nothing_stored(violation, media_root)


def test_a_bad_upload_is_explained_in_chinese(api, violation):
    response = post_appeal(api, violation, files=[upload("lease.pdf", b"nope")], HTTP_ACCEPT_LANGUAGE="zh-hans")

    error = assert_error(response, 400, "unsupported_file_type")
    assert error["message"] == "lease.pdf 不是 PDF、JPEG 或 PNG 文件。"


def test_a_stale_expected_version_is_a_409(api, violation, media_root):
    response = api.post(appeal_url(violation), {"statement": "x", "expected_version": 0}, format="multipart")

    assert_error(response, 409, "concurrency_error")
    assert_nothing_stored(violation, media_root)
