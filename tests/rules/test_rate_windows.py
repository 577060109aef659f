"""Which stored days a rate rule pools: 30 days to A for warnings, 30 stable days to A-7 for violations."""
from datetime import timedelta

from cases.rules import VIOLATION, WARNING
from cases.rules.complaint_rate import ComplaintRateRule
from tests.notice import recorded_ahead_of


def by_kind(findings):
    return {f.kind: f for f in findings}


def test_warning_window_is_the_thirty_days_ending_at_as_of_provisional_included(make_merchant, make_metric, as_of):
    make_merchant("m1")
    make_metric("m1", as_of, paid=50, complaints=5)  # provisional
    make_metric("m1", as_of - timedelta(days=29), paid=50, complaints=5)  # first day of the window
    make_metric("m1", as_of - timedelta(days=30), paid=1000, complaints=0)  # outside: would dilute
    warning = by_kind(ComplaintRateRule().evaluate(as_of))[WARNING]
    assert (warning.window_start, warning.window_end) == (as_of - timedelta(days=29), as_of)
    assert (warning.numerator, warning.denominator) == (10, 100)


def test_violation_ignores_provisional_days(make_merchant, make_metric, as_of):
    make_merchant("m1")
    make_metric("m1", as_of - timedelta(days=6), paid=100, complaints=100)  # provisional as of A
    assert VIOLATION not in by_kind(ComplaintRateRule().evaluate(as_of))


def test_violation_window_is_the_thirty_stable_days_ending_at_a_minus_seven(make_merchant, make_metric, as_of):
    make_merchant("m1")
    make_metric("m1", as_of - timedelta(days=7), paid=50, complaints=5)
    make_metric("m1", as_of - timedelta(days=36), paid=50, complaints=5)
    make_metric("m1", as_of - timedelta(days=37), paid=1000, complaints=0)  # before the window
    violation = by_kind(ComplaintRateRule().evaluate(as_of))[VIOLATION]
    assert (violation.window_start, violation.window_end) == (as_of - timedelta(days=36), as_of - timedelta(days=7))
    assert (violation.numerator, violation.denominator) == (10, 100)


def test_a_longer_window_in_the_threshold_version_widens_the_pool(make_merchant, make_metric, as_of, reviewer_actor):
    from cases.thresholds import threshold_version_add

    make_merchant("m1")
    make_metric("m1", as_of - timedelta(days=40), paid=60, complaints=6)
    assert ComplaintRateRule().evaluate(as_of) == []
    with recorded_ahead_of(as_of):  # a different window counts as stricter
        threshold_version_add(category="food", risk_point="complaint_rate", limit="0.05", window_days=60,
                              effective_from=as_of, actor=reviewer_actor)
    found = by_kind(ComplaintRateRule().evaluate(as_of))
    assert found[WARNING].window_start == as_of - timedelta(days=59)
    assert found[VIOLATION].window_start == as_of - timedelta(days=66)
