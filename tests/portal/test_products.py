"""The merchant sees its products (issue 18): the overview and diagnosis list the products at risk with their
own pooled figures, the rates page and the metrics API take ?product=, the drill-down works per product, and
another merchant's product is a 404 exactly like an unknown one."""
import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.evaluation import rules_evaluate
from cases.models import RATE_RISK_POINTS
from metrics.cohorts import exact_rate
from metrics.models import DailyMetric, ProductDailyMetric
from metrics.selectors import RATES
from portal.facts import rate_facts
from tests.acceptance.example import EXAMPLES
from tests.factories import ComplaintFactory, OrderFactory, shanghai

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]  # today is 2026-06-30
AS_OF = date(2026, 6, 29)
METRICS = "/api/v1/metrics/"


def _day(model, merchant, day, *, paid, complaints, **product):
    return model.objects.create(
        merchant=merchant, day=day, paid_orders=paid, verified_orders=paid, complaints=complaints,
        negative_reviews=0, merchant_refunds=0, complaint_rate=exact_rate(complaints, paid),
        negative_review_rate=exact_rate(0, paid), merchant_refund_rate=exact_rate(0, paid),
        stable=(AS_OF - day).days >= 7, as_of=AS_OF, **product)


@pytest.fixture
def products(merchant, other_merchant):
    """m-alpha: p-bad (a complaint in five orders) and p-good over June; m-beta: its own p-theirs."""
    for back in range(0, 20, 2):
        day = AS_OF - timedelta(days=back)
        _day(ProductDailyMetric, merchant, day, paid=5, complaints=1, product_id="p-bad")
        _day(ProductDailyMetric, merchant, day, paid=95, complaints=0, product_id="p-good")
        _day(DailyMetric, merchant, day, paid=100, complaints=1)
        _day(ProductDailyMetric, other_merchant, day, paid=5, complaints=1, product_id="p-theirs")
        _day(DailyMetric, other_merchant, day, paid=5, complaints=1)
    rules_evaluate(AS_OF)


def test_the_diagnosis_lists_the_products_at_risk_with_their_pooled_figures(api, products):
    body = api.get("/api/v1/diagnosis/").json()
    (product,) = body["products_at_risk"]
    assert (product["product_id"], product["standing_violations"]) == ("p-bad", 1)  # its warning is covered
    complaint = next(r for r in product["rates"] if r["rate"] == "complaint_rate")
    assert (complaint["warning"]["numerator"], complaint["warning"]["denominator"]) == (10, 50)
    assert complaint["warning"]["value"] == "0.200000" and complaint["status"] == "over_limit"
    assert complaint["min_orders"] == 20  # the product minimum, not the store's
    store = next(r for r in body["rates"] if r["rate"] == "complaint_rate")
    assert store["warning"]["denominator"] == 1000  # the store's own figure is unchanged


def test_the_overview_page_lists_the_product(web, products):
    page = web.get("/merchant/").content.decode()
    assert "Products at risk" in page and "?product=p-bad" in page and "p-good" not in page


def test_the_metrics_api_gives_one_products_days(api, products):
    body = api.get(METRICS, {"start": "2026-06-20", "end": "2026-06-29", "product": "p-bad"}).json()
    assert body["product_id"] == "p-bad"
    assert [(d["day"], d["paid_orders"], d["complaints"]) for d in body["days"]] == [
        (f"2026-06-{n}", 5, 1) for n in (21, 23, 25, 27, 29)]
    store = api.get(METRICS, {"start": "2026-06-20", "end": "2026-06-29"}).json()
    assert store["product_id"] is None and {d["paid_orders"] for d in store["days"]} == {100}


