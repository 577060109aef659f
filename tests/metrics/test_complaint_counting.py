"""complaints(D) (contract section 3) counts complaint tickets: several on one order count several times,
and only for the merchant of the order."""
from tests.factories import ComplaintFiledLine, OrderPaidLine

AS_OF = "2026-06-30"
D = "2026-06-10"


def _row(export_rows):
    return export_rows(as_of=AS_OF, start=D, end=D)["m-a", D]


def _three_orders_paid_on_d():
    return [OrderPaidLine(order_id=f"o-{i}", merchant_id="m-a", paid_at=f"{D}T1{i}:00:00+08:00")
            for i in (1, 2, 3)]


def test_several_complaints_on_one_order_count_several_times(ingest, export_rows):
    ingest(
        *_three_orders_paid_on_d(),
        ComplaintFiledLine(order_id="o-1", reason="quality", filed_at=f"{D}T20:00:00+08:00"),
        ComplaintFiledLine(order_id="o-1", reason="attitude", filed_at="2026-06-11T09:00:00+08:00"),
        ComplaintFiledLine(order_id="o-1", reason="price", filed_at="2026-06-12T09:00:00+08:00"),
        ComplaintFiledLine(order_id="o-2", reason="hygiene", filed_at="2026-06-12T09:00:00+08:00"),
    )

    row = _row(export_rows)

    assert row["complaints"] == "4"
    assert row["complaint_rate"] == "1.333333"  # 4 / 3: a rate above 1 is possible


def test_facts_count_for_the_merchant_of_their_order_only(ingest, export_rows):
    ingest(
        OrderPaidLine(order_id="o-a", merchant_id="m-a", paid_at=f"{D}T10:00:00+08:00"),
        OrderPaidLine(order_id="o-b", merchant_id="m-b", paid_at=f"{D}T10:00:00+08:00"),
        ComplaintFiledLine(order_id="o-b", filed_at=f"{D}T12:00:00+08:00"),
    )

    rows = export_rows(as_of=AS_OF, start=D, end=D)

    assert rows["m-a", D]["complaints"] == "0"
    assert rows["m-b", D]["complaints"] == "1"
