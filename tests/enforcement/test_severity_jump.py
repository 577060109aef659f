"""Severity jumps the ladder: 10+ clustered complaints on a product bans that product at once."""
from decimal import Decimal

import pytest

from enforcement.models import Penalty, PenaltyState

pytestmark = pytest.mark.django_db


def test_ten_clustered_complaints_on_a_first_violation_propose_a_product_ban(record):
    record(risk_point="clustered_complaints", product_id="p1", value=Decimal("10"))
    penalty = Penalty.objects.get()
    assert (penalty.kind, penalty.product_id, penalty.state) == ("product_ban", "p1", PenaltyState.PROPOSED)


def test_nine_clustered_complaints_follow_the_ladder(record):
    record(risk_point="clustered_complaints", product_id="p1", value=Decimal("9"))
    assert Penalty.objects.get().kind == "public_warning"
