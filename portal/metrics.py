"""The one reader of a merchant's daily metrics (投诉率, 差评率, 商责退单率 and their counts) for the
merchant-facing code: the rates page, the API's series, the overview's pooled figures and the charts.

Every reader takes an optional `product`: then it reads that product's own days (ProductDailyMetric,
contract section 7, the same fields) instead of the merchant's, still scoped to the merchant."""
from django.db.models import Max, Q, Sum

from metrics.models import DailyMetric, ProductDailyMetric
from metrics.selectors import RATES, daily_metrics, product_daily_metrics

__all__ = ["RATES", "latest_as_of", "merchant_days", "product_known", "product_window_sums", "window_sums"]


def merchant_days(merchant_id, start, end, product=None):
    """The merchant's (or one of its products') stored days in [start, end], oldest first (one query)."""
    if merchant_id is None:
        return []
    if product:
        return list(product_daily_metrics(start=start, end=end, merchant_ids=[merchant_id], product_ids=[product]))
    return list(daily_metrics(start=start, end=end, merchant_ids=[merchant_id]).order_by("day"))


def product_known(merchant_id, product):
    """Whether the merchant has any stored day of this product: another merchant's product is unknown (one query)."""
    return bool(merchant_id and product) and ProductDailyMetric.objects.filter(
        merchant_id=merchant_id, product_id=product).exists()


def latest_as_of(merchant_id):
    """The latest day the merchant's metrics were computed as of (A), or None (one query)."""
    return DailyMetric.objects.filter(merchant_id=merchant_id).aggregate(a=Max("as_of"))["a"]


def _windows(windows):
    aggregates, overall = {}, Q()
    for name, (rate, start, end, stable_only) in windows.items():
        numerator, denominator = RATES[rate]
        in_window = Q(day__range=(start, end)) & (Q(stable=True) if stable_only else Q())
        overall |= in_window
        aggregates[f"{name}__n"] = Sum(numerator, filter=in_window)
        aggregates[f"{name}__d"] = Sum(denominator, filter=in_window)
    return aggregates, overall


def window_sums(merchant_id, windows, product=None):
    """Sums of each rate's counts over named windows, in one query (of one product when `product` is given).

    windows: {name: (rate, start, end, stable_only)}; returns {name: (numerator, denominator)}, None
    where no day of the window has a row."""
    if not windows:
        return {}
    aggregates, overall = _windows(windows)
    rows = (ProductDailyMetric.objects.filter(product_id=product) if product else DailyMetric.objects.all())
    sums = rows.filter(overall, merchant_id=merchant_id).aggregate(**aggregates)
    return {name: (sums[f"{name}__n"], sums[f"{name}__d"]) for name in windows}


def product_window_sums(merchant_id, windows, products):
    """window_sums for several products of the merchant at once: {product: {name: (numerator, denominator)}},
    one grouped query whatever the number of products."""
    if not windows or not products:
        return {}
    aggregates, overall = _windows(windows)
    rows = (ProductDailyMetric.objects.filter(overall, merchant_id=merchant_id, product_id__in=list(products))
            .values("product_id").annotate(**aggregates).order_by("product_id"))
    return {row["product_id"]: {name: (row[f"{name}__n"], row[f"{name}__d"]) for name in windows} for row in rows}
