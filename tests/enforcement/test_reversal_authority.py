"""A reversal needs the authority of the decision: a plain reviewer cannot undo what two seniors decided."""
from decimal import Decimal

import pytest
from django.urls import reverse

from cases import services as case_services
from cases.abilities import AppealDecidedSeniorOnly
from cases.models import ViolationState
from enforcement import services
from enforcement.abilities import (
    RestingPenaltyBlocksWithdrawal,
    SameReviewerTwiceToLift,
    SeniorOnlyReversal,
)
from enforcement.models import Penalty, PenaltyKind, PenaltyState, Restriction
from eventstore.actors import Actor
from eventstore.store import read

from .conftest import drain_consumer, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def removal(proposed_removal, senior, senior2):
    """A store removal approved by two different seniors: in force."""
    penalty = proposed_removal
    services.penalty_approve(penalty_id=penalty.pk, reviewer=senior)
    services.penalty_approve(penalty_id=penalty.pk, reviewer=senior2)
    penalty.refresh_from_db()
    assert penalty.state == PenaltyState.ACTIVE
    return penalty


@pytest.fixture
def product_ban(record, reviewer):
    """The fourth rung on a product, confirmed by a reviewer: in force."""
    record()
    record()
    record()
    record(risk_point="clustered_complaints", product_id="p1", value=Decimal(6))
    penalty = Penalty.objects.get(kind=PenaltyKind.PRODUCT_BAN)
    services.penalty_approve(penalty_id=penalty.pk, reviewer=reviewer)
    return penalty


@pytest.fixture
def senior3(db):
    return make_user("sol", "approve_penalty", "lift_penalty", group="senior_reviewer")


def lift(penalty, user, reason="reconsidered"):
    return services.penalty_lift(penalty_id=penalty.pk, actor=Actor.reviewer(user), reason=reason)


def test_a_plain_reviewer_cannot_lift_an_approved_store_removal(removal, reviewer):
    with pytest.raises(SeniorOnlyReversal):
        lift(removal, reviewer)
    assert Penalty.objects.get(pk=removal.pk).state == PenaltyState.ACTIVE
    assert Restriction.objects.get(merchant_id="m1").removed is True


def test_a_plain_reviewer_cannot_veto_a_proposed_store_removal(proposed_removal, reviewer):
    with pytest.raises(SeniorOnlyReversal):
        lift(proposed_removal, reviewer)
    assert Penalty.objects.get(pk=proposed_removal.pk).state == PenaltyState.PROPOSED


def test_lifting_a_store_removal_takes_two_different_seniors(removal, senior, senior3):
    lift(removal, senior)
    assert Penalty.objects.get(pk=removal.pk).state == PenaltyState.ACTIVE
    assert Restriction.objects.get(merchant_id="m1").removed is True
    with pytest.raises(SameReviewerTwiceToLift):
        lift(removal, senior)
    lift(removal, senior3)
    assert Penalty.objects.get(pk=removal.pk).state == PenaltyState.LIFTED
    assert Restriction.objects.get(merchant_id="m1").removed is False
    types = [e.type for e in read(removal.stream)]
    assert types[-2:] == ["penalty.lift_approved", "penalty.lifted"]


def test_a_plain_reviewer_cannot_lift_a_product_ban_and_a_senior_can(product_ban, reviewer, senior):
    with pytest.raises(SeniorOnlyReversal):
        lift(product_ban, reviewer)
    assert Penalty.objects.get(pk=product_ban.pk).state == PenaltyState.ACTIVE
    lift(product_ban, senior)
    assert Penalty.objects.get(pk=product_ban.pk).state == PenaltyState.LIFTED


def test_withdrawing_the_violation_behind_a_store_removal_is_refused_even_to_a_senior(removal, senior):
    violation_id = removal.violation_ids[0]
    with pytest.raises(RestingPenaltyBlocksWithdrawal):
        case_services.violation_withdraw(violation_id=violation_id, actor=Actor.reviewer(senior), reason="oops")
    drain_consumer()
    assert Penalty.objects.get(pk=removal.pk).state == PenaltyState.ACTIVE


def test_withdrawing_after_a_rejected_appeal_needs_another_senior(record, reviewer, senior, senior2):
    violation = record()
    case_services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant("m1"), statement="not us")
    case_services.appeal_decide(violation_id=violation.pk, actor=Actor.reviewer(senior), accept=False,
                                reasons="the complaints are real")
    for who in (reviewer, senior):
        with pytest.raises(AppealDecidedSeniorOnly):
            case_services.violation_withdraw(violation_id=violation.pk, actor=Actor.reviewer(who), reason="undo")
    case_services.violation_withdraw(violation_id=violation.pk, actor=Actor.reviewer(senior2), reason="new facts")
    violation.refresh_from_db()
    assert violation.state == ViolationState.WITHDRAWN


def test_admin_refuses_a_plain_reviewer_lifting_a_store_removal(client, removal, reviewer):
    client.force_login(reviewer)
    url = reverse("admin:enforcement_penalty_lift", args=[removal.pk])
    response = client.post(url, {"reason": "let them back", "expected_version": removal.version}, follow=True)
    assert any("senior" in str(m) for m in response.context["messages"])
    assert Penalty.objects.get(pk=removal.pk).state == PenaltyState.ACTIVE
    listing = client.get(reverse("admin:enforcement_penalty_changelist")).content.decode()
    assert url not in listing
