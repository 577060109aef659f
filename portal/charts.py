"""The rates page's charts: per rate, each day's own rate and the rate pooled over the category
threshold's window (the figure the rules judge), against the warning level and the limit."""
from datetime import timedelta

from cases.models import RATE_RISK_POINTS
from riskcase.lib import charts

from .metrics import RATES, merchant_days


def rate_charts(merchant_id, *, start, end, thresholds, product=None):
    """(charts, days): one chart per rate over [start, end], and the stored days of the range.

    thresholds: {rate: ThresholdVersion}; `product`: one of the merchant's products instead. One query:
    the rows reach back far enough for the first day's pool to be whole."""
    longest = max([v.window_days for v in thresholds.values()] or [1])
    rows = merchant_days(merchant_id, start - timedelta(days=longest - 1), end, product=product)
    result = []
    for point in RATE_RISK_POINTS:
        version = thresholds.get(point.value)
        window = version.window_days if version else 1
        numerator, denominator = RATES[point.value]
        series = charts.pooled_series(rows, numerator=numerator, denominator=denominator, rate=point.value,
                                      window_days=window, start=start, end=end)
        result.append(charts.build(
            series, key=point.value, label=point.label, start=start, end=end,
            warn_at=getattr(version, "warn_at", None), limit=getattr(version, "limit", None),
            window_days=getattr(version, "window_days", None), compact=True))
    return result, [r for r in rows if r.day >= start]
