"""The rules are set-based: the number of queries does not grow with merchants, orders or complaints."""
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.rules import evaluate_all


def count_queries(as_of):
    with CaptureQueriesContext(connection) as captured:
        findings = evaluate_all(as_of)
    return len(captured.captured_queries), findings


def add_risky_merchants(make_merchant, make_metric, complaints_on, as_of, ids):
    """Merchants over every threshold: each gives 3 rate warnings, 3 rate violations and 3 count findings."""
    for merchant_id in ids:
        make_merchant(merchant_id)
        for back in range(0, 40, 3):
            make_metric(merchant_id, as_of - timedelta(days=back), paid=30, verified=30, complaints=6,
                        negative=6, refunds=6)
        complaints_on(as_of, 10, merchant_id=merchant_id, product_id="p1")
        complaints_on(as_of, 3, merchant_id=merchant_id, product_id="p2", reason="service_not_provided")


def test_evaluating_many_merchants_takes_as_many_queries_as_evaluating_few(
    make_merchant, make_metric, complaints_on, as_of
):
    add_risky_merchants(make_merchant, make_metric, complaints_on, as_of, ["m00", "m01"])
    few, few_findings = count_queries(as_of)
    add_risky_merchants(make_merchant, make_metric, complaints_on, as_of, [f"m{n:02d}" for n in range(2, 30)])
    many, many_findings = count_queries(as_of)
    assert (len(few_findings), len(many_findings)) == (2 * 9, 30 * 9)
    assert many == few
