"""The reviewers' chart of a case (admin): the merchant's daily rate and the rate pooled over the case's
window length around the window, against the case's threshold. Count rules (clustered complaints,
orders not served) are not rates, so they get no rate chart. The geometry is riskcase.lib.charts, the
same the merchants' pages draw."""
from datetime import timedelta

from django.template.loader import render_to_string

from metrics.selectors import RATES, daily_metrics
from riskcase.lib import charts

from .models import RATE_RISK_POINTS, RiskPoint, Warning

MARGIN_DAYS = 7
MAX_DAYS = 120


def rate_chart(case):
    """SVG markup of the chart, or "" for a risk point that is not a rate."""
    chart = case_chart(case)
    return "" if chart is None else render_to_string("charts/rate_chart.html", {"c": chart})


def case_chart(case, *, compact=False):
    """The chart's geometry (riskcase.lib.charts.Chart), or None for a risk point that is not a rate."""
    if case.risk_point not in RATE_RISK_POINTS:
        return None
    rate = case.risk_point
    window_days = (case.window_end - case.window_start).days + 1
    end = case.window_end + timedelta(days=MARGIN_DAYS)
    start = max(case.window_start - timedelta(days=MARGIN_DAYS), end - timedelta(days=MAX_DAYS))
    rows = list(daily_metrics(start=start - timedelta(days=window_days - 1), end=end,
                              merchant_ids=[case.merchant_id]))
    numerator, denominator = RATES[rate]
    series = charts.pooled_series(rows, numerator=numerator, denominator=denominator, rate=rate,
                                  window_days=window_days, start=start, end=end)
    line = {"warn_at": case.threshold} if isinstance(case, Warning) else {"limit": case.threshold}
    return charts.build(series, key=f"case-{case.pk}", label=str(RiskPoint(rate).label), start=start, end=end,
                        window_days=window_days, highlight=(case.window_start, case.window_end), compact=compact,
                        **line)
