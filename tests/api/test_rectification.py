"""The merchant answers a warning with a rectification note (整改说明) and files; reviewers see it on the
case page; a warning resolved after it says so. Another merchant's warning is a 404 and changes nothing."""
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services
from cases.models import Warning, WarningEvidence
from eventstore.store import read
from tests.factories import UserFactory, raise_warning

PNG = b"\x89PNG\r\n\x1a\n new kitchen"


def _rectify(client, warning, **data):
    return client.post(f"/api/v1/warnings/{warning.pk}/rectify/", data, format="multipart")


def test_the_merchant_answers_a_warning_and_a_resolution_after_it_says_so(api, merchant, media_root, client):
    warning = raise_warning(merchant)
    response = _rectify(api, warning, note="We replaced the kitchen staff and retrained them.",
                        files=[SimpleUploadedFile("kitchen.png", PNG)])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["rectification"]["note"].startswith("We replaced") and body["rectification"]["files"] == ["kitchen.png"]
    assert [e.type for e in read(warning.stream)][-1] == "warning.rectified"
    assert WarningEvidence.objects.get(warning=warning).file.read() == PNG
    assert _rectify(api, warning, note="again").status_code == 409  # once per warning

    reviewer = UserFactory(username="rita", is_staff=True)
    reviewer.user_permissions.add(*Permission.objects.filter(content_type__app_label="cases",
                                                             codename__in=["view_warning", "resolve_warning"]))
    client.force_login(reviewer)
    page = client.get(f"/admin/cases/warning/{warning.pk}/change/").content.decode()
    assert "We replaced the kitchen staff" in page

    services.warning_resolve(warning_id=warning.pk, reason="Rates back to normal.")
    assert api.get(f"/api/v1/warnings/{warning.pk}/").json()["resolution"] == "Resolved after your rectification."


def test_a_note_is_required_and_another_merchants_warning_is_a_404(api, other_api, merchant):
    warning = raise_warning(merchant)
    bad = _rectify(api, warning, note="  ")
    assert bad.status_code == 400 and "note" in bad.json()["error"]["fields"]
    assert _rectify(other_api, warning, note="not mine").status_code == 404
    assert Warning.objects.get(pk=warning.pk).rectified_at is None
