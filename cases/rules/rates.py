"""The three rate rules (data contract section 5): pooled rates of the stored daily metrics.

Shared by complaint_rate, negative_review_rate and merchant_refund_rate; each of those modules
only names its numerator and denominator.
"""
from datetime import timedelta
from decimal import Decimal

from django.db.models import Case, F, IntegerField, Q, Sum, Value, When

from metrics.cohorts import STABLE_AFTER_DAYS, exact_rate
from metrics.models import DailyMetric, ProductDailyMetric

from ..models import RuleParameterVersion
from ..thresholds import thresholds_in_force
from .base import VIOLATION, WARNING, Finding, Rule

MICRO = 10**6  # thresholds have six decimal places: compare numerator x 10^6 >= micro-threshold x denominator


def _micro(threshold):
    scaled = threshold * MICRO
    assert scaled == scaled.to_integral_value(), f"threshold {threshold} has more than six places"
    return int(scaled)


def _per_category(versions, value_of, output_field=None):
    """A CASE on the merchant's category giving each category's own number."""
    return Case(
        *(When(merchant__category=c, then=Value(value_of(v))) for c, v in versions.items()),
        default=Value(None),
        output_field=output_field or IntegerField(),
    )


class RateRule(Rule):
    """A pooled rate over the threshold's window against the version in force on A.

    - warning: the window_days days ending at A, provisional days included, rate >= warn_at;
    - violation: the window_days days ending at A-7 (all stable as of A), rate >= limit;
    - either only when the pooled denominator >= min_orders.

    It reads the DailyMetric rows as stored, i.e. as last recomputed: the pipeline (and
    `manage.py recompute`) runs the rules right after recomputing the metrics as of A, so the
    rows are the computation as of A. Days before the recomputed range keep the numbers of the
    run that last wrote them (they are stable, so those numbers cannot change).

    The comparison is exact: numerator x 10^6 >= (threshold x 10^6) x denominator in integers,
    all in one grouped query over every merchant (HAVING), never in floating point.
    """

    numerator: str
    denominator: str

    def evaluate(self, as_of):
        if self.thresholds is not None:
            versions = {c: v for c, v in self.thresholds.items() if v.risk_point == self.risk_point}
        else:
            versions = {c: v for (c, _), v in thresholds_in_force(as_of, self.risk_point).items()}
            if self.parameters is not None:
                versions = {c: v for c, v in versions.items() if c in self.parameters}
        if not versions:
            return []
        default_product_min = RuleParameterVersion._meta.get_field("product_min_orders").default
        parameters = self.rule_parameters(as_of)
        product_min_orders = {
            c: (parameters[c].product_min_orders if c in parameters else default_product_min) for c in versions
        }
        findings = []
        for kind, end in ((WARNING, as_of), (VIOLATION, as_of - timedelta(days=STABLE_AFTER_DAYS))):
            findings += self._findings(versions, kind=kind, end=end)
            findings += self._findings(versions, kind=kind, end=end, product_min_orders=product_min_orders)
        return findings

    def _findings(self, versions, *, kind, end, product_min_orders=None):
        """The findings of one kind: of merchants, or of products when `product_min_orders` is given."""
        by_product = product_min_orders is not None
        threshold_of = (lambda v: v.warn_at) if kind == WARNING else (lambda v: v.limit)
        categories_by_window = {}
        for category, version in versions.items():
            categories_by_window.setdefault(version.window_days, []).append(category)
        in_window = Q()
        for window_days, categories in sorted(categories_by_window.items()):
            start = end - timedelta(days=window_days - 1)
            in_window |= Q(merchant__category__in=categories, day__range=(start, end))
        metrics = (ProductDailyMetric if by_product else DailyMetric).objects.filter(in_window)
        if kind == VIOLATION:
            metrics = metrics.filter(stable=True)
        group = ("merchant_id", "product_id") if by_product else ("merchant_id",)
        if by_product:
            min_orders = _per_category({c: product_min_orders[c] for c in versions}, lambda n: n)
        else:
            min_orders = _per_category(versions, lambda v: v.min_orders)
        rows = (
            metrics.values(*group, "merchant__category")
            .annotate(
                num=Sum(self.numerator),
                den=Sum(self.denominator),
                micro_threshold=_per_category(versions, lambda v: _micro(threshold_of(v))),
                min_orders=min_orders,
            )
            .alias(scaled_num=F("num") * MICRO, scaled_threshold=F("micro_threshold") * F("den"))
            .filter(den__gte=F("min_orders"), scaled_num__gte=F("scaled_threshold"))
            .order_by(*group)
            .values_list(*group, "merchant__category", "num", "den")
        )
        findings = []
        for row in rows:
            merchant_id, product_id = row[0], (row[1] if by_product else "")
            category, numerator, denominator = row[-3:]
            detail = {"category": category, "threshold_version": _describe(version := versions[category])}
            if by_product:
                detail["product_min_orders"] = product_min_orders[category]
            start = end - timedelta(days=version.window_days - 1)
            findings.append(Finding(
                kind=kind, merchant_id=merchant_id, risk_point=self.risk_point, product_id=product_id,
                window_start=start, window_end=end,
                value=exact_rate(numerator, denominator), threshold=Decimal(threshold_of(version)),
                threshold_version_id=version.pk, numerator=int(numerator), denominator=int(denominator),
                detail=detail,
            ))
        return findings


def _describe(version):
    return {
        "id": version.pk, "limit": str(version.limit), "warn_at": str(version.warn_at),
        "window_days": version.window_days, "min_orders": version.min_orders,
        "effective_from": version.effective_from.isoformat(),
    }
