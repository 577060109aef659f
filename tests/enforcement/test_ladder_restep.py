"""The ladder is a pure function of the standing violations: any change re-steps the merchant, terms never
lengthen, one night's violations climb by severity, and a linked reviewer is refused."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone, translation

from accounts.models import MerchantMembership
from cases import services as case_services
from cases.abilities import LinkedReviewer
from enforcement import services
from enforcement.models import Penalty, PenaltyState, Restriction
from enforcement.selectors import public_notices
from eventstore.actors import SYSTEM, Actor
from eventstore.store import read

from .conftest import drain_consumer

pytestmark = pytest.mark.django_db


def open_penalties(merchant_id="m1"):
    return sorted((p.step, p.kind, p.state) for p in Penalty.objects.filter(
        merchant_id=merchant_id, state__in=(PenaltyState.PROPOSED, PenaltyState.ACTIVE)))


def test_overturning_step_one_of_four_re_steps_the_three_that_stand(record, decide_appeal):
    violations = [record() for _ in range(4)]
    before = {p.violation_ids[0]: p for p in Penalty.objects.all()}
    with translation.override("en"):  # the statements are written in the active language (zh-hans by default)
        decide_appeal(violations[0], accept=True)
    assert open_penalties() == [(1, "public_warning", "active"), (2, "restricted_promotion", "active"),
                                (3, "throttling", "active")]
    restriction = Restriction.objects.get(merchant_id="m1")
    assert (restriction.public_warning, restriction.can_advertise, restriction.traffic_weight) == (
        True, False, Decimal("0.5"))
    assert [n["merchant_id"] for n in public_notices()] == ["m1"]
    # Every old rung of a standing violation was lifted with a cause naming what changed; its term counts
    # from the violation's first penalty, so the re-step never lengthens the punishment.
    for violation in violations[1:]:
        old = Penalty.objects.get(pk=before[str(violation.pk)].pk)
        assert (old.state, old.lift_cause) == (PenaltyState.LIFTED, "re_stepped")
        assert "appeal was accepted" in old.closed_reason
        new = Penalty.objects.get(violation_ids=[str(violation.pk)], state=PenaltyState.ACTIVE)
        assert new.term_from == old.term_from
        assert new.ends_at == old.term_from + timedelta(days=new.duration_days)
        assert new.ends_at <= old.ends_at
    first = Penalty.objects.get(pk=before[str(violations[0].pk)].pk)
    assert (first.state, first.lift_cause) == (PenaltyState.LIFTED, "appeal_won")


def test_re_stepping_twice_changes_nothing(record, decide_appeal):
    violations = [record() for _ in range(3)]
    decide_appeal(violations[1], accept=True)
    events = len(read())
    assert services.merchant_restep(merchant_id="m1") == 0
    assert len(read()) == events


def test_one_night_climbs_by_severity_not_by_the_alphabet(merchant):
    """Recorded by one evaluation (one correlation id, as cases.evaluation passes): the most severe takes the
    highest rung, whatever order they were recorded in."""
    window = dict(window_start=date(2026, 5, 1), window_end=date(2026, 5, 30), as_of=date(2026, 6, 6),
                  correlation_id="night-2026-06-06")
    for risk_point, product, value in (("clustered_complaints", "p1", Decimal(6)),
                                       ("complaint_rate", "", Decimal("0.06")),
                                       ("negative_review_rate", "", Decimal("0.2"))):
        case_services.violation_record(merchant_id="m1", risk_point=risk_point, product_id=product, value=value,
                                       threshold=Decimal("0.05"), explanation={}, actor=SYSTEM, **window)
    drain_consumer()
    rungs = {}
    for p in Penalty.objects.filter(state=PenaltyState.ACTIVE):
        violation = case_services.Violation.objects.get(pk=p.violation_ids[0])
        rungs[violation.risk_point] = p.step
    assert rungs == {"negative_review_rate": 1, "complaint_rate": 2, "clustered_complaints": 3}


def test_a_violation_leaving_the_window_re_steps_the_rest(record):
    with time_machine.travel(timezone.now() - timedelta(days=85), tick=False):
        record()
    record()
    services.penalties_expire_due()  # the first one's public warning ran its 7 days long ago
    assert open_penalties() == [(2, "restricted_promotion", "active")]
    services.penalties_restep_all(now=timezone.now() + timedelta(days=6))
    # The first left the 90-day window: the second is now rung 1, whose 7-day term (from its first penalty,
    # six days ago) is still running; the restricted promotion is lifted.
    assert open_penalties() == [(1, "public_warning", "active")]
    lifted = Penalty.objects.get(step=2)
    assert lifted.lift_cause == "re_stepped"


def test_a_reviewer_linked_to_the_merchant_is_refused(record, reviewer, merchant):
    violation = record()
    MerchantMembership.objects.create(user=reviewer, merchant=merchant)
    penalty = Penalty.objects.get()
    with pytest.raises(LinkedReviewer):
        services.penalty_lift(penalty_id=penalty.pk, actor=Actor.reviewer(reviewer), reason="friend")
    with pytest.raises(LinkedReviewer):
        case_services.violation_withdraw(violation_id=violation.pk, actor=Actor.reviewer(reviewer), reason="mine")
    assert Penalty.objects.get().state == PenaltyState.ACTIVE


def test_a_lift_carries_a_statement_for_the_merchant_and_a_note_for_reviewers(record, reviewer):
    record()
    penalty = Penalty.objects.get()
    services.penalty_lift(penalty_id=penalty.pk, actor=Actor.reviewer(reviewer),
                          reason="The complaints were about a courier, not you.",
                          internal_note="Checked with logistics, ticket 4411.")
    penalty.refresh_from_db()
    assert (penalty.closed_reason, penalty.internal_note) == (
        "The complaints were about a courier, not you.", "Checked with logistics, ticket 4411.")
    lifted = read(penalty.stream)[-1]
    assert (lifted.data["reason"], lifted.data["internal_note"]) == (penalty.closed_reason, penalty.internal_note)
