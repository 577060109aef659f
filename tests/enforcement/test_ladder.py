"""Each step of the default ladder, by the count of standing violations in the rolling window."""
from decimal import Decimal

import pytest

from enforcement.models import Penalty, PenaltyState, Restriction

from .conftest import drain_consumer

pytestmark = pytest.mark.django_db


def kinds(merchant_id="m1"):
    return [(p.kind, p.state, p.duration_days, p.traffic_weight)
            for p in Penalty.objects.filter(merchant_id=merchant_id).order_by("step", "proposed_at")]


def test_first_violation_is_a_public_warning_for_seven_days(record):
    record()
    penalty = Penalty.objects.get()
    assert (penalty.kind, penalty.state, penalty.step) == ("public_warning", PenaltyState.ACTIVE, 1)
    assert penalty.ends_at - penalty.starts_at == __import__("datetime").timedelta(days=7)
    assert Restriction.objects.get(merchant_id="m1").public_warning is True


def test_second_violation_restricts_promotion_for_fourteen_days(record):
    record()
    record()
    assert kinds()[1] == ("restricted_promotion", PenaltyState.ACTIVE, 14, Decimal("1"))
    r = Restriction.objects.get(merchant_id="m1")
    assert (r.can_match_creators, r.can_advertise, r.can_join_campaigns) == (False, False, False)


def test_third_violation_throttles_to_half_weight_for_thirty_days(record):
    record()
    record()
    record()
    assert kinds()[2] == ("throttling", PenaltyState.ACTIVE, 30, Decimal("0.5"))
    assert Restriction.objects.get(merchant_id="m1").traffic_weight == Decimal("0.5")


def test_fourth_violation_on_a_product_proposes_a_ban_awaiting_a_reviewer(record, reviewer):
    record()
    record()
    record()
    record(risk_point="clustered_complaints", product_id="p9")  # a rate would be a product violation
    fourth = Penalty.objects.get(step=4)
    assert (fourth.kind, fourth.product_id, fourth.state) == ("product_ban", "p9", PenaltyState.PROPOSED)
    assert Restriction.objects.get(merchant_id="m1").banned_products == []
    from enforcement import services
    services.penalty_approve(penalty_id=fourth.pk, reviewer=reviewer)
    assert Restriction.objects.get(merchant_id="m1").banned_products == ["p9"]


def test_fourth_violation_without_a_product_throttles_for_sixty_days_at_once(record):
    record()
    record()
    record()
    record()
    fourth = Penalty.objects.get(step=4)
    assert (fourth.kind, fourth.state, fourth.duration_days) == ("throttling", PenaltyState.ACTIVE, 60)


def test_fifth_violation_proposes_store_removal_awaiting_two_seniors(record):
    for _ in range(5):
        record()
    fifth = Penalty.objects.get(step=5)
    assert (fifth.kind, fifth.state, fifth.approvals_needed, fifth.senior_only) == (
        "store_removal", PenaltyState.PROPOSED, 2, True)
    assert fifth.duration_days is None


def test_a_recorded_violation_changes_nothing_until_the_consumer_runs(record):
    record(drain=False)
    assert not Penalty.objects.exists()


def test_violations_recorded_together_climb_one_step_each_when_the_consumer_runs_later(record):
    """A nightly run records several violations before enforcement reacts: each earns the step of its
    rank in recording order, not the count standing when the consumer gets to it."""
    for risk_point in ("complaint_rate", "negative_review_rate", "merchant_refund_rate"):
        record(risk_point=risk_point, drain=False)
    drain_consumer()
    assert [(p.step, p.kind) for p in Penalty.objects.order_by("step")] == [
        (1, "public_warning"), (2, "restricted_promotion"), (3, "throttling")]
