"""A reviewer may choose a penalty for a serious hand-opened case (视具体情况), with a statement of reasons;
the same confirmation rules apply, and the merchant and downstream see it is discretionary."""
import pytest

from cases import services as case_services
from enforcement import services
from enforcement.abilities import DiscretionaryPenaltyOpen, ProposerCannotApprove
from enforcement.models import Penalty, PenaltyState, Restriction
from eventstore.actors import Actor
from eventstore.errors import NotPermitted

from .conftest import drain_consumer, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def serious_case(merchant, reviewer):
    violation = case_services.case_open_by_hand(merchant_id="m1", risk_point="public_opinion",
                                                actor=Actor.reviewer(reviewer),
                                                evidence_text="A video of spoiled food, 2 million views.")
    drain_consumer()
    return violation


def test_a_discretionary_throttling_takes_effect_at_once_with_its_statement(serious_case, reviewer):
    penalty = services.penalty_propose_discretionary(
        violation_id=serious_case.pk, reviewer=reviewer, step=3,
        statement="Your store sold spoiled food seen by millions; traffic is halved for 30 days.",
        internal_note="Escalated by PR team.")
    penalty.refresh_from_db()
    assert (penalty.kind, penalty.state, penalty.discretionary) == ("throttling", PenaltyState.ACTIVE, True)
    assert penalty.statement.startswith("Your store sold spoiled food")
    restriction = Restriction.objects.get(merchant_id="m1")
    assert restriction.traffic_weight == 0.5
    assert [(m["kind"], m["basis"]) for m in restriction.document()["measures"]] == [
        ("public_warning", "ladder"), ("throttling", "discretionary")]
    # Outside the ladder: re-stepping leaves it alone.
    assert services.merchant_restep(merchant_id="m1") == 0
    assert Penalty.objects.get(pk=penalty.pk).state == PenaltyState.ACTIVE


def test_a_discretionary_store_removal_needs_two_seniors_not_its_proposer(serious_case, reviewer):
    proposal = services.penalty_propose_discretionary(violation_id=serious_case.pk, reviewer=reviewer, step=5,
                                                      statement="Repeated, deliberate harm to consumers.")
    assert (proposal.kind, proposal.state, proposal.approvals_needed) == ("store_removal", "proposed", 2)
    with pytest.raises((ProposerCannotApprove, NotPermitted)):
        services.penalty_approve(penalty_id=proposal.pk, reviewer=reviewer)
    seniors = [make_user(f"senior{n}", "approve_penalty", "lift_penalty", group="senior_reviewer") for n in (1, 2)]
    for senior in seniors:
        services.penalty_approve(penalty_id=proposal.pk, reviewer=senior)
    assert Penalty.objects.get(pk=proposal.pk).state == PenaltyState.ACTIVE
    assert Restriction.objects.get(merchant_id="m1").removed is True


def test_rule_cases_follow_the_ladder_and_get_no_discretion(record, reviewer):
    violation = record()
    with pytest.raises(NotPermitted):
        services.penalty_propose_discretionary(violation_id=violation.pk, reviewer=reviewer, step=3,
                                               statement="harsher")


def test_a_statement_is_required(serious_case, reviewer):
    from eventstore.errors import InvalidCommand

    with pytest.raises(InvalidCommand):
        services.penalty_propose_discretionary(violation_id=serious_case.pk, reviewer=reviewer, step=1,
                                               statement="  ")


def test_a_second_discretionary_penalty_on_one_violation_is_refused_until_the_first_is_lifted(serious_case, reviewer):
    first = services.penalty_propose_discretionary(violation_id=serious_case.pk, reviewer=reviewer, step=1,
                                                   statement="A public warning for the spoiled food.")
    with pytest.raises(DiscretionaryPenaltyOpen):  # a retried or doubled request: not a second penalty
        services.penalty_propose_discretionary(violation_id=serious_case.pk, reviewer=reviewer, step=1,
                                               statement="A public warning for the spoiled food.")
    assert Penalty.objects.filter(discretionary=True).count() == 1
    services.penalty_lift(penalty_id=first.pk, actor=Actor.reviewer(reviewer), reason="Escalating instead.")
    second = services.penalty_propose_discretionary(violation_id=serious_case.pk, reviewer=reviewer, step=3,
                                                    statement="Traffic halved: the harm continued.")
    assert Penalty.objects.get(pk=second.pk).state == PenaltyState.ACTIVE
