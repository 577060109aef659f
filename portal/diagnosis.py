"""The risk diagnosis (风险诊断) of one merchant: read queries only, a fixed number of them.

The rates are shown as the rules judge them, as of A (the latest day the merchant's metrics were
computed as of), against the category's threshold version in force on A:
- the warning figure (预警): the rate pooled over the window_days days ending at A, provisional days
  included, against warn_at;
- the violation figure (违规): the rate pooled over the window_days stable days ending at A-7,
  against the limit.
So the status always agrees with the cases the evaluation as of A opened. Beside them: open warnings
per risk point, violations per tab, penalties in force, what needs the merchant's attention, and the
products at risk (商品): each product with an open product warning or a standing product violation, with
its own pooled figures (the same windows and lines, the category's product_min_orders). Of the penalties and the
products it shows the first DIAGNOSIS_LIST_LIMIT with their totals; the full lists have their own pages.
"""
from datetime import date, datetime, timedelta
from operator import itemgetter

from django.db.models import Count, F, Q, Value

from cases.abilities import can_appeal
from cases.models import (
    OPEN_WARNING_STATES,
    RATE_RISK_POINTS,
    RiskPoint,
    Violation,
    ViolationState,
    Warning,
    WarningState,
)
from cases.selectors import MERCHANT_TABS, new_since, tab_counts
from cases.thresholds import in_force, rule_parameter_versions_in_force
from enforcement.rule_changes import upcoming_rule_changes_plan
from metrics.cohorts import STABLE_AFTER_DAYS
from riskcase.lib.charts import pooled
from riskcase.lib.choices import display_labels
from riskcase.lib.precompiled import Pending, Precompiled, gathered, run_plans

from . import penalties
from .metrics import latest_as_of, latest_as_of_read, product_window_sums_read, window_sums, window_sums_read

MICRO = 10**6
ENDING_SOON_DAYS = 7
ATTENTION_LIMIT = 20
# The most a diagnosis shows of its two lists that grow with the merchant (the products at risk, the penalties
# in force): a summary screen, its work bounded whatever the merchant's size; each list has its own pages.
DIAGNOSIS_LIST_LIMIT = 20
ATTENTION_FIELDS = ("id", "risk_point", "product_id", "opened_at")  # what the attention shows of a case

# The diagnosis's queries, each of a fixed shape, compiled once per database connection (riskcase.lib.precompiled):
# compiling them anew cost more than running them.
_thresholds_in_force = Precompiled(lambda as_of, category: in_force(as_of).filter(category=category),
                                   as_of=date, category=str)
_rule_parameters_in_force = Precompiled(
    lambda as_of, category: rule_parameter_versions_in_force(as_of).filter(category=category), as_of=date, category=str)
_warnings_counted = Precompiled(
    lambda merchant_id: Warning.objects.filter(merchant_id=merchant_id, state__in=OPEN_WARNING_STATES)
    .values("risk_point")
    .annotate(open=Count("pk", filter=Q(state=WarningState.OPEN)),
              acknowledged=Count("pk", filter=Q(state=WarningState.ACKNOWLEDGED)))
    .order_by(),
    merchant_id=str)
_violations_counted = Precompiled(
    lambda merchant_id, now: Violation.objects.filter(merchant_id=merchant_id).values("merchant_id")
    .annotate(**tab_counts(now)).order_by(),
    merchant_id=str, now=datetime, derived={"new_since": (datetime, lambda now, **_: new_since(now))})
_RATE_POINTS = [p.value for p in RATE_RISK_POINTS]
_STANDING = Q(risk_point__in=_RATE_POINTS) & ~Q(
    state__in=[ViolationState.APPEAL_SUCCEEDED, ViolationState.WITHDRAWN])  # a rate violation not overturned


def _at_risk(merchant_id):
    """(product_id, open_warnings, standing_violations) per product and kind of case: the products with an open
    or acknowledged rate warning, then those with a standing rate violation (a product may be in both)."""
    warned = (Warning.objects.filter(merchant_id=merchant_id, state__in=OPEN_WARNING_STATES,
                                     risk_point__in=_RATE_POINTS).exclude(product_id="")
              .values("product_id").annotate(open_warnings=Count("pk"), standing_violations=Value(0)).order_by())
    violated = (Violation.objects.filter(_STANDING, merchant_id=merchant_id).exclude(product_id="")
                .values("product_id").annotate(open_warnings=Value(0), standing_violations=Count("pk")).order_by())
    return warned.union(violated, all=True)


