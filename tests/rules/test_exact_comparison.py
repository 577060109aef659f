"""The rate rules compare exactly: a warning fires iff numerator / denominator >= warn_at as fractions."""
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.rules import WARNING
from cases.rules.complaint_rate import ComplaintRateRule
from cases.thresholds import threshold_version_add
from eventstore.actors import SYSTEM
from tests.notice import recorded_ahead_of

AS_OF = date(2026, 6, 30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    limit_micro=st.integers(min_value=1, max_value=200_000).map(lambda n: 5 * n),  # 0.8 x limit fits six places
    denominator=st.integers(min_value=30, max_value=5_000),
    data=st.data(),
)
def test_a_warning_fires_exactly_when_the_pooled_rate_reaches_warn_at(
    make_merchant, make_metric, limit_micro, denominator, data
):
    limit = Fraction(limit_micro, 1_000_000)
    warn_at = limit * Fraction(4, 5)
    at = -(-warn_at.numerator * denominator // warn_at.denominator)  # the smallest numerator at warn_at
    numerator = data.draw(st.sampled_from(sorted({max(0, at - 1), min(at, denominator), min(at + 1, denominator)})))
    with transaction.atomic():
        make_merchant("m1", category="leisure")
        with recorded_ahead_of(AS_OF):
            threshold_version_add(category="leisure", risk_point="complaint_rate",
                                  limit=Decimal(limit_micro).scaleb(-6), effective_from=AS_OF, actor=SYSTEM)
        make_metric("m1", AS_OF, paid=denominator, complaints=numerator)
        fired = [f for f in ComplaintRateRule().evaluate(AS_OF) if f.kind == WARNING]
        transaction.set_rollback(True)
    assert bool(fired) == (Fraction(numerator, denominator) >= warn_at)
