"""Issue 12, "configurable per policy version": the protective ban's review SLA and the severity order of risk
points come from the policy version in force, not from a setting or a constant."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cases import services as case_services
from enforcement.models import DEFAULT_SEVERITY_ORDER, Penalty, PenaltyState
from enforcement.policy import InvalidPolicy, policy_in_force, policy_version_add, steps_of
from eventstore.actors import SYSTEM
from eventstore.store import read
from tests.notice import recorded_ahead_of

from .conftest import drain_consumer

pytestmark = pytest.mark.django_db

REVERSED = list(reversed(DEFAULT_SEVERITY_ORDER))


def _shipped_steps():
    return [{"number": n, "kind": k, "duration_days": d, "traffic_weight": str(w), "fallback_kind": f}
            for n, k, d, w, f in steps_of(policy_in_force())]


def _version_from_today(**fields):
    today = timezone.localdate()
    with recorded_ahead_of(today):
        return policy_version_add(effective_from=today, steps=_shipped_steps(), actor=SYSTEM, **fields)


def test_the_shipped_version_carries_the_values_that_were_shipped():
    policy = policy_in_force(date(2026, 6, 30))
    assert (policy.protective_review_hours, policy.severity_order) == (24, list(DEFAULT_SEVERITY_ORDER))


def test_the_protective_ban_is_due_for_review_within_the_versions_sla(record):
    version = _version_from_today(protective_review_hours=48)
    assert read("policy-ladder")[-1].data["protective_review_hours"] == 48
    record(risk_point="clustered_complaints", product_id="p1", value=Decimal("10"))
    ban = Penalty.objects.get(kind="product_ban")
    assert (ban.protective, ban.state, ban.policy_version_id) == (True, PenaltyState.ACTIVE, version.pk)
    assert ban.review_due_at - ban.starts_at == timedelta(hours=48)


def test_one_night_climbs_by_the_versions_severity_order(merchant):
    _version_from_today(severity_order=REVERSED)  # the least severe of the shipped order now weighs most
    window = dict(window_start=date(2026, 5, 1), window_end=date(2026, 5, 30), as_of=date(2026, 6, 6),
                  correlation_id="night-2026-06-06")
    for risk_point, product, value in (("clustered_complaints", "p1", Decimal(6)),
                                       ("complaint_rate", "", Decimal("0.06")),
                                       ("negative_review_rate", "", Decimal("0.2"))):
        case_services.violation_record(merchant_id="m1", risk_point=risk_point, product_id=product, value=value,
                                       threshold=Decimal("0.05"), explanation={}, actor=SYSTEM, **window)
    drain_consumer()
    rungs = {case_services.Violation.objects.get(pk=p.violation_ids[0]).risk_point: p.step
             for p in Penalty.objects.filter(state=PenaltyState.ACTIVE)}
    # Shipped order gives negative_review_rate 1, complaint_rate 2, clustered_complaints 3: reversed here.
    assert rungs == {"clustered_complaints": 1, "complaint_rate": 2, "negative_review_rate": 3}


@pytest.mark.parametrize(("fields", "field"), [
    ({"protective_review_hours": 0}, "protective_review_hours"),
    ({"severity_order": REVERSED[:-1]}, "severity_order"),
    ({"severity_order": [*REVERSED[:-1], "fraud"]}, "severity_order"),
    ({"severity_order": "clustered_complaints"}, "severity_order"),
])
def test_a_bad_sla_or_severity_order_is_refused_with_its_field(fields, field):
    with pytest.raises(InvalidPolicy) as refused:
        policy_version_add(effective_from=date(2030, 1, 1), steps=_shipped_steps(), actor=SYSTEM, **fields)
    assert list(refused.value.message_dict) == [field]


def test_a_longer_review_sla_or_another_severity_order_is_stricter_and_needs_notice():
    from cases.strictness import StricterTooSoon

    today = timezone.localdate()
    for fields in ({"protective_review_hours": 25}, {"severity_order": REVERSED}):
        with pytest.raises(StricterTooSoon):
            policy_version_add(effective_from=today + timedelta(days=6), steps=_shipped_steps(), actor=SYSTEM,
                               **fields)
    shorter = policy_version_add(effective_from=today, steps=_shipped_steps(), actor=SYSTEM,
                                 protective_review_hours=12)  # a quicker review only helps merchants: at once
    assert shorter.changes == [{"field": "protective_review_hours", "old": 24, "new": 12, "stricter": False}]


def test_the_impact_of_a_policy_version_names_the_merchants_it_moves_up_the_ladder(record):
    from tests.factories import MerchantFactory

    MerchantFactory(merchant_id="m2")
    record()
    record()  # m1: two standing violations, steps 1 and 2
    record(merchant_id="m2")  # m2: one, step 1
    steps = _shipped_steps()
    steps[1] = {**steps[1], "kind": "throttling", "traffic_weight": "0.5"}  # the second rung gets harsher
    today = timezone.localdate()
    version = policy_version_add(effective_from=today + timedelta(days=7), steps=steps, actor=SYSTEM)
    assert version.impact["merchants"] == {"warn": [], "violation": ["m1", "m2"], "ladder_up": ["m1"]}
    assert (version.impact["violation"], version.impact["ladder_up"]) == (2, 1)
    assert [c["field"] for c in version.changes] == ["steps[2].kind", "steps[2].traffic_weight"]
    assert read("policy-ladder")[-1].data["impact"] == version.impact
