"""Ingesting the same lines again changes nothing (contract section 1)."""

from metrics.models import Complaint, Merchant, Order, OrderVerification, Refund, Review
from tests.acceptance.example import EXAMPLES
from tests.factories import (
    ComplaintFiledLine,
    MerchantUpsertedLine,
    OrderPaidLine,
    OrderVerifiedLine,
    RefundCompletedLine,
    ReviewPostedLine,
)

AS_OF = "2026-06-30"


def _file():
    return [
        MerchantUpsertedLine(merchant_id="m-a"),
        OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-10T10:00:00+08:00"),
        OrderPaidLine(order_id="o-2", merchant_id="m-a", paid_at="2026-06-10T10:00:00Z"),
        OrderVerifiedLine(order_id="o-1", verified_at="2026-06-10T11:00:00+08:00"),
        ReviewPostedLine(review_id="r-1", order_id="o-1", rating=2, posted_at="2026-06-11T10:00:00+08:00",
                         text="cold noodles"),
        ComplaintFiledLine(complaint_id="c-1", order_id="o-2", filed_at="2026-06-11T10:00:00+08:00"),
        RefundCompletedLine(refund_id="f-1", order_id="o-2", refunded_at="2026-06-12T10:00:00+08:00"),
    ]


def _table_sizes():
    return [m.objects.count() for m in (Merchant, Order, OrderVerification, Review, Complaint, Refund)]


def test_the_same_file_twice_adds_nothing_the_second_time(ingest, export_csv):
    first = ingest(*_file())
    sizes, export = _table_sizes(), export_csv(as_of=AS_OF, start="2026-06-01", end="2026-06-30")

    second = ingest(*_file())

    assert (first.new, first.duplicate) == (7, 0)
    assert (second.new, second.duplicate, second.conflicting, second.bad, second.superseded) == (0, 7, 0, 0, 0)
    assert _table_sizes() == sizes == [1, 2, 1, 1, 1, 1]
    assert export_csv(as_of=AS_OF, start="2026-06-01", end="2026-06-30") == export


def test_a_repeated_line_in_the_same_batch_is_a_duplicate(ingest):
    line = OrderPaidLine(order_id="o-1", merchant_id="m-a")

    report = ingest(line, line, line)

    assert (report.new, report.duplicate, report.conflicting) == (1, 2, 0)
    assert Order.objects.count() == 1


def test_the_same_instant_written_in_another_offset_is_the_same_fact(ingest):
    ingest(OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-10T18:00:00+08:00"))

    report = ingest(OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-10T10:00:00Z"))

    assert (report.new, report.duplicate, report.conflicting) == (0, 1, 0)


def test_re_ingesting_the_worked_example_twice_changes_no_count(ingest):
    lines = (EXAMPLES / "month.jsonl")
    raw = lines.read_bytes().splitlines()[:2000]
    first = ingest(*raw)

    second = ingest(*raw)

    assert first.bad == first.conflicting == 0
    assert second.new == 0
    assert second.duplicate == first.new + first.duplicate


def test_the_same_instant_written_with_another_offset_is_a_duplicate_and_stored_as_that_instant(ingest):
    """A line keeps its own UTC offset until it is stored: the instant, its platform day and the comparison
    with what is stored do not depend on how the offset was written."""
    first = ingest(OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-10T23:30:00-02:00"),
                   MerchantUpsertedLine(merchant_id="m-a", occurred_at="2026-06-01T08:00:00+08:00"))
    again = ingest(OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-11T01:30:00Z"),
                   MerchantUpsertedLine(merchant_id="m-a", occurred_at="2026-06-01T00:00:00+00:00"))
    other = ingest(OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-11T01:30:01Z"))

    assert (first.new, again.duplicate, again.conflicting, other.conflicting) == (2, 2, 0, 1)
    order = Order.objects.get()
    assert order.paid_at.isoformat() == "2026-06-11T01:30:00+00:00"
    assert str(order.paid_day) == "2026-06-11"  # 09:30 in Asia/Shanghai
    assert Merchant.objects.get().occurred_at.isoformat() == "2026-06-01T00:00:00+00:00"
