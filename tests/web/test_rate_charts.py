"""The rate charts' geometry: days placed by date, a missing day breaks the line, provisional days
drawn apart, and the threshold line where the limit is."""
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from merchant_web.charts import HEIGHT, build_chart


def day(d, rate, stable=True):
    return SimpleNamespace(day=date(2026, 6, d), complaint_rate=None if rate is None else Decimal(rate), stable=stable)


def test_a_missing_day_breaks_the_line_and_provisional_days_are_drawn_apart():
    rows = [day(1, "0.01"), day(2, "0.02"), day(4, "0.03"), day(5, "0.04", stable=False), day(6, None, stable=False)]
    chart = build_chart(rows, rate="complaint_rate", label="Complaint rate",
                        threshold=SimpleNamespace(limit=Decimal("0.05"), warn_at=Decimal("0.04")))
    assert len(chart.stable_paths) == 1          # 1st-2nd; the 3rd is missing, so no 2nd-4th segment
    assert len(chart.provisional_paths) == 1     # 4th-5th, dashed
    assert [p["stable"] for p in chart.points] == [True, True, True, False]
    assert chart.provisional_band is not None
    xs = [p["x"] for p in chart.points]
    assert xs[2] - xs[1] == 2 * (xs[1] - xs[0])  # by date, not by index
    assert 0 < chart.limit_y < chart.warn_y < HEIGHT


def test_no_threshold_draws_no_line():
    chart = build_chart([day(1, "0.01")], rate="complaint_rate", label="Complaint rate", threshold=None)
    assert chart.limit_y is None and chart.warn_y is None and chart.provisional_band is None
