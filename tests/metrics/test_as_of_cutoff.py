"""The as-of cutoff (contract section 3): facts after the end of day A are ignored, so the same inputs
and the same A always give the same numbers, whatever arrives later."""
from tests.factories import (
    ComplaintFiledLine,
    OrderPaidLine,
    OrderVerifiedLine,
    RefundCompletedLine,
    ReviewPostedLine,
)

A = "2026-06-12"


def _month_so_far():
    return [
        OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-10T10:00:00+08:00"),
        OrderPaidLine(order_id="o-2", merchant_id="m-a", paid_at="2026-06-10T11:00:00+08:00"),
        OrderVerifiedLine(order_id="o-1", verified_at="2026-06-10T12:00:00+08:00"),
        ComplaintFiledLine(order_id="o-1", filed_at="2026-06-12T23:59:59+08:00"),
    ]


def _facts_after_a():
    """Facts stamped after the end of A (2026-06-13 00:00:00 in Shanghai and later)."""
    return [
        ComplaintFiledLine(order_id="o-2", filed_at="2026-06-13T00:00:00+08:00"),
        ComplaintFiledLine(order_id="o-1", filed_at="2026-06-12T16:00:00Z"),
        RefundCompletedLine(order_id="o-1", refunded_at="2026-06-14T10:00:00+08:00"),
        ReviewPostedLine(order_id="o-1", rating=1, posted_at="2026-06-13T08:00:00+08:00"),
        OrderVerifiedLine(order_id="o-2", verified_at="2026-06-13T09:00:00+08:00"),
        OrderPaidLine(order_id="o-3", merchant_id="m-a", paid_at="2026-06-13T09:00:00+08:00"),
        OrderPaidLine(order_id="o-4", merchant_id="m-b", paid_at="2026-06-14T09:00:00+08:00"),
    ]


def test_facts_after_the_end_of_the_as_of_day_are_ignored(ingest, export_rows):
    ingest(*_month_so_far(), *_facts_after_a())

    rows = export_rows(as_of=A, start="2026-06-01", end="2026-06-30")

    assert list(rows) == [("m-a", "2026-06-10")]
    row = rows["m-a", "2026-06-10"]
    assert (row["paid_orders"], row["verified_orders"], row["complaints"], row["negative_reviews"],
            row["merchant_refunds"]) == ("2", "1", "1", "0", "0")
    assert row["complaint_rate"] == "0.500000"


def test_same_inputs_and_same_as_of_give_the_same_export_after_later_facts_arrive(ingest, export_csv):
    ingest(*_month_so_far())
    before = export_csv(as_of=A, start="2026-06-01", end="2026-06-30")

    ingest(*_facts_after_a())
    after = export_csv(as_of=A, start="2026-06-01", end="2026-06-30")

    assert after == before
    assert export_csv(as_of="2026-06-20", start="2026-06-01", end="2026-06-30") != before


def test_same_inputs_and_same_as_of_give_the_same_stored_metrics_after_later_facts_arrive(
    ingest, recompute_cmd, stored_metrics
):
    ingest(*_month_so_far())
    recompute_cmd(A, start="2026-06-01")
    before = stored_metrics()

    ingest(*_facts_after_a())
    recompute_cmd(A, start="2026-06-01")

    assert stored_metrics() == before
    assert [r[:7] for r in before] == [("m-a", "2026-06-10", 2, 1, 1, 0, 0)]
