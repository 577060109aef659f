"""Read queries over the daily metrics, shared by the report, the API and admin."""
from django.db.models import Sum

from .cohorts import exact_rate
from .models import DailyMetric

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


