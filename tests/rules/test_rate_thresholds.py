"""Each rate rule fires exactly at its threshold, not just under, and just over; compared exactly."""
from datetime import timedelta
from decimal import Decimal

import pytest

from cases.rules import VIOLATION, WARNING
from cases.rules.complaint_rate import ComplaintRateRule
from cases.rules.merchant_refund_rate import MerchantRefundRateRule
from cases.rules.negative_review_rate import NegativeReviewRateRule

# (rule, metric fixture keyword of the numerator, of the denominator, food warn_at, food limit)
RATES = [
    pytest.param(ComplaintRateRule, "complaints", "paid", 40, 50, id="complaint_rate"),
    pytest.param(NegativeReviewRateRule, "negative", "verified", 64, 80, id="negative_review_rate"),
    pytest.param(MerchantRefundRateRule, "refunds", "paid", 40, 50, id="merchant_refund_rate"),
]


def kinds(findings):
    return sorted(f.kind for f in findings)


@pytest.mark.parametrize(("rule", "numerator", "denominator", "warn_per_mille", "limit_per_mille"), RATES)
@pytest.mark.parametrize(("offset", "fires"), [(-1, False), (0, True), (1, True)], ids=["under", "at", "over"])
def test_provisional_rate_at_warn_at_raises_a_warning(
    make_merchant, make_metric, as_of, rule, numerator, denominator, warn_per_mille, limit_per_mille, offset, fires
):
    make_merchant("m1", category="food")
    make_metric("m1", as_of, **{numerator: warn_per_mille + offset, denominator: 1000})
    findings = rule().evaluate(as_of)
    assert kinds(findings) == ([WARNING] if fires else [])
    if fires:
        (warning,) = findings
        assert warning.value == Decimal(warn_per_mille + offset) / 1000
        assert warning.threshold == Decimal(warn_per_mille) / 1000
        assert (warning.numerator, warning.denominator) == (warn_per_mille + offset, 1000)


@pytest.mark.parametrize(("rule", "numerator", "denominator", "warn_per_mille", "limit_per_mille"), RATES)
@pytest.mark.parametrize(("offset", "fires"), [(-1, False), (0, True), (1, True)], ids=["under", "at", "over"])
def test_stable_rate_at_limit_records_a_violation(
    make_merchant, make_metric, as_of, rule, numerator, denominator, warn_per_mille, limit_per_mille, offset, fires
):
    make_merchant("m1", category="food")
    day = as_of - timedelta(days=7)  # the last stable day
    make_metric("m1", day, **{numerator: limit_per_mille + offset, denominator: 1000})
    violations = [f for f in rule().evaluate(as_of) if f.kind == VIOLATION]
    assert len(violations) == (1 if fires else 0)
    if fires:
        assert violations[0].threshold == Decimal(limit_per_mille) / 1000
        assert (violations[0].window_start, violations[0].window_end) == (day - timedelta(days=29), day)


def test_four_in_a_hundred_is_at_a_warn_at_of_eighty_percent_of_five_percent(make_merchant, make_metric, as_of):
    # In binary floating point 0.8 * 0.05 is 0.04000000000000001, and 0.04 would not reach it.
    assert 0.8 * 0.05 > 0.04
    make_merchant("m1", category="food")
    make_metric("m1", as_of, paid=100, complaints=4)
    (warning,) = ComplaintRateRule().evaluate(as_of)
    assert (warning.kind, warning.value, warning.threshold) == (WARNING, Decimal("0.04"), Decimal("0.04"))


def test_thresholds_are_those_of_the_merchants_category(make_merchant, make_metric, as_of):
    # 3.5% is over hotel_travel's warn_at (2.4%) and under food's (4%).
    make_merchant("hotel", category="hotel_travel")
    make_merchant("diner", category="food")
    for merchant_id in ("hotel", "diner"):
        make_metric(merchant_id, as_of, paid=200, complaints=7)
    assert [(f.merchant_id, f.threshold) for f in ComplaintRateRule().evaluate(as_of)] == [
        ("hotel", Decimal("0.024"))
    ]


def test_a_merchant_without_a_known_category_is_not_judged(make_metric, as_of):
    make_metric("ghost", as_of, paid=100, complaints=50)  # orders seen, merchant_upserted not yet
    assert ComplaintRateRule().evaluate(as_of) == []
