"""Read queries over the daily metrics (merchant-days and product-days), shared by the report, the rules,
the API and admin."""
from django.db.models import Sum

from .cohorts import exact_rate
from .models import DailyMetric, ProductDailyMetric

RATES = {
    # rate: (numerator, denominator)
    "complaint_rate": ("complaints", "paid_orders"),
    "negative_review_rate": ("negative_reviews", "verified_orders"),
    "merchant_refund_rate": ("merchant_refunds", "paid_orders"),
}


def daily_metrics(*, start, end, merchant_ids=None):
    """The stored merchant-days in [start, end], ordered by merchant and day."""
    rows = DailyMetric.objects.filter(day__range=(start, end))
    if merchant_ids is not None:
        rows = rows.filter(merchant_id__in=merchant_ids)
    return rows.order_by("merchant_id", "day")


def pooled_rates(*, start, end, stable=None):
    """Per merchant: the pooled counts and rates over [start, end] (sum of numerators / sum of
    denominators), optionally only over stable or provisional days. One grouped query."""
    rows = DailyMetric.objects.filter(day__range=(start, end))
    if stable is not None:
        rows = rows.filter(stable=stable)
    counts = {name for pair in RATES.values() for name in pair}
    result = {}
    for row in rows.values("merchant_id").annotate(**{c: Sum(c) for c in counts}).order_by():
        result[row["merchant_id"]] = {
            **{c: row[c] for c in counts},
            **{rate: exact_rate(row[n], row[d]) for rate, (n, d) in RATES.items()},
        }
    return result




def product_daily_metrics(*, start, end, merchant_ids=None, product_ids=None):
    """The stored product-days (data contract section 7) in [start, end], ordered by merchant, product
    and day. Each row has the five counts, the three rates (null on an empty denominator), `stable`
    and `as_of`, exactly as DailyMetric; `merchant_ids` / `product_ids` narrow it (one query)."""
    rows = ProductDailyMetric.objects.filter(day__range=(start, end))
    if merchant_ids is not None:
        rows = rows.filter(merchant_id__in=merchant_ids)
    if product_ids is not None:
        rows = rows.filter(product_id__in=product_ids)
    return rows.order_by("merchant_id", "product_id", "day")


def product_pooled_rates(*, start, end, stable=None, merchant_ids=None):
    """Per (merchant_id, product_id): the pooled counts and rates over [start, end] (sum of numerators /
    sum of denominators, exact Decimals with 6 places, None on an empty denominator), optionally only
    over stable or provisional days. One grouped query, whatever the number of products.

    The product rules read this as the merchant rules read `pooled_rates`: a warning pools the window
    ending at A (provisional days included), a violation the stable window ending at A-7; compare the
    counts (`complaints` >= limit x `paid_orders`), not the rounded rate, and apply `product_min_orders`
    to the denominator. Returns {(merchant_id, product_id): {count: int, rate: Decimal | None}}.
    """
    rows = ProductDailyMetric.objects.filter(day__range=(start, end))
    if stable is not None:
        rows = rows.filter(stable=stable)
    if merchant_ids is not None:
        rows = rows.filter(merchant_id__in=merchant_ids)
    counts = {name for pair in RATES.values() for name in pair}
    result = {}
    for row in rows.values("merchant_id", "product_id").annotate(**{c: Sum(c) for c in counts}).order_by():
        result[row["merchant_id"], row["product_id"]] = {
            **{c: row[c] for c in counts},
            **{rate: exact_rate(row[n], row[d]) for rate, (n, d) in RATES.items()},
        }
    return result