def _ranking(limit=None):
    """How _at_risk's rows become the ranked products (a Precompiled wrap): one row per product, in product_rank's
    order, the first `limit` of them, each with the number of products in all."""
    def wrap(sql, connection):
        # Product ids compared by code point, as product_rank compares them in Python: PostgreSQL's "C" collation;
        # SQLite's default (BINARY) does so already.
        collate = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
        return ("SELECT product_id, CAST(SUM(open_warnings) AS integer) AS w, "
                "CAST(SUM(standing_violations) AS integer) AS s, COUNT(*) OVER () "
                f"FROM ({sql}) AS at_risk GROUP BY product_id ORDER BY s DESC, w DESC, product_id{collate}"
                + ("" if limit is None else f" LIMIT {int(limit)}"))
    return wrap


_ranked = Precompiled(_at_risk, merchant_id=str, wrap=_ranking())
_ranked_first = Precompiled(_at_risk, merchant_id=str, wrap=_ranking(DIAGNOSIS_LIST_LIMIT))
_appealable = Precompiled(
    lambda merchant_id, now: Violation.objects.filter(
        Q(appeal_deadline__gte=now) | Q(appeal_deadline__isnull=True),
        merchant_id=merchant_id, state=ViolationState.PENDING, appeal__isnull=True)
    .only(*ATTENTION_FIELDS, "state", "appeal_deadline")
    .order_by(F("appeal_deadline").asc(nulls_last=True), "opened_at")[:ATTENTION_LIMIT],
    merchant_id=str, now=datetime)
_unacknowledged = Precompiled(  # plain rows: nothing but these fields is read of them
    lambda merchant_id: Warning.objects.filter(merchant_id=merchant_id, state=WarningState.OPEN)
    .order_by("-opened_at").values(*ATTENTION_FIELDS)[:ATTENTION_LIMIT],
    merchant_id=str)


def _versions(category, as_of):
    """{risk point: ThresholdVersion} of the category in force on A (one query; none without A)."""
    return _versions_read(category, as_of).run()


def _versions_read(category, as_of):
    if not as_of:
        return Pending.ready({})
    return _thresholds_in_force.later(as_of=as_of, category=category).then(
        lambda found: {v.risk_point: v for v in found})


def _warning_counts_read(merchant_id):
    """[{risk_point, open, acknowledged}] for every risk point, zeros included (one query)."""
    def read(rows):
        counts = {row["risk_point"]: row for row in rows}
        return [
            {"risk_point": point.value, "risk_point_label": point.label,
             "open": counts.get(point.value, {}).get("open", 0),
             "acknowledged": counts.get(point.value, {}).get("acknowledged", 0)}
            for point in RiskPoint
        ]
    return _warnings_counted.later(merchant_id=merchant_id).then(read)


def _reaches(numerator, denominator, line):
    """Exact, as the rules compare: numerator x 10^6 >= (line x 10^6) x denominator."""
    return numerator * MICRO >= int(line * MICRO) * denominator


def _figure(sums, start, end, line, min_orders):
    numerator, denominator = sums
    if not denominator:
        status = "no_data"
    elif denominator < min_orders:
        status = "too_few_orders"
    else:
        status = "at_or_above" if _reaches(numerator, denominator, line) else "below"
    return {"value": pooled(numerator, denominator), "numerator": numerator, "denominator": denominator,
            "window_start": start, "window_end": end, "line": line, "status": status}


def _rate_windows(versions, as_of):
    windows = {}
    for rate, version in versions.items():
        days = timedelta(days=version.window_days - 1)
        stable_end = as_of - timedelta(days=STABLE_AFTER_DAYS)
        windows[f"{rate}__w"] = (rate, as_of - days, as_of, False)
        windows[f"{rate}__v"] = (rate, stable_end - days, stable_end, True)
    return windows


def _product_min_orders(category, as_of):
    return _product_min_orders_read(category, as_of).run()


def _product_min_orders_read(category, as_of):
    if not as_of:
        return Pending.ready(20)
    return _rule_parameters_in_force.later(as_of=as_of, category=category).then(
        lambda versions: versions[0].product_min_orders if versions else 20)


def _rate_labels():
    """{rate: label} of the three rates in their order, each translated once."""
    return {point.value: str(point.label) for point in RATE_RISK_POINTS}


def rate_standing(merchant_id, category, as_of, product=None, *, versions=None, sums=None, min_orders=None):
    """[{rate, warning, violation, status, ...}] for the three rates as of A (two queries); of one product
    with `product` (its own figures against the same lines, with the category's product_min_orders)."""
    if versions is None:
        versions = _versions(category, as_of)
    windows = _rate_windows(versions, as_of)
    if sums is None:
        sums = window_sums(merchant_id, windows, product=product)
    if product and min_orders is None:
        min_orders = _product_min_orders(category, as_of)
    return _standing(versions, windows, sums, as_of=as_of, min_orders=min_orders if product else None,
                     labels=_rate_labels())


