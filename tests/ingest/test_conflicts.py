"""A second line with the same id and different content is a conflict: reported with its line number,
not applied, the first kept (contract section 1)."""
import pytest

from metrics.models import Complaint, Order, OrderVerification, Refund, Review
from tests.factories import (
    ComplaintFiledLine,
    OrderPaidLine,
    OrderVerifiedLine,
    RefundCompletedLine,
    ReviewPostedLine,
)

CHANGES = [
    pytest.param(OrderPaidLine, {"order_id": "x"}, {"amount_cents": 1}, Order, "amount_cents", id="order amount"),
    pytest.param(OrderPaidLine, {"order_id": "x"}, {"merchant_id": "m-z"}, Order, "merchant_id", id="order merchant"),
    pytest.param(OrderPaidLine, {"order_id": "x"}, {"paid_at": "2026-06-10T12:00:01+08:00"}, Order, "paid_at",
                 id="order paid_at"),
    pytest.param(OrderVerifiedLine, {"order_id": "x"}, {"verified_at": "2026-06-11T12:00:00+08:00"},
                 OrderVerification, "verified_at", id="verification"),
    pytest.param(ReviewPostedLine, {"review_id": "x"}, {"rating": 5}, Review, "rating", id="review rating"),
    pytest.param(ReviewPostedLine, {"review_id": "x"}, {"text": "edited"}, Review, "text", id="review text"),
    pytest.param(ComplaintFiledLine, {"complaint_id": "x"}, {"reason": "price"}, Complaint, "reason",
                 id="complaint reason"),
    pytest.param(RefundCompletedLine, {"refund_id": "x"}, {"responsibility": "consumer"}, Refund,
                 "responsibility", id="refund responsibility"),
]


@pytest.mark.parametrize(("line_factory", "key", "change", "model", "field"), CHANGES)
def test_same_id_with_other_content_in_a_later_batch_is_a_conflict_and_the_first_is_kept(
    ingest, line_factory, key, change, model, field
):
    first = line_factory(**key)
    ingest(first)
    before = model.objects.values(field).get()

    report = ingest(OrderPaidLine(order_id="other", merchant_id="m-a"), line_factory(**key, **change))

    assert (report.new, report.conflicting, report.duplicate) == (1, 1, 0)
    assert [e["line"] for e in report.errors] == [2]
    assert "conflict" in report.errors[0]["reason"]
    assert model.objects.filter(pk="x").values(field).get() == before


def test_same_id_with_other_content_in_the_same_batch_is_a_conflict_and_the_first_is_kept(ingest):
    report = ingest(
        OrderPaidLine(order_id="o-1", merchant_id="m-a", amount_cents=100),
        OrderPaidLine(order_id="o-2", merchant_id="m-a"),
        OrderPaidLine(order_id="o-1", merchant_id="m-a", amount_cents=999),
        OrderPaidLine(order_id="o-1", merchant_id="m-a", amount_cents=100),
    )

    assert (report.new, report.conflicting, report.duplicate) == (2, 1, 1)
    assert report.errors == [{"line": 3, "reason": report.errors[0]["reason"]}]
    assert Order.objects.get(pk="o-1").amount_cents == 100


def test_ids_of_different_fact_types_do_not_collide(ingest):
    report = ingest(
        OrderPaidLine(order_id="same", merchant_id="m-a"),
        ReviewPostedLine(review_id="same", order_id="same"),
        ComplaintFiledLine(complaint_id="same", order_id="same"),
        RefundCompletedLine(refund_id="same", order_id="same"),
    )

    assert (report.new, report.conflicting) == (4, 0)


def test_a_conflict_changes_no_metric(ingest, export_csv):
    ingest(
        OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-10T10:00:00+08:00"),
        ComplaintFiledLine(complaint_id="c-1", order_id="o-1", filed_at="2026-06-11T10:00:00+08:00"),
    )
    before = export_csv(as_of="2026-06-30", start="2026-06-01", end="2026-06-30")

    ingest(
        OrderPaidLine(order_id="o-1", merchant_id="m-b", paid_at="2026-06-12T10:00:00+08:00"),
        ComplaintFiledLine(complaint_id="c-1", order_id="o-1", filed_at="2026-06-20T10:00:00+08:00"),
    )

    assert export_csv(as_of="2026-06-30", start="2026-06-01", end="2026-06-30") == before


@pytest.mark.postgres
@pytest.mark.parametrize("order_id", ["o-100", "o-150", "o-199", "o-050", "o-250", "o-300", "o-3"])
def test_a_repeat_is_found_whatever_partition_and_range_of_ids_its_first_lies_in(ingest, order_id):
    """Each month partition is probed only with the ids within its lowest and highest id: a repeat at either
    end of a month's range, inside it, between two months' ranges, or in a month of ids out of time order,
    is still told a duplicate or a conflict, even when its paid_at (so its partition) changed."""
    firsts = [
        *(OrderPaidLine(order_id=f"o-{n}", paid_at="2026-04-10T10:00:00+08:00") for n in (100, 150, 199)),
        *(OrderPaidLine(order_id=f"o-{n}", paid_at="2026-05-10T10:00:00+08:00") for n in (250, 300)),
        *(OrderPaidLine(order_id=f"o-{n}", paid_at="2026-06-10T10:00:00+08:00") for n in ("050", "3")),
    ]
    ingest(*firsts)
    first = next(line for line in firsts if line["order_id"] == order_id)

    report = ingest(OrderPaidLine(order_id="o-200", paid_at="2026-06-11T10:00:00+08:00"), first,
                    {**first, "paid_at": "2026-06-20T10:00:00+08:00"})

    assert (report.new, report.duplicate, report.conflicting) == (1, 1, 1)
    assert Order.objects.get(pk=order_id).paid_day.isoformat() == first["paid_at"][:10]  # the first is kept
