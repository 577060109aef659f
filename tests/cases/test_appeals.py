"""Appeals (申诉): within the window, one per violation, decided with reasons by another reviewer, SLA."""
from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone

from cases import selectors, services
from cases.errors import (
    AppealAlreadySubmitted,
    AppealWindowClosed,
    ConcurrencyError,
    EvidenceRejected,
    InvalidCommand,
    NotPermitted,
    SameReviewer,
    TransitionNotAllowed,
)
from cases.models import Appeal, AppealEvidence, Violation
from eventstore.actors import SYSTEM, Actor
from eventstore.store import read

pytestmark = pytest.mark.django_db

T0 = "2026-06-07 00:00:00+00:00"


@pytest.fixture
def violation(record_violation):
    with time_machine.travel(T0, tick=False):
        return record_violation()


def _submit(violation, **kwargs):
    return services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant("m-1"),
                                  statement=kwargs.pop("statement", "We were closed that week."), **kwargs)


def test_a_merchant_appeals_within_the_window_with_evidence_files(violation, media_root):
    with time_machine.travel("2026-06-14 00:00:00+00:00", tick=False):  # the last instant of 7 days
        appeal = _submit(violation, files=[ContentFile(b"%PDF-1.4 lease", name="lease.pdf"),
                                           ContentFile(b"\xff\xd8\xff\xe0 photo", name="shop front.JPG")])
    stored = Appeal.objects.get(pk=violation.pk)
    assert Violation.objects.get(pk=violation.pk).state == "appealing"
    assert stored.decision_due - stored.submitted_at == timedelta(days=3)
    files = {e.name: e for e in AppealEvidence.objects.filter(appeal=appeal)}
    assert set(files) == {"lease.pdf", "shop front.JPG"}
    assert files["lease.pdf"].file.read() == b"%PDF-1.4 lease"
    assert (media_root / files["shop front.JPG"].file.name).exists()
    assert files["shop front.JPG"].file.name.endswith(".jpg")
    assert read(violation.stream)[-1].data["files"][0]["sha256"] in {f.sha256 for f in files.values()}


def test_an_appeal_after_the_window_is_refused(violation):
    with time_machine.travel("2026-06-14 00:00:01+00:00", tick=False), pytest.raises(AppealWindowClosed):
        _submit(violation)
    assert Violation.objects.get(pk=violation.pk).state == "pending"
    services.violation_uphold_lapsed(now=timezone.now() + timedelta(days=30))
    with pytest.raises(AppealWindowClosed):
        _submit(violation)


def test_one_appeal_per_violation(violation, colleague):
    with time_machine.travel(T0, tick=False):
        _submit(violation)
        with pytest.raises(AppealAlreadySubmitted):
            _submit(violation, statement="Again.")
        services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(colleague), accept=False, reasons="No.")
        with pytest.raises(AppealAlreadySubmitted):
            _submit(violation, statement="Once more.")
    assert Appeal.objects.count() == 1


def test_only_the_merchant_of_the_violation_appeals(violation, reviewer):
    with time_machine.travel(T0, tick=False):
        for actor in (Actor.merchant("m-2"), Actor.reviewer(reviewer), SYSTEM):
            with pytest.raises(NotPermitted):
                services.appeal_submit(violation_id=violation.pk, actor=actor, statement="x")
        with pytest.raises(InvalidCommand):
            _submit(violation, statement="   ")


def test_a_withdrawn_violation_cannot_be_appealed(violation, reviewer):
    services.violation_withdraw(violation_id=violation.pk, actor=Actor.reviewer(reviewer), reason="Error.")
    with time_machine.travel(T0, tick=False), pytest.raises(TransitionNotAllowed):
        _submit(violation)


def test_an_oversized_evidence_file_is_rejected_and_nothing_is_kept(violation, settings, media_root):
    settings.RISKCASE_EVIDENCE_MAX_BYTES = 10
    with time_machine.travel(T0, tick=False), pytest.raises(EvidenceRejected):
        _submit(violation, files=[ContentFile(b"small", name="a.txt"), ContentFile(b"x" * 11, name="big.bin")])
    assert not Appeal.objects.exists()
    assert not list(media_root.rglob("*.*"))


@pytest.mark.parametrize("accept, state, decision", [(True, "appeal_succeeded", "accepted"),
                                                     (False, "appeal_failed", "rejected")])
def test_a_reviewer_decides_with_reasons_the_merchant_will_see(violation, colleague, accept, state, decision):
    with time_machine.travel(T0, tick=False):
        _submit(violation)
    appeal = services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(colleague), accept=accept,
                                    reasons="The lease shows the shop was closed.", expected_version=2)
    appeal = Appeal.objects.get(pk=appeal.pk)
    assert (appeal.decision, appeal.reasons, appeal.decided_by) == (decision, "The lease shows the shop was closed.", colleague)
    assert Violation.objects.get(pk=violation.pk).state == state
    assert read(violation.stream)[-1].data == {"v": 1, "accepted": accept, "reasons": "The lease shows the shop was closed.",
                                               "internal_note": ""}


def test_a_decision_needs_reasons_a_permission_and_an_appeal(violation, colleague, auditor):
    with pytest.raises(TransitionNotAllowed):
        services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(colleague), accept=True, reasons="x")
    with time_machine.travel(T0, tick=False):
        _submit(violation)
    with pytest.raises(InvalidCommand):
        services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(colleague), accept=True, reasons="")
    with pytest.raises(NotPermitted):
        services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(auditor), accept=True, reasons="x")
    with pytest.raises(NotPermitted):
        services.appeal_decide(violation_id=violation.pk, actor=Actor.merchant("m-1"), accept=True, reasons="x")
    services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(colleague), accept=True, reasons="Yes.")
    with pytest.raises(TransitionNotAllowed):
        services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(colleague), accept=False, reasons="No.")


def test_the_reviewer_who_recorded_the_violation_cannot_decide_its_appeal(merchant, reviewer, colleague):
    violation = services.case_open_by_hand(merchant_id="m-1", risk_point="other", actor=Actor.reviewer(reviewer),
                                           evidence_text="Inspection report.")
    _submit(violation)
    with pytest.raises(SameReviewer):
        services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(reviewer), accept=False, reasons="No.")
    services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(colleague), accept=False, reasons="No.")


def test_a_stale_decision_gets_a_concurrency_error(violation, reviewer, colleague):
    with time_machine.travel(T0, tick=False):
        _submit(violation)
    services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(reviewer), accept=True, reasons="Yes.",
                           expected_version=2)
    with pytest.raises(ConcurrencyError):
        services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(colleague), accept=False,
                               reasons="No.", expected_version=2)
    assert Appeal.objects.get(pk=violation.pk).decision == "accepted"
    assert len(read(violation.stream)) == 3


def test_an_appeal_not_decided_within_the_sla_is_overdue(violation, colleague):
    with time_machine.travel(T0, tick=False):
        appeal = _submit(violation)
    due = appeal.decision_due
    assert not Appeal.objects.get(pk=appeal.pk).is_overdue(now=due)
    assert list(selectors.overdue_appeals(now=due)) == []
    later = due + timedelta(seconds=1)
    assert Appeal.objects.get(pk=appeal.pk).is_overdue(now=later)
    assert list(selectors.overdue_appeals(now=later)) == [Appeal.objects.get(pk=appeal.pk)]
    services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(colleague), accept=False, reasons="No.")
    assert list(selectors.overdue_appeals(now=later)) == []
