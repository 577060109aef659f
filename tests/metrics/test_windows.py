"""The window W(D) = [D, D+6] (contract section 3): day D+6 counts, day D+7 and days before D do not.

The edges are the first and last second of the days in the platform zone, written in +08:00 and in UTC.
"""
import pytest

from tests.factories import (
    ComplaintFiledLine,
    OrderPaidLine,
    OrderVerifiedLine,
    RefundCompletedLine,
    ReviewPostedLine,
)

AS_OF = "2026-06-30"
D = "2026-06-10"

# (instant, counts?) around the window of D = 2026-06-10, which ends with 2026-06-16 in Shanghai.
EDGES = [
    pytest.param("2026-06-10T00:00:00+08:00", True, id="D first second"),
    pytest.param("2026-06-16T23:59:59+08:00", True, id="D+6 last second"),
    pytest.param("2026-06-16T15:59:59Z", True, id="D+6 last second in UTC"),
    pytest.param("2026-06-17T00:00:00+08:00", False, id="D+7 first second"),
    pytest.param("2026-06-16T16:00:00Z", False, id="D+7 first second in UTC"),
    pytest.param("2026-06-09T23:59:59+08:00", False, id="D-1 last second"),
]


def _paid_on_d(order_id):
    return OrderPaidLine(order_id=order_id, merchant_id="m-a", paid_at="2026-06-10T00:00:00+08:00")


@pytest.mark.parametrize(("filed_at", "counts"), EDGES)
def test_complaint_counts_only_when_filed_within_d_to_d_plus_6(ingest, export_rows, filed_at, counts):
    ingest(_paid_on_d("o-1"), ComplaintFiledLine(order_id="o-1", filed_at=filed_at))

    row = export_rows(as_of=AS_OF, start=D, end=D)["m-a", D]

    assert row["paid_orders"] == "1"
    assert row["complaints"] == ("1" if counts else "0")
    assert row["complaint_rate"] == ("1.000000" if counts else "0.000000")


@pytest.mark.parametrize(("refunded_at", "counts"), EDGES)
def test_merchant_refund_counts_only_when_completed_within_d_to_d_plus_6(
    ingest, export_rows, refunded_at, counts
):
    ingest(_paid_on_d("o-1"), RefundCompletedLine(order_id="o-1", refunded_at=refunded_at))

    row = export_rows(as_of=AS_OF, start=D, end=D)["m-a", D]

    assert row["merchant_refunds"] == ("1" if counts else "0")
    assert row["merchant_refund_rate"] == ("1.000000" if counts else "0.000000")


@pytest.mark.parametrize(("posted_at", "counts"), EDGES)
def test_negative_review_counts_only_when_posted_within_d_to_d_plus_6_of_the_verification_day(
    ingest, export_rows, posted_at, counts
):
    # Paid well before D: the review window follows the day of verification, not of payment.
    ingest(
        OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-01T09:00:00+08:00"),
        OrderVerifiedLine(order_id="o-1", verified_at="2026-06-10T00:00:00+08:00"),
        ReviewPostedLine(order_id="o-1", rating=1, posted_at=posted_at),
    )

    row = export_rows(as_of=AS_OF, start=D, end=D)["m-a", D]

    assert row["verified_orders"] == "1"
    assert row["negative_reviews"] == ("1" if counts else "0")
    assert row["negative_review_rate"] == ("1.000000" if counts else "0.000000")


def test_a_complaint_counts_on_the_day_its_order_was_paid_not_the_day_it_was_filed(ingest, export_rows):
    ingest(
        _paid_on_d("o-1"),
        ComplaintFiledLine(order_id="o-1", filed_at="2026-06-13T10:00:00+08:00"),
        OrderPaidLine(order_id="o-2", merchant_id="m-a", paid_at="2026-06-13T09:00:00+08:00"),
    )

    rows = export_rows(as_of=AS_OF, start="2026-06-01", end="2026-06-30")

    assert rows["m-a", "2026-06-10"]["complaints"] == "1"
    assert rows["m-a", "2026-06-13"]["complaints"] == "0"