def _standing(versions, windows, sums, *, as_of, min_orders, labels):
    """rate_standing's entries from the windows' sums (no query); `min_orders` None: each version's own."""
    standing = []
    for rate, label in labels.items():
        version = versions.get(rate)
        entry = {"rate": rate, "rate_label": label, "warning": None, "violation": None,
                 "warn_at": getattr(version, "warn_at", None), "limit": getattr(version, "limit", None),
                 "window_days": getattr(version, "window_days", None),
                 "min_orders": min_orders if min_orders is not None else getattr(version, "min_orders", None)}
        if as_of is None:
            entry["status"] = "no_data"
        elif version is None:
            entry["status"] = "no_threshold"
        else:
            _r, start, end, _s = windows[f"{rate}__w"]
            least = entry["min_orders"]
            entry["warning"] = _figure(sums.get(f"{rate}__w", (None, None)), start, end, version.warn_at, least)
            _r, start, end, _s = windows[f"{rate}__v"]
            entry["violation"] = _figure(sums.get(f"{rate}__v", (None, None)), start, end, version.limit, least)
            entry["status"] = _status(entry["warning"]["status"], entry["violation"]["status"])
        standing.append(entry)
    return standing


def ranked_products_at_risk(merchant_id):
    """[(product_id, open_warnings, standing_violations)] of the merchant's products with an open product warning
    or a standing product violation (a rate rule's case about the product), the most serious first (product_rank),
    all of them (the full list's pages). One query, ranked by the database; no figures."""
    return [row[:3] for row in _ranked(merchant_id=merchant_id)]


def first_products_at_risk_read(merchant_id):
    """(the first DIAGNOSIS_LIST_LIMIT rows of ranked_products_at_risk, how many rows it has): one query that reads
    those rows only, whatever the merchant's number of products."""
    return _ranked_first.later(merchant_id=merchant_id).then(
        lambda rows: ([row[:3] for row in rows], rows[0][3] if rows else 0))


def product_rank(row):
    """The order of the products at risk: standing violations, then open warnings, most first; then product id
    (by code point). The database ranks them (_ranking); this is the same order in Python, for the full list's
    cursor (a test checks that the two agree)."""
    product, open_warnings, standing_violations = row
    return -standing_violations, -open_warnings, product


def products_at_risk(merchant_id, category, as_of, ranked, versions=None):
    """[{product_id, open_warnings, standing_violations, rates}] of `ranked` (some rows of ranked_products_at_risk,
    in their order); `rates` as rate_standing gives them for the product. The figures are read for these products
    only: a fixed number of queries whatever their number (none for no product)."""
    [found] = run_plans(_products_at_risk_plan(merchant_id, category, as_of, ranked, versions))
    return found


def _products_at_risk_plan(merchant_id, category, as_of, ranked, versions=None):
    """products_at_risk's plan (riskcase.lib.precompiled.run_plans): the versions when not given, then the sums."""
    if not ranked:
        return []
    if versions is None:
        versions = yield _versions_read(category, as_of)
    found = yield _products_reads(merchant_id, category, as_of, ranked, versions)
    return _products_shown(ranked, versions, as_of, *found)


def _products_reads(merchant_id, category, as_of, ranked, versions):
    """What products_at_risk reads once the versions are known: the products' sums over the windows and the
    category's product_min_orders (nothing for no product or no A)."""
    if not ranked or not as_of:
        return Pending.ready({}), Pending.ready(20)
    windows = _rate_windows(versions, as_of)
    return (product_window_sums_read(merchant_id, windows, [product for product, _w, _v in ranked]),
            _product_min_orders_read(category, as_of))


def _products_shown(ranked, versions, as_of, sums, least):
    windows, labels = _rate_windows(versions, as_of), _rate_labels()
    return [{"product_id": product, "open_warnings": open_warnings, "standing_violations": standing_violations,
             "rates": _standing(versions, windows, sums.get(product, {}), as_of=as_of, min_orders=least,
                                labels=labels)}
            for product, open_warnings, standing_violations in ranked]


def merchant_products_at_risk(merchant, ranked):
    """products_at_risk of one page of `ranked` for `merchant` (a metrics.Merchant), as of its latest day, as
    the diagnosis shows them (the full list's pages)."""
    return products_at_risk(merchant.merchant_id, merchant.category, latest_as_of(merchant.merchant_id), ranked)


def _status(warning, violation):
    if violation == "at_or_above":
        return "over_limit"
    if warning == "at_or_above":
        return "warning"
    if "below" in (warning, violation):
        return "ok"
    return "too_few_orders" if "too_few_orders" in (warning, violation) else "no_data"


