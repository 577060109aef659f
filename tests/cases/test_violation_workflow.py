"""Violation (违规): recorded (escalating the warning), upheld when the window lapses, withdrawn."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone

from cases import services
from cases.errors import InvalidCommand, NotPermitted, TransitionNotAllowed, ViolationOverlaps
from cases.models import Violation, ViolationEvidence, Warning
from cases.tasks import uphold_lapsed_violations
from eventstore.actors import SYSTEM, Actor
from eventstore.store import read

pytestmark = pytest.mark.django_db


def _state(case):
    return type(case).objects.get(pk=case.pk).state


def test_recording_a_violation_escalates_the_open_warning_in_the_same_transaction(raise_warning, record_violation):
    warning = raise_warning()
    other = raise_warning(risk_point="negative_review_rate")
    violation = record_violation()
    stored = Warning.objects.get(pk=warning.pk)
    assert (stored.state, stored.violation_id) == ("escalated", violation.pk)
    assert _state(other) == "open"
    recorded, escalated = read(violation.stream)[0], read(warning.stream)[-1]
    assert escalated.type == "warning.escalated"
    assert escalated.metadata["causation_id"] == str(recorded.position)
    assert escalated.metadata["correlation_id"] == recorded.metadata["correlation_id"]


def test_a_violation_is_pending_with_an_appeal_deadline_from_notification(record_violation, settings):
    settings.RISKCASE_APPEAL_WINDOW_DAYS = 10
    with time_machine.travel("2026-06-07 02:00:00+00:00", tick=False):
        violation = Violation.objects.get(pk=record_violation().pk)
    assert violation.state == "pending"
    assert violation.notified_at == datetime(2026, 6, 7, 2, tzinfo=UTC)
    assert violation.appeal_deadline - violation.notified_at == timedelta(days=10)
    assert (violation.recorded_by_kind, violation.recorded_by_id) == ("system", None)


def test_an_overlapping_window_is_not_recorded_twice(record_violation):
    record_violation()
    with pytest.raises(ViolationOverlaps):
        record_violation(window_start=date(2026, 5, 30), window_end=date(2026, 6, 28))
    record_violation(window_start=date(2026, 5, 31), window_end=date(2026, 6, 29))
    assert Violation.objects.count() == 2


def test_the_lapse_job_upholds_only_violations_past_their_deadline_and_is_idempotent(record_violation):
    with time_machine.travel("2026-06-07 00:00:00+00:00", tick=False):
        old = record_violation()
    with time_machine.travel("2026-06-12 00:00:00+00:00", tick=False):
        recent = record_violation(risk_point="negative_review_rate")
    with time_machine.travel("2026-06-14 00:00:01+00:00", tick=False):
        assert uphold_lapsed_violations() == [str(old.pk)]
        assert uphold_lapsed_violations() == []
    assert (_state(old), _state(recent)) == ("upheld", "pending")
    assert [e.type for e in read(old.stream)] == ["violation.recorded", "violation.upheld"]


@pytest.mark.parametrize("before", ["pending", "appealing", "upheld", "appeal_failed"])
def test_a_reviewer_withdraws_a_violation_recorded_in_error(record_violation, reviewer, colleague, senior,
                                                            as_merchant, before):
    """After a decided appeal only a senior other than the decider may withdraw (tests/enforcement/
    test_reversal_authority.py tries the others)."""
    violation = record_violation()
    if before in ("appealing", "appeal_failed"):
        services.appeal_submit(violation_id=violation.pk, actor=as_merchant, statement="Not us.")
    if before == "appeal_failed":
        services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(colleague), accept=False, reasons="No.")
    if before == "upheld":
        services.violation_uphold_lapsed(now=timezone.now() + timedelta(days=8))
    assert _state(violation) == before
    withdrawer = senior if before == "appeal_failed" else reviewer
    services.violation_withdraw(violation_id=violation.pk, actor=Actor.reviewer(withdrawer), reason="Wrong merchant.")
    stored = Violation.objects.get(pk=violation.pk)
    assert (stored.state, stored.closed_reason) == ("withdrawn", "Wrong merchant.")


def test_withdrawing_is_refused_once_overturned_or_withdrawn(record_violation, reviewer, colleague, as_merchant):
    violation = record_violation()
    services.appeal_submit(violation_id=violation.pk, actor=as_merchant, statement="Not us.")
    services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(colleague), accept=True, reasons="Agreed.")
    with pytest.raises(TransitionNotAllowed):
        services.violation_withdraw(violation_id=violation.pk, actor=Actor.reviewer(reviewer), reason="x")
    other = record_violation(risk_point="negative_review_rate")
    services.violation_withdraw(violation_id=other.pk, actor=Actor.reviewer(reviewer), reason="x")
    with pytest.raises(TransitionNotAllowed):
        services.violation_withdraw(violation_id=other.pk, actor=Actor.reviewer(reviewer), reason="x")


def test_withdrawing_needs_a_reviewer_with_the_permission_and_a_reason(record_violation, auditor, reviewer, as_merchant):
    violation = record_violation()
    for actor in (SYSTEM, as_merchant, Actor.reviewer(auditor)):
        with pytest.raises(NotPermitted):
            services.violation_withdraw(violation_id=violation.pk, actor=actor, reason="x")
    with pytest.raises(InvalidCommand):
        services.violation_withdraw(violation_id=violation.pk, actor=Actor.reviewer(reviewer), reason="")
    assert _state(violation) == "pending"


def test_the_lapse_job_cannot_uphold_an_appealed_or_withdrawn_violation(record_violation, reviewer, as_merchant):
    appealed = record_violation()
    services.appeal_submit(violation_id=appealed.pk, actor=as_merchant, statement="Not us.")
    withdrawn = record_violation(risk_point="negative_review_rate")
    services.violation_withdraw(violation_id=withdrawn.pk, actor=Actor.reviewer(reviewer), reason="x")
    assert services.violation_uphold_lapsed(now=timezone.now() + timedelta(days=30)) == []
    assert (_state(appealed), _state(withdrawn)) == ("appealing", "withdrawn")


def test_a_reviewer_opens_a_public_opinion_case_by_hand_with_evidence(merchant, reviewer, raise_warning):
    warning = raise_warning(risk_point="public_opinion", value=None, threshold=None)
    violation = services.case_open_by_hand(
        merchant_id="m-1", risk_point="public_opinion", actor=Actor.reviewer(reviewer),
        evidence_text="Weibo thread with 2k reposts about food poisoning.",
        files=[ContentFile(b"\x89PNG\r\n\x1a\n screenshot-bytes", name="weibo.png")],
    )
    stored = Violation.objects.get(pk=violation.pk)
    assert (stored.state, stored.recorded_by_id, stored.value, stored.threshold) == ("pending", reviewer.pk, None, None)
    assert stored.explanation["opened_by_hand"] is True
    evidence = ViolationEvidence.objects.get(violation=stored)
    assert evidence.name == "weibo.png" and evidence.file.read() == b"\x89PNG\r\n\x1a\n screenshot-bytes"
    assert read(stored.stream)[0].data["evidence_files"][0]["sha256"] == evidence.sha256
    assert _state(warning) == "escalated"


def test_only_public_opinion_and_other_are_opened_by_hand_and_only_with_evidence(merchant, reviewer, auditor):
    actor = Actor.reviewer(reviewer)
    with pytest.raises(InvalidCommand):
        services.case_open_by_hand(merchant_id="m-1", risk_point="complaint_rate", actor=actor, evidence_text="x")
    with pytest.raises(InvalidCommand):
        services.case_open_by_hand(merchant_id="m-1", risk_point="other", actor=actor, evidence_text=" ")
    with pytest.raises(InvalidCommand):
        services.case_open_by_hand(merchant_id="nobody", risk_point="other", actor=actor, evidence_text="x")
    with pytest.raises(NotPermitted):
        services.case_open_by_hand(merchant_id="m-1", risk_point="other", actor=Actor.reviewer(auditor), evidence_text="x")
    assert not Violation.objects.exists()


def test_values_are_kept_to_six_places_so_replay_matches(record_violation):
    violation = record_violation(value=Decimal("1") / Decimal("3"))
    assert Violation.objects.get(pk=violation.pk).value == Decimal("0.333333")
    assert read(violation.stream)[0].data["value"] == "0.333333"


def test_floats_are_refused_for_values(record_violation):
    with pytest.raises(InvalidCommand):
        record_violation(value=0.06)


def test_the_protected_state_cannot_be_set_directly(record_violation):
    violation = Violation.objects.get(pk=record_violation().pk)
    with pytest.raises(AttributeError):
        violation.state = "withdrawn"
