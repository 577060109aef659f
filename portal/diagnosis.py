"""The risk diagnosis (风险诊断) of one merchant: read queries only, a fixed number of them.

- warnings still open or acknowledged, counted per risk point (风险点);
- violations counted per merchant tab (cases.selectors.merchant_tab_counts);
- per rate, the latest stable value against the category's threshold in force today: the rate
  pooled over the threshold's window (window_days) of stable days ending at the merchant's latest
  stable day, the same pooling the violation rule judges;
- the merchant's penalties in force (portal.penalties, read from the enforcement app).
"""
from datetime import timedelta

from django.db.models import Count, Max, Q, Sum

from cases.models import OPEN_WARNING_STATES, RATE_RISK_POINTS, RiskPoint, Warning, WarningState
from cases.selectors import merchant_tab_counts
from cases.thresholds import in_force
from metrics.cohorts import exact_rate
from metrics.models import DailyMetric
from metrics.selectors import RATES

from . import penalties

MICRO = 10**6


def warning_counts(merchant_id):
    """[{risk_point, open, acknowledged}] for every risk point, zeros included (one query)."""
    rows = (
        Warning.objects.filter(merchant_id=merchant_id, state__in=OPEN_WARNING_STATES)
        .values("risk_point")
        .annotate(open=Count("pk", filter=Q(state=WarningState.OPEN)),
                  acknowledged=Count("pk", filter=Q(state=WarningState.ACKNOWLEDGED)))
        .order_by()
    )
    counts = {r["risk_point"]: r for r in rows}
    return [
        {"risk_point": point.value, "risk_point_label": point.label,
         "open": counts.get(point.value, {}).get("open", 0),
         "acknowledged": counts.get(point.value, {}).get("acknowledged", 0)}
        for point in RiskPoint
    ]


def _status(numerator, denominator, version):
    if version is None:
        return "no_threshold"
    if denominator is None:
        return "no_data"
    if denominator < version.min_orders:
        return "too_few_orders"
    # Exact, as the rules compare: numerator x 10^6 >= (threshold x 10^6) x denominator.
    scaled = numerator * MICRO
    if scaled >= int(version.limit * MICRO) * denominator:
        return "over_limit"
    if scaled >= int(version.warn_at * MICRO) * denominator:
        return "warning"
    return "ok"


def rate_standing(merchant_id, category, today):
    """[{rate, value, ..., warn_at, limit, status}] for the three rates (three queries)."""
    versions = {v.risk_point: v for v in in_force(today).filter(category=category)}
    latest = DailyMetric.objects.filter(merchant_id=merchant_id, stable=True).aggregate(day=Max("day"))["day"]
    windows = {
        point.value: (latest - timedelta(days=versions[point.value].window_days - 1) if point.value in versions
                      else latest, latest)
        for point in RATE_RISK_POINTS
    } if latest else {}
    sums = {}
    if latest:
        earliest = min(start for start, _ in windows.values())
        aggregates = {}
        for rate, (start, end) in windows.items():
            numerator, denominator = RATES[rate]
            in_window = Q(day__range=(start, end))
            aggregates[f"{rate}__n"] = Sum(numerator, filter=in_window)
            aggregates[f"{rate}__d"] = Sum(denominator, filter=in_window)
        sums = DailyMetric.objects.filter(
            merchant_id=merchant_id, stable=True, day__range=(earliest, latest)).aggregate(**aggregates)
    standing = []
    for point in RATE_RISK_POINTS:
        rate, version = point.value, versions.get(point.value)
        numerator, denominator = sums.get(f"{rate}__n"), sums.get(f"{rate}__d")
        start, end = windows.get(rate, (None, None))
        standing.append({
            "rate": rate, "rate_label": point.label,
            "value": exact_rate(numerator, denominator) if denominator else None,
            "numerator": numerator, "denominator": denominator, "window_start": start, "window_end": end,
            "warn_at": None if version is None else version.warn_at,
            "limit": None if version is None else version.limit,
            "window_days": None if version is None else version.window_days,
            "min_orders": None if version is None else version.min_orders,
            "status": _status(numerator, denominator, version) if latest else "no_data",
        })
    return standing


def merchant_diagnosis(merchant, *, today, now):
    """Everything the diagnosis screen shows for `merchant` (a metrics.Merchant)."""
    return {
        "merchant_id": merchant.merchant_id, "name": merchant.name, "category": merchant.category,
        "as_of": today,
        "warnings": warning_counts(merchant.merchant_id),
        "violations": merchant_tab_counts(merchant_id=merchant.merchant_id, now=now),
        "rates": rate_standing(merchant.merchant_id, merchant.category, today),
        "penalties": penalties.active_penalties(merchant.merchant_id, now=now),
    }
