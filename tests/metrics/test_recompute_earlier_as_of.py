"""A recompute as of an earlier day forgets what later facts added: the stored metrics are those of A."""
from tests.factories import ComplaintFiledLine, OrderPaidLine, RefundCompletedLine


def _facts():
    return [
        OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-10T10:00:00+08:00"),
        ComplaintFiledLine(order_id="o-1", filed_at="2026-06-14T10:00:00+08:00"),
        RefundCompletedLine(order_id="o-1", refunded_at="2026-06-15T10:00:00+08:00"),
        OrderPaidLine(order_id="o-2", merchant_id="m-a", paid_at="2026-06-15T10:00:00+08:00"),
        OrderPaidLine(order_id="o-3", merchant_id="m-b", paid_at="2026-06-16T10:00:00+08:00"),
    ]


def test_recompute_as_of_an_earlier_day_removes_the_counts_of_later_facts(ingest, recompute_cmd, stored_metrics):
    ingest(*_facts())
    recompute_cmd("2026-06-20", start="2026-06-01")
    later = stored_metrics()

    recompute_cmd("2026-06-12", start="2026-06-01")

    assert [r[:7] for r in later] == [
        ("m-a", "2026-06-10", 1, 0, 1, 0, 1), ("m-a", "2026-06-15", 1, 0, 0, 0, 0),
        ("m-b", "2026-06-16", 1, 0, 0, 0, 0),
    ]
    earlier = stored_metrics()
    assert [r[:7] for r in earlier if r[1] <= "2026-06-12"] == [("m-a", "2026-06-10", 1, 0, 0, 0, 0)]
    assert all(r[11] == "2026-06-12" for r in earlier if r[1] <= "2026-06-12")


def test_recompute_as_of_an_earlier_day_removes_rows_of_days_after_it(ingest, recompute_cmd, stored_metrics):
    ingest(*_facts())
    recompute_cmd("2026-06-20", start="2026-06-01")

    recompute_cmd("2026-06-12", start="2026-06-01")

    assert [r[:2] for r in stored_metrics()] == [("m-a", "2026-06-10")]
