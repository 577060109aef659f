"""The rate charts' geometry (riskcase.lib.charts, drawn on the merchants' pages and on the reviewers'
case page): days placed by date, daily rates as bars, the pooled window rate as a line broken where a
day is missing, nice ticks, and the warning and limit lines."""
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from riskcase.lib.charts import HEIGHT, Day, build, nice_ticks, pooled_series


def row(d, complaints, paid, stable=True):
    return SimpleNamespace(day=date(2026, 6, d), complaints=complaints, paid_orders=paid, stable=stable,
                           complaint_rate=None if not paid else Decimal(complaints) / Decimal(paid))


def test_the_pooled_series_sums_counts_over_the_window_not_the_daily_rates():
    rows = [row(1, 1, 10), row(2, 0, 90), row(3, 3, 100)]
    series = pooled_series(rows, numerator="complaints", denominator="paid_orders", rate="complaint_rate",
                           window_days=2, start=date(2026, 6, 2), end=date(2026, 6, 3))
    assert [d.day.day for d in series] == [2, 3]
    assert series[0].pooled == Decimal("0.010000")   # (1 + 0) / (10 + 90), not the mean of 10% and 0%
    assert series[1].pooled == Decimal("0.015789")   # (0 + 3) / (90 + 100), half even


def test_a_missing_day_breaks_the_line_and_bars_are_placed_by_date():
    series = [Day(date(2026, 6, d), Decimal("0.01") * d, Decimal("0.02"), stable=d < 5) for d in (1, 2, 4, 5)]
    chart = build(series, key="complaint_rate", label="Complaint rate", start=date(2026, 6, 1),
                  end=date(2026, 6, 5), warn_at=Decimal("0.04"), limit=Decimal("0.05"), window_days=30)
    assert len(chart.pooled_paths) == 2                        # 1st-2nd, then 4th-5th: the 3rd is missing
    xs = [b["x"] for b in chart.bars]
    assert xs[2] - xs[1] == pytest.approx(2 * (xs[1] - xs[0]))  # by date, not by index
    assert [b["stable"] for b in chart.bars] == [True, True, True, False]
    assert chart.provisional_band is not None
    assert 0 < chart.limit_y < chart.warn_y < HEIGHT           # the limit is drawn above the warning level


def test_ticks_are_round_numbers_that_cover_the_highest_value():
    assert nice_ticks(Decimal("0.0958")) == [Decimal(0), Decimal("0.025"), Decimal("0.050"), Decimal("0.075"),
                                             Decimal("0.100")]
    assert nice_ticks(Decimal("0.19")) == [Decimal(0), Decimal("0.05"), Decimal("0.10"), Decimal("0.15"),
                                           Decimal("0.20")]
    chart = build([Day(date(2026, 6, 1), Decimal("0.0958"), None)], key="k", label="l",
                  start=date(2026, 6, 1), end=date(2026, 6, 1))
    assert [t["label"] for t in chart.y_ticks] == ["0.0%", "2.5%", "5.0%", "7.5%", "10.0%"]


def test_no_threshold_draws_no_line():
    chart = build([Day(date(2026, 6, 1), Decimal("0.01"), Decimal("0.01"))], key="k", label="l",
                  start=date(2026, 6, 1), end=date(2026, 6, 1))
    assert chart.limit_y is None and chart.warn_y is None and chart.provisional_band is None


def test_the_reviewers_chart_of_a_count_rule_plots_no_rate(db):
    from cases.charts import rate_chart
    from tests.factories import MerchantFactory, raise_warning

    merchant = MerchantFactory()
    clustered = raise_warning(merchant, risk_point="clustered_complaints", product_id="p-1", value="6",
                              threshold="5", numerator=6, denominator=None)
    assert rate_chart(clustered) == ""
    rate = raise_warning(merchant, risk_point="complaint_rate")
    drawn = rate_chart(rate)
    assert 'class="pooled"' in drawn or "No daily metrics" in drawn
    assert 'class="warn-line"' in drawn and 'class="limit-line"' not in drawn  # a warning is judged on warn_at
