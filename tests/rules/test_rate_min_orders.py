"""A rate rule fires only when the pooled denominator reaches min_orders."""
from datetime import timedelta

import pytest

from cases.rules import VIOLATION, WARNING
from cases.rules.complaint_rate import ComplaintRateRule
from cases.rules.negative_review_rate import NegativeReviewRateRule


@pytest.mark.parametrize(("orders", "fires"), [(29, False), (30, True), (31, True)])
def test_warning_needs_min_orders_in_the_pooled_window(make_merchant, make_metric, as_of, orders, fires):
    make_merchant("m1")
    make_metric("m1", as_of, paid=orders, complaints=orders)  # a rate of 100%
    assert [f.kind for f in ComplaintRateRule().evaluate(as_of)] == ([WARNING] if fires else [])


@pytest.mark.parametrize(("orders", "fires"), [(29, False), (30, True)])
def test_violation_needs_min_orders_in_the_stable_window(make_merchant, make_metric, as_of, orders, fires):
    make_merchant("m1")
    make_metric("m1", as_of - timedelta(days=20), paid=orders, complaints=orders)
    violations = [f for f in ComplaintRateRule().evaluate(as_of) if f.kind == VIOLATION]
    assert len(violations) == (1 if fires else 0)


def test_min_orders_counts_orders_pooled_over_several_days(make_merchant, make_metric, as_of):
    make_merchant("m1")
    for back in range(3):
        make_metric("m1", as_of - timedelta(days=back), paid=10, complaints=1)
    (warning,) = ComplaintRateRule().evaluate(as_of)
    assert (warning.numerator, warning.denominator) == (3, 30)


def test_negative_review_rate_counts_verified_orders_not_paid_ones(make_merchant, make_metric, as_of):
    make_merchant("m1")
    make_metric("m1", as_of, paid=100, verified=29, negative=29)
    assert NegativeReviewRateRule().evaluate(as_of) == []
