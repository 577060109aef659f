"""The merchant answers a warning with a rectification note (整改说明) on its page, once; the same service as
the API's warnings/{id}/rectify/. Another merchant's warning is a 404 and nothing is recorded."""
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Warning, WarningEvidence
from eventstore.store import read
from tests.factories import raise_warning

from .conftest import PNG


def test_the_warning_page_takes_one_rectification_note_with_files(web, merchant, media_root):
    warning = raise_warning(merchant)
    url = f"/merchant/warnings/{warning.pk}/"
    page = web.get(url).content.decode()
    assert f'action="/merchant/warnings/{warning.pk}/rectify/"' in page and 'name="note"' in page
    empty = web.post(f"{url}rectify/", {"note": "  "})
    assert empty.status_code == 400 and read(warning.stream)[-1].type != "warning.rectified"
    sent = web.post(f"{url}rectify/", {"note": "We retrained the kitchen staff.", "expected_version": warning.version,
                                       "files": [SimpleUploadedFile("kitchen.png", PNG)]}, follow=True)
    assert sent.status_code == 200 and "Your rectification note was sent." in sent.content.decode()
    assert [e.type for e in read(warning.stream)][-1] == "warning.rectified"
    assert Warning.objects.get(pk=warning.pk).rectification_note == "We retrained the kitchen staff."
    assert WarningEvidence.objects.get(warning=warning).name == "kitchen.png"
    after = web.get(url).content.decode()
    assert "We retrained the kitchen staff." in after and 'name="note"' not in after  # once per warning
    again = web.post(f"{url}rectify/", {"note": "again"}, follow=True)
    assert "This warning is closed or was already answered." in again.content.decode()
    assert Warning.objects.get(pk=warning.pk).rectification_note == "We retrained the kitchen staff."


def test_another_merchants_warning_cannot_be_answered(other_web, merchant):
    warning = raise_warning(merchant)
    assert other_web.post(f"/merchant/warnings/{warning.pk}/rectify/", {"note": "not mine"}).status_code == 404
    assert [e.type for e in read(warning.stream)][-1] == "warning.raised"


def test_the_form_is_in_chinese_by_default(web, merchant):
    warning = raise_warning(merchant)
    web.cookies["django_language"] = "zh-hans"
    page = web.get(f"/merchant/warnings/{warning.pk}/").content.decode()
    assert "整改说明" in page and "发送整改说明" in page
