"""Stable vs provisional (contract section 3): day D is stable as of A when A - D >= 7."""
from tests.factories import OrderPaidLine


def test_a_day_is_stable_seven_days_after_and_provisional_until_then(ingest, export_rows):
    ingest(*(
        OrderPaidLine(order_id=f"o-{day}", merchant_id="m-a", paid_at=f"2026-06-{day:02d}T12:00:00+08:00")
        for day in (12, 13, 14, 20)
    ))

    rows = export_rows(as_of="2026-06-20", start="2026-06-01", end="2026-06-30")

    assert {day: row["stable"] for (_, day), row in rows.items()} == {
        "2026-06-12": "true",  # A - D = 8
        "2026-06-13": "true",  # A - D = 7
        "2026-06-14": "false",  # A - D = 6
        "2026-06-20": "false",  # A - D = 0
    }


def test_a_provisional_day_becomes_stable_when_the_as_of_day_moves_on(ingest, recompute_cmd, stored_metrics):
    ingest(OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-14T12:00:00+08:00"))

    recompute_cmd("2026-06-20", start="2026-06-01")
    provisional = stored_metrics()
    recompute_cmd("2026-06-21")

    assert [(r[1], r[10], r[11]) for r in provisional] == [("2026-06-14", False, "2026-06-20")]
    assert [(r[1], r[10], r[11]) for r in stored_metrics()] == [("2026-06-14", True, "2026-06-21")]
