"""Severity jumps the ladder: 10+ clustered complaints on a product bans that product at once."""
from datetime import timedelta
from decimal import Decimal

import pytest

from enforcement import services
from enforcement.abilities import SeniorOnlyReversal
from enforcement.models import Penalty, PenaltyState, Restriction

pytestmark = pytest.mark.django_db


def test_ten_clustered_complaints_ban_the_product_at_once_and_the_merchant_is_publicly_warned(record):
    record(risk_point="clustered_complaints", product_id="p1", value=Decimal("10"))
    ban = Penalty.objects.get(kind="product_ban")
    assert (ban.product_id, ban.state, ban.protective, ban.confirmed_by) == ("p1", PenaltyState.ACTIVE, True, None)
    assert ban.review_due_at - ban.starts_at == timedelta(hours=24)
    warning = Penalty.objects.get(kind="public_warning")
    assert (warning.step, warning.state) == (1, PenaltyState.ACTIVE)
    restriction = Restriction.objects.get(merchant_id="m1")
    assert (restriction.banned_products, restriction.public_warning) == (["p1"], True)


def test_a_reviewer_confirms_the_protective_ban_or_lifts_it(record, reviewer):
    from eventstore.actors import Actor

    record(risk_point="clustered_complaints", product_id="p1", value=Decimal("12"))
    record(risk_point="clustered_complaints", product_id="p2", value=Decimal("11"))
    first, second = Penalty.objects.filter(kind="product_ban").order_by("product_id")
    services.penalty_confirm(penalty_id=first.pk, reviewer=reviewer)
    first.refresh_from_db()
    assert first.confirmed_by == reviewer.pk and first.state == PenaltyState.ACTIVE
    with pytest.raises(SeniorOnlyReversal):  # confirmed: lifting it now needs a senior
        services.penalty_lift(penalty_id=first.pk, actor=Actor.reviewer(reviewer), reason="sorted")
    services.penalty_lift(penalty_id=second.pk, actor=Actor.reviewer(reviewer), reason="complaints were spam")
    assert Restriction.objects.get(merchant_id="m1").banned_products == ["p1"]


def test_nine_clustered_complaints_follow_the_ladder(record):
    record(risk_point="clustered_complaints", product_id="p1", value=Decimal("9"))
    assert Penalty.objects.get().kind == "public_warning"
    assert not Penalty.objects.filter(protective=True).exists()
