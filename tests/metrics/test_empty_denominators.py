"""Rates are null, never 0, on an empty denominator; rows exist only for merchant-days with a paid or
verified order (contract sections 3 and 4)."""
from metrics.models import DailyMetric
from tests.factories import ComplaintFiledLine, OrderPaidLine, OrderVerifiedLine, RefundCompletedLine

AS_OF = "2026-06-30"


def test_a_day_with_only_verified_orders_has_null_complaint_and_refund_rates(ingest, export_rows):
    ingest(
        OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-09T12:00:00+08:00"),
        OrderVerifiedLine(order_id="o-1", verified_at="2026-06-10T12:00:00+08:00"),
    )

    row = export_rows(as_of=AS_OF, start="2026-06-10", end="2026-06-10")["m-a", "2026-06-10"]

    assert row["paid_orders"] == "0"
    assert row["verified_orders"] == "1"
    assert row["complaint_rate"] == ""
    assert row["merchant_refund_rate"] == ""
    assert row["negative_review_rate"] == "0.000000"


def test_a_day_with_only_paid_orders_has_a_null_negative_review_rate(ingest, export_rows):
    ingest(OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-10T12:00:00+08:00"))

    row = export_rows(as_of=AS_OF, start="2026-06-10", end="2026-06-10")["m-a", "2026-06-10"]

    assert row["negative_review_rate"] == ""
    assert row["complaint_rate"] == "0.000000"
    assert row["merchant_refund_rate"] == "0.000000"


def test_null_rates_are_stored_as_null(ingest, recompute_cmd):
    ingest(
        OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-09T12:00:00+08:00"),
        OrderVerifiedLine(order_id="o-1", verified_at="2026-06-10T12:00:00+08:00"),
    )
    recompute_cmd(AS_OF, start="2026-06-01")

    verified_only = DailyMetric.objects.get(merchant_id="m-a", day="2026-06-10")
    paid_only = DailyMetric.objects.get(merchant_id="m-a", day="2026-06-09")

    assert (verified_only.complaint_rate, verified_only.merchant_refund_rate) == (None, None)
    assert verified_only.negative_review_rate == 0
    assert paid_only.negative_review_rate is None
    assert paid_only.complaint_rate == 0


def test_days_with_only_complaints_or_refunds_have_no_row(ingest, export_rows, recompute_cmd, stored_metrics):
    ingest(
        OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-10T12:00:00+08:00"),
        ComplaintFiledLine(order_id="o-1", filed_at="2026-06-12T12:00:00+08:00"),
        RefundCompletedLine(order_id="o-1", refunded_at="2026-06-13T12:00:00+08:00"),
        # An order nobody paid for (yet): its complaint makes no row for anyone.
        ComplaintFiledLine(order_id="never-paid", filed_at="2026-06-14T12:00:00+08:00"),
    )
    recompute_cmd(AS_OF, start="2026-06-01")

    assert list(export_rows(as_of=AS_OF, start="2026-06-01", end="2026-06-30")) == [("m-a", "2026-06-10")]
    assert [r[:2] for r in stored_metrics()] == [("m-a", "2026-06-10")]
