"""The three rate rules (data contract section 5): pooled rates of the stored daily metrics.

Shared by complaint_rate, negative_review_rate and merchant_refund_rate; each of those modules
only names its numerator and denominator.
"""
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction

from metrics.cohorts import STABLE_AFTER_DAYS, exact_rate
from metrics.models import DailyMetric, Merchant, ProductDailyMetric

from ..models import RuleParameterVersion
from ..thresholds import thresholds_in_force
from .base import VIOLATION, WARNING, Finding, Rule

MICRO = 10**6  # thresholds have six decimal places: compare numerator x 10^6 >= micro-threshold x denominator


def _micro(threshold):
    scaled = threshold * MICRO
    assert scaled == scaled.to_integral_value(), f"threshold {threshold} has more than six places"
    return int(scaled)


def _per_category(values, table="m", read=None):
    """("CASE <table>.category WHEN %s THEN %s ... END", params): each category's own value (NULL for the
    others), or just the value when every category `read` has the same one."""
    if set(values) == set(read or ()) and len(set(values.values())) == 1:
        return "%s", [next(iter(values.values()))]
    when = " ".join(["WHEN %s THEN %s"] * len(values))
    return f"CASE {table}.category {when} END", [x for c in sorted(values) for x in (c, values[c])]


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
    never in floating point. Every rate rule is evaluated together (`evaluate_many`): one grouped
    query per grain (merchants, then products) reads the days once and sums each rule's numerator and
    denominator over each kind's window, with the comparisons in its HAVING.
    """

    numerator: str
    denominator: str

    @classmethod
    def evaluate_many(cls, rules, as_of):
        """The findings of these rate rules as of A, rule by rule, each as `evaluate` gives them."""
        judged = []  # (rule, kind, end, versions, product_min_orders)
        for rule in rules:
            versions = rule.threshold_versions(as_of)
            if not versions:
                continue
            parameters = rule.rule_parameters(as_of)
            default_product_min = RuleParameterVersion._meta.get_field("product_min_orders").default
            product_min_orders = {
                c: (parameters[c].product_min_orders if c in parameters else default_product_min) for c in versions
            }
            for kind, end in ((WARNING, as_of), (VIOLATION, as_of - timedelta(days=STABLE_AFTER_DAYS))):
                judged.append((rule, kind, end, versions, product_min_orders))
        found = {}
        for by_product in (False, True):
            for index, row in _sums(judged, by_product=by_product):
                found.setdefault((index, by_product), []).append(row)
        findings = {rule: [] for rule in rules}
        for index, (rule, kind, end, versions, product_min_orders) in enumerate(judged):
            for by_product in (False, True):
                findings[rule] += [
                    rule._finding(kind, end, versions, product_min_orders if by_product else None, *row)
                    for row in found.get((index, by_product), ())
                ]
        return [f for rule in rules for f in findings[rule]]

    def threshold_versions(self, as_of):
        """{category: ThresholdVersion} this rule judges with: the override (an impact preview), else the
        versions in force on `as_of` (of the overridden parameters' categories only, when they are given)."""
        if self.thresholds is not None:
            return {c: v for c, v in self.thresholds.items() if v.risk_point == self.risk_point}
        versions = {c: v for (c, _), v in thresholds_in_force(as_of, self.risk_point).items()}
        if self.parameters is not None:
            versions = {c: v for c, v in versions.items() if c in self.parameters}
        return versions

    def evaluate(self, as_of):
        return self.evaluate_many([self], as_of)

    def _finding(self, kind, end, versions, product_min_orders, merchant_id, product_id, category, numerator,
                 denominator):
        version = versions[category]
        threshold = version.warn_at if kind == WARNING else version.limit
        detail = {"category": category, "threshold_version": _describe(version)}
        if product_min_orders is not None:
            detail["product_min_orders"] = product_min_orders[category]
        return Finding(
            kind=kind, merchant_id=merchant_id, risk_point=self.risk_point, product_id=product_id,
            window_start=end - timedelta(days=version.window_days - 1), window_end=end,
            value=exact_rate(numerator, denominator), threshold=Decimal(threshold),
            threshold_version_id=version.pk, numerator=int(numerator), denominator=int(denominator), detail=detail,
        )


def _sums(judged, *, by_product):
    """[(index in `judged`, (merchant_id, product_id or "", category, numerator, denominator))] of every
    (rule, kind) of `judged` that finds something, at the merchants' or the products' grain: one statement.

    Each (rule, kind) sums its numerator and denominator over the rows in its window (each category's own
    window_days ending at its end day; only stable days for a violation); a group is found when it has rows
    in that window, a denominator >= its category's min_orders and numerator x 10^6 >= micro-threshold x
    denominator. The inner query reads the days once and computes each distinct sum once (rules sharing a
    window and a column share it); the outer one compares.
    """
    if not judged:
        return []
    adapt = connection.ops.adapt_datefield_value
    q = connection.ops.quote_name
    model = ProductDailyMetric if by_product else DailyMetric
    sums, inner_params = {}, []  # (window SQL, params, column) -> alias

    def total(window, window_params, value):
        key = (window, tuple(window_params), value)
        if key not in sums:
            sums[key] = f"s{len(sums)}"
            inner_params.extend(window_params)
        return f"g.{sums[key]}"

    conditions, selected = [], []
    categories = {c for _rule, _kind, _end, versions, _min in judged for c in versions}
    earliest = latest = None
    for rule, kind, end, versions, product_min_orders in judged:
        starts = {c: end - timedelta(days=v.window_days - 1) for c, v in versions.items()}
        earliest = min(earliest or min(starts.values()), *starts.values())
        latest = max(latest or end, end)
        start_sql, start_params = _per_category({c: adapt(d) for c, d in starts.items()}, read=categories)
        window = f"d.day BETWEEN {start_sql} AND %s" + (" AND d.stable = %s" if kind == VIOLATION else "")
        window_params = [*start_params, adapt(end), *([True] if kind == VIOLATION else [])]
        num, den, rows = (total(window, window_params, value) for value in (
            "d." + q(model._meta.get_field(rule.numerator).column),
            "d." + q(model._meta.get_field(rule.denominator).column), "1"))
        threshold_of = (lambda v: v.warn_at) if kind == WARNING else (lambda v: v.limit)
        micro_sql, micro_params = _per_category({c: _micro(threshold_of(v)) for c, v in versions.items()}, "g",
                                                categories)
        min_sql, min_params = _per_category(
            {c: (product_min_orders[c] if by_product else v.min_orders) for c, v in versions.items()}, "g", categories)
        conditions.append((f"({rows} > 0 AND {den} >= {min_sql} AND {num} * {MICRO} >= {micro_sql} * {den})",
                           [*min_params, *micro_params]))
        selected.append(f"{num}, {den}")
    flags = ", ".join(f"CASE WHEN {c} THEN 1 ELSE 0 END" for c, _ in conditions)
    flag_params = [p for _, ps in conditions for p in ps]
    product = "d.product_id" if by_product else "''"
    group = "d.merchant_id, d.product_id, m.category" if by_product else "d.merchant_id, m.category"
    category_list = sorted(categories)
    columns = ", ".join(f"SUM(CASE WHEN {window} THEN {value} ELSE 0 END) AS {alias}"
                        for (window, _, value), alias in sums.items())
    sql = f"""
        SELECT g.merchant_id, g.product_id, g.category, {", ".join(selected)}, {flags}
        FROM (
            SELECT d.merchant_id, {product} AS product_id, m.category, {columns}
            FROM {q(model._meta.db_table)} d JOIN {q(Merchant._meta.db_table)} m ON m.merchant_id = d.merchant_id
            WHERE m.category IN ({", ".join(["%s"] * len(category_list))}) AND d.day BETWEEN %s AND %s
            GROUP BY {group}
        ) g
        WHERE {" OR ".join(c for c, _ in conditions)}
        ORDER BY g.merchant_id, g.product_id
    """
    params = [*flag_params, *inner_params, *category_list, adapt(earliest), adapt(latest), *flag_params]
    found, pairs = [], len(conditions)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # As for the recompute, for this transaction only: memory for the groups to hash rather than sort
            # (the planner overestimates the product groups, and varchar sorts spill), and no JIT.
            cursor.execute("SELECT set_config('jit', 'off', true)")
            if settings.RISKCASE_RECOMPUTE_WORK_MEM:
                cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.RISKCASE_RECOMPUTE_WORK_MEM])
        cursor.execute(sql, params)
        for merchant_id, product_id, category, *values in cursor.fetchall():
            for index in range(pairs):
                if values[2 * pairs + index]:
                    numerator, denominator = values[2 * index:2 * index + 2]
                    found.append((index, (merchant_id, product_id, category, numerator, denominator)))
    return found


def _describe(version):
    return {
        "id": version.pk, "limit": str(version.limit), "warn_at": str(version.warn_at),
        "window_days": version.window_days, "min_orders": version.min_orders,
        "effective_from": version.effective_from.isoformat(),
    }
