"""merchant_refunds(D) (contract section 3) counts distinct orders with a merchant-responsibility refund:
several refunds on one order count once, consumer/platform/logistics refunds never."""
import pytest

from tests.factories import OrderPaidLine, RefundCompletedLine

AS_OF = "2026-06-30"
D = "2026-06-10"


def _row(export_rows):
    return export_rows(as_of=AS_OF, start=D, end=D)["m-a", D]


def _three_orders_paid_on_d():
    return [OrderPaidLine(order_id=f"o-{i}", merchant_id="m-a", paid_at=f"{D}T1{i}:00:00+08:00")
            for i in (1, 2, 3)]


def test_several_merchant_refunds_on_one_order_count_once(ingest, export_rows):
    ingest(
        *_three_orders_paid_on_d(),
        RefundCompletedLine(order_id="o-1", amount_cents=4_000, refunded_at=f"{D}T20:00:00+08:00"),
        RefundCompletedLine(order_id="o-1", amount_cents=6_000, refunded_at="2026-06-12T09:00:00+08:00"),
    )

    row = _row(export_rows)

    assert row["merchant_refunds"] == "1"
    assert row["merchant_refund_rate"] == "0.333333"


@pytest.mark.parametrize("responsibility", ["consumer", "platform", "logistics"])
def test_refunds_not_due_to_the_merchant_do_not_count(ingest, export_rows, responsibility):
    ingest(
        *_three_orders_paid_on_d(),
        RefundCompletedLine(order_id="o-1", responsibility=responsibility, refunded_at=f"{D}T20:00:00+08:00"),
        RefundCompletedLine(order_id="o-2", responsibility="merchant", refunded_at=f"{D}T20:00:00+08:00"),
        RefundCompletedLine(order_id="o-2", responsibility=responsibility, refunded_at=f"{D}T21:00:00+08:00"),
    )

    row = _row(export_rows)

    assert row["merchant_refunds"] == "1"
    assert row["merchant_refund_rate"] == "0.333333"


def test_an_order_with_a_merchant_refund_counts_even_beside_a_consumer_refund(ingest, export_rows):
    ingest(
        *_three_orders_paid_on_d(),
        RefundCompletedLine(order_id="o-3", responsibility="consumer", refunded_at=f"{D}T20:00:00+08:00"),
        RefundCompletedLine(order_id="o-3", responsibility="merchant", refunded_at=f"{D}T21:00:00+08:00"),
    )

    assert _row(export_rows)["merchant_refunds"] == "1"
