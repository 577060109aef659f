"""Evidence uploads cannot smuggle a page or fill the disk (issue 16, item 11): files are stored and served
as the type their bytes are, and the count and size limits apply while the body streams in."""
import pytest
from django.core.files import uploadhandler
from django.urls import reverse

from cases.models import AppealEvidence
from tests.factories import record_violation

from .conftest import assert_error, stored_files
from .test_appeal_submission import PNG, post_appeal, upload

HTML = b"<html><script>alert(document.cookie)</script></html>"


@pytest.fixture
def violation(merchant):
    return record_violation(merchant)


def test_a_png_header_before_html_named_evil_html_is_stored_and_served_as_a_png(api, violation, media_root,
                                                                                admin_client):
    response = post_appeal(api, violation, files=[upload("evil.html", PNG + HTML, content_type="text/html")])
    assert response.status_code == 201, response.content

    [stored] = stored_files(media_root)
    assert stored.suffix == ".png"
    evidence = AppealEvidence.objects.get()
    url = reverse("admin:cases_violation_evidence", args=[violation.pk, evidence.pk])
    served = admin_client.get(url)

    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert 'filename="evil.png"' in served["Content-Disposition"]
    assert served["Content-Disposition"].startswith("attachment")
    assert "sandbox" in served["Content-Security-Policy"]


def test_files_past_the_fifth_are_never_spooled_and_the_request_is_refused(api, violation, media_root,
                                                                           monkeypatch):
    spooled = []
    for handler in (uploadhandler.MemoryFileUploadHandler, uploadhandler.TemporaryFileUploadHandler):
        original = handler.new_file

        def new_file(self, field_name, file_name, *args, _original=original, **kwargs):
            spooled.append(file_name)
            return _original(self, field_name, file_name, *args, **kwargs)

        monkeypatch.setattr(handler, "new_file", new_file)
    files = [upload(f"page-{i}.png", PNG + b"\x00" * 4096) for i in range(8)]

    response = post_appeal(api, violation, files=files)

    assert_error(response, 400, "too_many_files")
    assert "8" in response.json()["error"]["fields"]["files"][0]
    assert "page-5.png" not in spooled and "page-7.png" not in spooled
    assert len(set(spooled)) == 5
    assert stored_files(media_root) == []


def test_a_file_over_the_limit_stops_being_read_at_the_limit(api, violation, media_root, monkeypatch):
    received = []
    original = uploadhandler.TemporaryFileUploadHandler.receive_data_chunk

    def receive(self, raw_data, start):
        received.append(start + len(raw_data))
        return original(self, raw_data, start)

    monkeypatch.setattr(uploadhandler.TemporaryFileUploadHandler, "receive_data_chunk", receive)
    big = upload("big.png", PNG + b"\x00" * (12 * 1024 * 1024))

    response = post_appeal(api, violation, files=[big])

    assert_error(response, 400, "file_too_large")
    assert max(received, default=0) <= 10 * 1024 * 1024
    assert stored_files(media_root) == []
