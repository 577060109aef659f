"""The rate rules judge every product too (contract section 7, 商家或商品): the category's threshold version,
the versioned product_min_orders, product cases keyed (merchant, risk point, product), set-based."""
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.evaluation import rules_evaluate
from cases.events import RuleParametersVersionAdded
from cases.models import Violation, Warning
from cases.rules import VIOLATION, WARNING, evaluate_all
from cases.rules.complaint_rate import ComplaintRateRule
from cases.thresholds import rule_parameters_version_add
from eventstore.actors import SYSTEM
from tests.notice import recorded_ahead_of


def _bad_product(make_product_metric, as_of, merchant_id="m1", product_id="p1", *, orders=20, days=(0, 10)):
    for back in days:
        make_product_metric(merchant_id, product_id, as_of - timedelta(days=back), paid=orders, verified=orders,
                            complaints=orders // 2, negative=orders // 2, refunds=orders // 2)


def test_a_bad_product_of_a_good_merchant_is_warned_and_judged(make_merchant, make_metric, make_product_metric,
                                                               as_of):
    make_merchant("m1")
    make_metric("m1", as_of, paid=1000)  # the merchant's pooled rate is far under the line
    make_metric("m1", as_of - timedelta(days=10), paid=1000)
    _bad_product(make_product_metric, as_of)
    make_product_metric("m1", "p2", as_of, paid=500)  # a good product is not judged
    findings = ComplaintRateRule().evaluate(as_of)
    findings = [f for f in findings if f.risk_point == "complaint_rate"]
    assert sorted((f.kind, f.merchant_id, f.product_id) for f in findings) == [
        (VIOLATION, "m1", "p1"), (WARNING, "m1", "p1")]
    warning = next(f for f in findings if f.kind == WARNING)
    assert (warning.numerator, warning.denominator, warning.key) == (20, 40, ("m1", "complaint_rate", "p1"))
    assert warning.explanation()["product_min_orders"] == 20


@pytest.mark.parametrize(("orders", "fires"), [(19, False), (20, True)])
def test_a_product_needs_product_min_orders_not_the_merchant_min_orders(make_merchant, make_product_metric, as_of,
                                                                        orders, fires):
    make_merchant("m1")
    make_product_metric("m1", "p1", as_of, paid=orders, complaints=orders)
    assert [f.product_id for f in ComplaintRateRule().evaluate(as_of)] == (["p1"] if fires else [])


def test_product_min_orders_is_versioned_per_category(make_merchant, make_product_metric, as_of):
    make_merchant("m1")
    make_product_metric("m1", "p1", as_of, paid=25, complaints=25)
    rule_parameters_version_add(category="food", product_min_orders=30, effective_from=as_of, actor=SYSTEM)
    assert ComplaintRateRule().evaluate(as_of) == []
    assert [f.product_id for f in ComplaintRateRule().evaluate(as_of - timedelta(days=1))] == []  # no data then
    with recorded_ahead_of(as_of + timedelta(days=1)):  # fewer orders judge a product: stricter
        rule_parameters_version_add(category="food", product_min_orders=25, effective_from=as_of + timedelta(days=1),
                                    actor=SYSTEM)
    assert [f.product_id for f in ComplaintRateRule().evaluate(as_of + timedelta(days=1))] == ["p1"]


def test_a_stored_event_without_product_min_orders_decodes_to_the_default():
    data = {"v": 1, "rule_parameters_version_id": 1, "category": "food", "clustered_window_days": 3,
            "clustered_warn_at": 5, "clustered_limit": 10, "unserved_window_days": 7, "unserved_limit": 3,
            "related_lookback_days": 180, "effective_from": "2000-01-01", "note": ""}
    event = RuleParametersVersionAdded.from_data(data)
    assert (event.product_min_orders, event.effective_from) == (20, date(2000, 1, 1))


def test_product_cases_are_deduplicated_per_merchant_risk_point_and_product(make_merchant, make_product_metric,
                                                                          as_of):
    make_merchant("m1")
    for product_id in ("p1", "p2"):
        _bad_product(make_product_metric, as_of, product_id=product_id, days=(0,))
    first = rules_evaluate(as_of)
    assert first.warnings_raised == 2 * 3  # two products, three rates
    again = rules_evaluate(as_of)
    assert (again.warnings_raised, again.warnings_still_open) == (0, 6)
    assert sorted(set(Warning.objects.values_list("product_id", flat=True))) == ["p1", "p2"]
    assert not Violation.objects.exists()


def test_judging_products_takes_as_many_queries_for_many_products_as_for_few(make_merchant, make_product_metric,
                                                                            as_of):
    make_merchant("m1")
    _bad_product(make_product_metric, as_of, product_id="p0")
    with CaptureQueriesContext(connection) as few:
        few_findings = evaluate_all(as_of)
    for n in range(1, 25):
        _bad_product(make_product_metric, as_of, product_id=f"p{n}")
    with CaptureQueriesContext(connection) as many:
        many_findings = evaluate_all(as_of)
    assert (len(few_findings), len(many_findings)) == (6, 25 * 6)
    assert len(many.captured_queries) == len(few.captured_queries)