def _attention_plan(merchant_id, *, now):
    """What the merchant should act on: violations still open to appeal (with their deadline, or none yet when
    the notice has not reached them: the window starts on delivery), warnings not yet acknowledged, and
    penalties in force ending within ENDING_SOON_DAYS, soonest first, all of them (up to ATTENTION_LIMIT) whether
    or not the diagnosis's first penalties include them. A plan (riskcase.lib.precompiled.run_plans): its three
    reads at once."""
    appealable, unacknowledged, ending = yield (
        _appealable.later(merchant_id=merchant_id, now=now), _unacknowledged.later(merchant_id=merchant_id),
        penalties.penalties_ending_read(merchant_id, now=now, until=now + timedelta(days=ENDING_SOON_DAYS),
                                        limit=ATTENTION_LIMIT))
    appealable = [v for v in appealable if can_appeal(v, appeal=None, now=now)]
    points, warned = display_labels(Violation, "risk_point"), display_labels(Warning, "risk_point")
    return {
        "appeals": [{"id": v.pk, "risk_point": v.risk_point, "risk_point_label": points.get(v.risk_point, v.risk_point),
                     "product_id": v.product_id, "appeal_deadline": v.appeal_deadline} for v in appealable],
        "warnings": [{"id": w["id"], "risk_point": w["risk_point"],
                      "risk_point_label": warned.get(w["risk_point"], w["risk_point"]), "product_id": w["product_id"],
                      "opened_at": w["opened_at"]} for w in unacknowledged],
        "penalties_ending": ending,
    }


def merchant_diagnosis(merchant, *, today, now):
    """Everything the diagnosis screen shows for `merchant` (a metrics.Merchant): its reads in three round trips
    on PostgreSQL (riskcase.lib.precompiled.run_plans), whatever the merchant's size."""
    [diagnosis] = run_plans(diagnosis_plan(Pending.ready(merchant), merchant.merchant_id, today=today, now=now))
    return diagnosis


def diagnosis_plan(merchant_read, merchant_id, *, today, now):
    """merchant_diagnosis's plan, the merchant itself read by `merchant_read` (a Pending giving the
    metrics.Merchant of `merchant_id`) in the first round trip with the others."""
    figures, (shown_penalties, penalties_total), attention, warnings, violation_rows = yield from gathered(
        _figures_plan(merchant_read, merchant_id, today),
        penalties.active_penalties_plan(merchant_id, now=now, limit=DIAGNOSIS_LIST_LIMIT),
        _attention_plan(merchant_id, now=now),
        _one(_warning_counts_read(merchant_id)),
        _one(_violations_counted.later(merchant_id=merchant_id, now=now)),  # no row without a violation
    )
    merchant, as_of = figures["merchant"], figures["as_of"]
    return {
        "merchant_id": merchant_id, "name": merchant.name, "category": merchant.category,
        "today": today,
        "as_of": as_of,
        "stable_through": None if as_of is None else as_of - timedelta(days=STABLE_AFTER_DAYS),
        "provisional_from": None if as_of is None else as_of - timedelta(days=STABLE_AFTER_DAYS - 1),
        "warnings": warnings,
        "violations": {tab: sum(map(itemgetter(tab), violation_rows)) for tab in MERCHANT_TABS},
        "rates": figures["rates"],
        "products_at_risk": figures["products_at_risk"],
        "products_at_risk_total": figures["products_at_risk_total"],
        "penalties": shown_penalties,
        "penalties_total": penalties_total,
        "attention": attention,
        # Rule changes announced for the merchant's category, shown "from <date>" until they apply.
        "rule_changes": figures["rule_changes"],
    }


def _one(read):
    """A plan of one read."""
    return (yield read)


def _figures_plan(merchant_read, merchant_id, today):
    """The diagnosis's figures (riskcase.lib.precompiled.run_plans): the merchant, A and the first products at
    risk; then, of the merchant's category, the versions in force on A beside the rule changes announced; then
    the merchant's and those products' sums over the windows."""
    merchant, as_of, (first_products, products_total) = yield (
        merchant_read, latest_as_of_read(merchant_id), first_products_at_risk_read(merchant_id))
    category = merchant.category

    def figures():
        versions = yield _versions_read(category, as_of)
        windows = _rate_windows(versions, as_of)
        sums, product_sums, least = yield (window_sums_read(merchant_id, windows),
                                           *_products_reads(merchant_id, category, as_of, first_products, versions))
        return rate_standing(merchant_id, category, as_of, versions=versions, sums=sums), _products_shown(
            first_products, versions, as_of, product_sums, least)

    (rates, products), rule_changes = yield from gathered(figures(), upcoming_rule_changes_plan(category, today))
    return {"merchant": merchant, "as_of": as_of, "rates": rates, "products_at_risk": products,
            "products_at_risk_total": products_total, "rule_changes": rule_changes}
