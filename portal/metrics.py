"""The one reader of a merchant's daily metrics (投诉率, 差评率, 商责退单率 and their counts) for the
merchant-facing code: the rates page, the API's series, the overview's pooled figures and the charts."""
from django.db.models import Max, Q, Sum

from metrics.models import DailyMetric
from metrics.selectors import RATES, daily_metrics

__all__ = ["RATES", "latest_as_of", "merchant_days", "window_sums"]


def merchant_days(merchant_id, start, end):
    """The merchant's stored days in [start, end], oldest first (one query)."""
    if merchant_id is None:
        return []
    return list(daily_metrics(start=start, end=end, merchant_ids=[merchant_id]).order_by("day"))


def latest_as_of(merchant_id):
    """The latest day the merchant's metrics were computed as of (A), or None (one query)."""
    return DailyMetric.objects.filter(merchant_id=merchant_id).aggregate(a=Max("as_of"))["a"]


def window_sums(merchant_id, windows):
    """Sums of each rate's counts over named windows, in one query.

    windows: {name: (rate, start, end, stable_only)}; returns {name: (numerator, denominator)}, None
    where no day of the window has a row."""
    if not windows:
        return {}
    aggregates, overall = {}, Q()
    for name, (rate, start, end, stable_only) in windows.items():
        numerator, denominator = RATES[rate]
        in_window = Q(day__range=(start, end)) & (Q(stable=True) if stable_only else Q())
        overall |= in_window
        aggregates[f"{name}__n"] = Sum(numerator, filter=in_window)
        aggregates[f"{name}__d"] = Sum(denominator, filter=in_window)
    sums = DailyMetric.objects.filter(overall, merchant_id=merchant_id).aggregate(**aggregates)
    return {name: (sums[f"{name}__n"], sums[f"{name}__d"]) for name in windows}
