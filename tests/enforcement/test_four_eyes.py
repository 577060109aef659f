"""Store removal needs two different senior reviewers; a product ban needs one reviewer."""
import pytest

from cases.errors import NotPermitted
from enforcement import services
from enforcement.abilities import SameReviewerTwice
from enforcement.models import Penalty, PenaltyState, Restriction

pytestmark = pytest.mark.django_db


def test_two_different_seniors_impose_store_removal(proposed_removal, senior, senior2):
    services.penalty_approve(penalty_id=proposed_removal.pk, reviewer=senior)
    assert Penalty.objects.get(pk=proposed_removal.pk).state == PenaltyState.PROPOSED
    services.penalty_approve(penalty_id=proposed_removal.pk, reviewer=senior2)
    assert Penalty.objects.get(pk=proposed_removal.pk).state == PenaltyState.ACTIVE
    assert Restriction.objects.get(merchant_id="m1").removed is True


def test_the_same_senior_twice_is_refused(proposed_removal, senior):
    services.penalty_approve(penalty_id=proposed_removal.pk, reviewer=senior)
    with pytest.raises(SameReviewerTwice):
        services.penalty_approve(penalty_id=proposed_removal.pk, reviewer=senior)
    assert Penalty.objects.get(pk=proposed_removal.pk).state == PenaltyState.PROPOSED


def test_a_plain_reviewer_cannot_approve_store_removal(proposed_removal, reviewer):
    with pytest.raises(NotPermitted):
        services.penalty_approve(penalty_id=proposed_removal.pk, reviewer=reviewer)
