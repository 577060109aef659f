"""The appeal form: a statement and up to 5 evidence files checked like the API's; nothing stored on any
refusal; one appeal per violation, within its window; never on another merchant's violation."""
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Appeal, AppealEvidence
from eventstore.store import read
from portal.uploads import MAX_BYTES
from tests.api.conftest import stored_files
from tests.factories import deliver_notice, record_violation

from .conftest import PDF, PNG


@pytest.fixture
def violation(merchant):
    return record_violation(merchant)


def appeal(client, violation, files=(), statement="We were closed that week."):
    data = {"statement": statement, "expected_version": violation.version}
    if files:
        data["files"] = list(files)
    return client.post(f"/merchant/violations/{violation.pk}/appeal/", data)


def assert_nothing_stored(violation, media_root):
    assert not Appeal.objects.filter(pk=violation.pk).exists()
    assert not AppealEvidence.objects.exists()
    assert stored_files(media_root) == []
    assert [e.type for e in read(violation.stream)][-1] in ("violation.recorded", "violation.notice_delivered")
    violation.refresh_from_db()
    assert violation.state == "pending"


def test_an_appeal_with_a_png_moves_the_violation_to_appealing(web, violation, media_root):
    response = appeal(web, violation, [SimpleUploadedFile("front.png", PNG), SimpleUploadedFile("a.pdf", PDF)])
    assert response.status_code == 302
    violation.refresh_from_db()
    assert violation.state == "appealing"
    assert len(stored_files(media_root)) == 2
    body = web.get(response["Location"]).content.decode()
    assert "Your appeal was submitted." in body and "front.png" in body


@pytest.mark.parametrize(("files", "message"), [
    ([SimpleUploadedFile("photo.png", b"GIF89a not a png")], "photo.png is not a PDF, JPEG or PNG file."),
    ([SimpleUploadedFile("big.png", PNG + b"\x00" * MAX_BYTES)], "big.png is larger than 10 MB."),
    ([SimpleUploadedFile(f"p{i}.png", PNG) for i in range(6)], "At most 5 evidence files"),
])
def test_a_bad_upload_is_refused_next_to_the_field_and_nothing_is_stored(web, violation, media_root, files,
                                                                         message):
    response = appeal(web, violation, files)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and 'class="field-errors"' in body
    assert_nothing_stored(violation, media_root)


def test_an_empty_statement_is_refused(web, violation, media_root):
    response = appeal(web, violation, statement="")
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert_nothing_stored(violation, media_root)


def test_an_appeal_after_the_window_is_refused(web, violation, media_root, frozen):
    violation = deliver_notice(violation)
    frozen.shift(timedelta(days=8))
    response = appeal(web, violation, [SimpleUploadedFile("front.png", PNG)])
    assert response.status_code == 409
    assert "appeal window closed at" in response.content.decode()
    assert_nothing_stored(violation, media_root)


def test_a_second_appeal_is_refused(web, violation, media_root):
    assert appeal(web, violation).status_code == 302
    violation.refresh_from_db()
    response = appeal(web, violation, [SimpleUploadedFile("again.png", PNG)])
    assert response.status_code == 409
    assert "already been appealed" in response.content.decode()
    assert AppealEvidence.objects.count() == 0 and stored_files(media_root) == []


def test_appealing_another_merchants_violation_is_not_found_and_changes_nothing(web, other_merchant, media_root):
    theirs = record_violation(other_merchant)
    response = appeal(web, theirs, [SimpleUploadedFile("front.png", PNG)])
    assert response.status_code == 404
    assert_nothing_stored(theirs, media_root)


def test_the_appeal_form_needs_the_csrf_token(staff, violation, frozen, media_root):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert appeal(client, violation).status_code == 403
    assert_nothing_stored(violation, media_root)


def test_the_file_picker_takes_several_files_of_the_accepted_kinds(web, violation):
    body = web.get(f"/merchant/violations/{violation.pk}/").content.decode()
    field = body[body.index('name="files"') - 200:body.index('name="files"') + 200]
    assert 'type="file"' in field and "multiple" in field
    assert 'accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"' in field
