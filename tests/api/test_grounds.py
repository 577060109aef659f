"""A case opened by hand carries a statement of facts the merchant reads, and the evidence files the reviewer
shared are downloadable by that merchant only; the internal description and unshared files never reach them."""
import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile

from cases import services
from eventstore.actors import Actor
from tests.factories import UserFactory

PNG = b"\x89PNG\r\n\x1a\n screenshot"
PDF = b"%PDF-1.4 internal memo"


@pytest.fixture
def opened(merchant, media_root):
    reviewer = UserFactory(username="rita", is_staff=True)
    reviewer.user_permissions.add(Permission.objects.get(content_type__app_label="cases", codename="open_case"))
    return services.case_open_by_hand(
        merchant_id=merchant.merchant_id, risk_point="public_opinion", actor=Actor.reviewer(reviewer),
        evidence_text="Internal: source is a tip from a competitor.",
        statement="A Weibo thread of 12 May with 2,000 reposts reports food poisoning at your shop.",
        files=[ContentFile(PDF, name="memo.pdf")], shared_files=[ContentFile(PNG, name="weibo.png")])


def test_the_merchant_sees_the_statement_and_only_the_shared_files(api, opened):
    body = api.get(f"/api/v1/violations/{opened.pk}/").json()
    assert body["grounds"]["statement"].startswith("A Weibo thread of 12 May")
    assert [f["name"] for f in body["grounds"]["files"]] == ["weibo.png"]
    assert "competitor" not in str(body)
    [shared] = body["grounds"]["files"]
    response = api.get(f"/api/v1/violations/{opened.pk}/evidence/{shared['id']}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG


def test_an_unshared_file_and_another_merchants_case_are_404(api, other_api, opened):
    internal = opened.evidence.get(shareable=False)
    shared = opened.evidence.get(shareable=True)
    assert api.get(f"/api/v1/violations/{opened.pk}/evidence/{internal.pk}/").status_code == 404
    assert other_api.get(f"/api/v1/violations/{opened.pk}/evidence/{shared.pk}/").status_code == 404


def test_the_page_shows_the_grounds_and_downloads_only_for_the_merchant(opened, staff, other_staff, client):
    client.force_login(staff)
    page = client.get(f"/merchant/violations/{opened.pk}/").content.decode()
    assert "2,000 reposts" in page and "weibo.png" in page and "memo.pdf" not in page
    shared = opened.evidence.get(shareable=True)
    url = f"/merchant/violations/{opened.pk}/evidence/{shared.pk}/"
    assert b"".join(client.get(url).streaming_content) == PNG
    client.force_login(other_staff)
    assert client.get(url).status_code == 404
