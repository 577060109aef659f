"""The evidence rule (cases.evidence) holds for every entry point: appeal_submit itself refuses a file
that is not a PDF, JPEG or PNG by its content, a sixth file or one over 10 MB, storing nothing and
appending no event; a reviewer's case takes more and larger files, of the same types."""
import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import translation

from cases import services
from cases.errors import EvidenceRejected
from cases.models import Appeal, Violation
from eventstore.actors import Actor
from eventstore.store import read

pytestmark = pytest.mark.django_db

T0 = "2026-06-07 00:00:00+00:00"
PDF = b"%PDF-1.4 lease"
PNG = b"\x89PNG\r\n\x1a\n photo"
MB = 1024 * 1024


@pytest.fixture
def violation(record_violation):
    with time_machine.travel(T0, tick=False):
        return record_violation()


def _submit(violation, files):
    with time_machine.travel(T0, tick=False):
        return services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant("m-1"),
                                      statement="We were closed.", files=files)


def _assert_nothing_happened(violation, media_root):
    assert not Appeal.objects.exists()
    assert Violation.objects.get(pk=violation.pk).state == "pending"
    assert [e.type for e in read(violation.stream)] == ["violation.recorded"]
    assert not [p for p in media_root.rglob("*") if p.is_file()]


@pytest.mark.parametrize("name, content", [
    ("lease.pdf", b"<html><script>alert(1)</script></html>"),
    ("photo.jpg", b"MZ\x90\x00 an executable"),
    ("scan.png", b"GIF89a a gif"),
    ("empty.pdf", b""),
])
def test_appeal_submit_refuses_a_file_that_is_not_what_its_name_says(violation, media_root, name, content):
    with pytest.raises(EvidenceRejected) as refused:
        _submit(violation, [ContentFile(PDF, name="ok.pdf"), ContentFile(content, name=name)])

    assert refused.value.context["code"] == "unsupported_file_type"
    assert str(refused.value) == f"{name} is not a PDF, JPEG or PNG file."
    _assert_nothing_happened(violation, media_root)


def test_appeal_submit_refuses_a_sixth_file(violation, media_root):
    with pytest.raises(EvidenceRejected) as refused:
        _submit(violation, [ContentFile(PNG, name=f"p{i}.png") for i in range(6)])

    assert refused.value.context["code"] == "too_many_files"
    assert str(refused.value) == "At most 5 evidence files can be attached; 6 were sent."
    _assert_nothing_happened(violation, media_root)


def test_appeal_submit_refuses_a_file_over_10_mb(violation, media_root):
    big = PDF + b"0" * (10 * MB - len(PDF) + 1)

    with pytest.raises(EvidenceRejected) as refused:
        _submit(violation, [ContentFile(PNG, name="ok.png"), ContentFile(big, name="big.pdf")])

    assert refused.value.context["code"] == "file_too_large"
    assert str(refused.value) == "big.pdf is larger than 10 MB."
    _assert_nothing_happened(violation, media_root)


def test_appeal_submit_takes_five_files_of_exactly_10_mb_in_the_allowed_types(violation, media_root):
    exact = PDF + b"0" * (10 * MB - len(PDF))

    _submit(violation, [ContentFile(exact, name="exact.pdf"), ContentFile(PNG, name="a.png"),
                        ContentFile(b"\xff\xd8\xff\xe0 jpeg", name="b.jpg"), ContentFile(PNG, name="c.png"),
                        ContentFile(PDF, name="d.pdf")])

    assert Appeal.objects.get(pk=violation.pk).evidence.count() == 5
    assert [e.type for e in read(violation.stream)] == ["violation.recorded", "violation.appeal_submitted"]


def test_a_refused_file_is_explained_in_chinese(violation):
    with translation.override("zh-hans"), pytest.raises(EvidenceRejected) as refused:
        _submit(violation, [ContentFile(b"nope", name="lease.pdf")])

    assert str(refused.value) == "lease.pdf 不是 PDF、JPEG 或 PNG 文件。"


def test_a_reviewers_case_takes_more_files_but_only_the_same_types(reviewer, merchant, media_root):
    files = [ContentFile(PNG, name=f"still-{i}.png") for i in range(12)]
    violation = services.case_open_by_hand(merchant_id="m-1", risk_point="public_opinion",
                                           actor=Actor.reviewer(reviewer), evidence_text="Viral video.",
                                           files=files)
    assert violation.evidence.count() == 12

    with pytest.raises(EvidenceRejected) as refused:
        services.case_open_by_hand(merchant_id="m-1", risk_point="other", actor=Actor.reviewer(reviewer),
                                   evidence_text="A saved page.", files=[ContentFile(b"<b>x</b>", name="post.html")])
    assert refused.value.context["code"] == "unsupported_file_type"
    assert Violation.objects.count() == 1