@pytest.mark.parametrize("product", ["p-theirs", "p-nobody"])
def test_another_merchants_product_is_a_404_like_an_unknown_one(api, web, products, product):
    assert api.get(METRICS, {"product": product}).status_code == 404
    assert api.get("/api/v1/metrics/2026-06-29/facts/", {"rate": "complaint_rate", "product": product}
                   ).status_code == 404
    assert web.get("/merchant/rates/", {"product": product}).status_code == 404
    assert web.get("/merchant/rates/2026-06-29/facts/", {"rate": "complaint_rate", "product": product}
                   ).status_code == 404


def test_the_rates_page_shows_the_products_days_and_links_its_drill_down(web, products):
    response = web.get("/merchant/rates/", {"product": "p-bad", "start": "2026-06-20", "end": "2026-06-29"})
    assert response.status_code == 200
    assert [d.paid_orders for d in response.context["days"]] == [5] * 5
    assert "?rate=complaint_rate&amp;product=p-bad" in response.content.decode()


def test_the_drill_down_lists_only_the_products_facts(api, merchant):
    bad = OrderFactory(merchant=merchant, product_id="p-bad", paid_at=shanghai("2026-06-10"))
    good = OrderFactory(merchant=merchant, product_id="p-good", paid_at=shanghai("2026-06-10"))
    ComplaintFactory(order=bad, filed_at=shanghai("2026-06-11"))
    ComplaintFactory(order=good, filed_at=shanghai("2026-06-11"))
    ProductDailyMetric.objects.create(merchant=merchant, product_id="p-bad", day=date(2026, 6, 10), paid_orders=1,
                                      verified_orders=0, complaints=1, negative_reviews=0, merchant_refunds=0,
                                      stable=True, as_of=AS_OF)
    DailyMetric.objects.create(merchant=merchant, day=date(2026, 6, 10), paid_orders=2, verified_orders=0,
                               complaints=2, negative_reviews=0, merchant_refunds=0, stable=True, as_of=AS_OF)
    rows = api.get("/api/v1/metrics/2026-06-10/facts/", {"rate": "complaint_rate", "product": "p-bad"}).json()
    assert [r["order_id"] for r in rows["results"]] == [bad.order_id]
    store = api.get("/api/v1/metrics/2026-06-10/facts/", {"rate": "complaint_rate"}).json()
    assert sorted(r["order_id"] for r in store["results"]) == sorted([bad.order_id, good.order_id])


def test_the_diagnosis_costs_as_many_queries_for_many_products_at_risk_as_for_one(api, merchant, products):
    with CaptureQueriesContext(connection) as one:
        assert len(api.get("/api/v1/diagnosis/").json()["products_at_risk"]) == 1
    for n in range(8):
        for back in range(0, 20, 2):
            _day(ProductDailyMetric, merchant, AS_OF - timedelta(days=back), paid=5, complaints=1,
                 product_id=f"p-bad-{n}")
    rules_evaluate(AS_OF)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/api/v1/diagnosis/").json()["products_at_risk"]) == 9
    assert len(many.captured_queries) == len(one.captured_queries)


def test_the_product_facts_of_the_worked_example_are_the_ones_counted(settings):
    settings.RISKCASE_AFTER_METRICS = []
    call_command("ingest", str(EXAMPLES / "month.jsonl"), stdout=io.StringIO())
    call_command("recompute", "--as-of", "2026-06-30", "--start", "2026-05-17", stdout=io.StringIO())
    checked = 0
    for metric in ProductDailyMetric.objects.filter(day__gte=date(2026, 6, 20)):
        for point in RATE_RISK_POINTS:
            numerator, denominator = RATES[point.value]
            for part, field in (("numerator", numerator), ("denominator", denominator)):
                rows = rate_facts(metric.merchant_id, rate=point.value, start=metric.day, end=metric.day,
                                  as_of=metric.as_of, part=part, product=metric.product_id)
                if point.value == "merchant_refund_rate" and part == "numerator":
                    assert len({r["f_order_id"] for r in rows}) == getattr(metric, field)
                else:
                    assert rows.count() == getattr(metric, field), (metric.merchant_id, metric.product_id)
                checked += 1
    assert checked > 300
