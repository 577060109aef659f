"""Product-day metrics (data contract section 7): the section 3 definitions restricted to one product's
orders, stored beside the merchant-days, recomputed with the same late-fact handling, read by selectors."""
from datetime import date
from decimal import Decimal

from metrics.models import DailyMetric, ProductDailyMetric
from metrics.selectors import product_daily_metrics, product_pooled_rates
from tests.factories import ComplaintFiledLine, OrderPaidLine, OrderVerifiedLine, ReviewPostedLine


def _two_products_a_day(days=range(5, 21)):
    lines = []
    for d in days:
        for product in ("p-1", "p-2"):
            lines.append(OrderPaidLine(order_id=f"o-{product}-{d}", merchant_id="m-a", product_id=product,
                                       paid_at=f"2026-06-{d:02d}T12:00:00+08:00"))
    return lines


def _products(day):
    return {p.product_id: (p.paid_orders, p.complaints, p.complaint_rate, p.as_of.isoformat())
            for p in ProductDailyMetric.objects.filter(day=day)}


def test_each_product_counts_only_its_own_orders(ingest, recompute_cmd):
    ingest(*_two_products_a_day(days=[10]),
           OrderPaidLine(order_id="o-p-1-10b", merchant_id="m-a", product_id="p-1",
                         paid_at="2026-06-10T18:00:00+08:00"),
           ComplaintFiledLine(order_id="o-p-1-10", filed_at="2026-06-11T10:00:00+08:00"),
           OrderVerifiedLine(order_id="o-p-2-10", verified_at="2026-06-10T15:00:00+08:00"),
           ReviewPostedLine(order_id="o-p-2-10", rating=1, posted_at="2026-06-12T10:00:00+08:00"))

    recompute_cmd("2026-06-20", start="2026-06-01")

    rows = {(p.product_id, p.day.isoformat()): (p.paid_orders, p.verified_orders, p.complaints,
                                                 p.negative_reviews, p.complaint_rate, p.negative_review_rate)
            for p in ProductDailyMetric.objects.all()}
    assert rows == {
        ("p-1", "2026-06-10"): (2, 0, 1, 0, Decimal("0.5"), None),
        ("p-2", "2026-06-10"): (1, 1, 0, 1, Decimal("0"), Decimal("1")),
    }
    merchant = DailyMetric.objects.get()
    assert (merchant.paid_orders, merchant.verified_orders, merchant.complaints, merchant.negative_reviews) == (
        3, 1, 1, 1)


def test_a_late_fact_stretches_the_nightly_recompute_of_its_product_back(ingest, recompute_cmd):
    ingest(*_two_products_a_day())
    recompute_cmd("2026-06-20", start="2026-06-01")
    # Filed on the 11th about an order of the 5th, ingested after the run as of the 20th (a late fact).
    ingest(ComplaintFiledLine(order_id="o-p-2-5", filed_at="2026-06-11T20:00:00+08:00"))

    recompute_cmd("2026-06-21")

    assert _products("2026-06-05") == {"p-1": (1, 0, Decimal("0"), "2026-06-21"),
                                       "p-2": (1, 1, Decimal("1"), "2026-06-21")}
    merchant = DailyMetric.objects.get(day="2026-06-05")
    assert (merchant.paid_orders, merchant.complaints, merchant.complaint_rate) == (2, 1, Decimal("0.5"))


def test_a_product_day_whose_orders_vanish_as_of_an_earlier_day_is_dropped(ingest, recompute_cmd):
    ingest(*_two_products_a_day(days=[18, 19]))
    recompute_cmd("2026-06-19", start="2026-06-01")

    recompute_cmd("2026-06-18", start="2026-06-01")

    assert sorted((p.product_id, p.day.isoformat()) for p in ProductDailyMetric.objects.all()) == [
        ("p-1", "2026-06-18"), ("p-2", "2026-06-18")]


def test_the_pooled_product_rates_sum_numerators_and_denominators_per_product(ingest, recompute_cmd):
    ingest(*_two_products_a_day(),
           OrderPaidLine(order_id="o-p-1-6b", merchant_id="m-a", product_id="p-1",
                         paid_at="2026-06-06T13:00:00+08:00"),
           ComplaintFiledLine(order_id="o-p-1-5", filed_at="2026-06-06T10:00:00+08:00"),
           ComplaintFiledLine(order_id="o-p-1-6b", filed_at="2026-06-07T10:00:00+08:00"),
           OrderPaidLine(order_id="o-b", merchant_id="m-b", product_id="p-1", paid_at="2026-06-06T10:00:00+08:00"))
    recompute_cmd("2026-06-20", start="2026-06-01")

    pooled = product_pooled_rates(start=date(2026, 6, 5), end=date(2026, 6, 6), stable=True)
    only_a = product_pooled_rates(start=date(2026, 6, 5), end=date(2026, 6, 6), merchant_ids=["m-a"])

    assert pooled[("m-a", "p-1")]["complaints"] == 2
    assert pooled[("m-a", "p-1")]["paid_orders"] == 3
    assert pooled[("m-a", "p-1")]["complaint_rate"] == Decimal("0.666667")
    assert pooled[("m-a", "p-2")]["complaint_rate"] == Decimal("0")
    assert pooled[("m-b", "p-1")]["paid_orders"] == 1  # the same product id under another merchant is apart
    assert set(only_a) == {("m-a", "p-1"), ("m-a", "p-2")}
    assert [(r.product_id, r.day.isoformat()) for r in product_daily_metrics(
        start=date(2026, 6, 5), end=date(2026, 6, 5), merchant_ids=["m-a"])] == [
        ("p-1", "2026-06-05"), ("p-2", "2026-06-05")]
