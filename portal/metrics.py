"""The one reader of a merchant's daily metrics (投诉率, 差评率, 商责退单率 and their counts) for the
merchant-facing code: the rates page, the API's series, the overview's pooled figures and the charts.

Every reader takes an optional `product`: then it reads that product's own days (ProductDailyMetric,
contract section 7, the same fields) instead of the merchant's, still scoped to the merchant."""
from datetime import date

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Max

from metrics.models import DailyMetric, ProductDailyMetric
from metrics.selectors import RATES, daily_metrics, product_daily_metrics
from riskcase.lib.precompiled import Pending, Precompiled

__all__ = ["RATES", "latest_as_of", "latest_as_of_read", "merchant_days", "product_known",
           "product_window_sums_read", "window_sums", "window_sums_read"]


# The series' reads, compiled once per connection (riskcase.lib.precompiled): compiling them anew cost a fifth of
# a metrics/ request.
_merchant_days = Precompiled(
    lambda merchant_id, start, end: daily_metrics(start=start, end=end, merchant_ids=[merchant_id]).order_by("day"),
    merchant_id=str, start=date, end=date)
_product_days = Precompiled(
    lambda merchant_id, product, start, end: product_daily_metrics(start=start, end=end, merchant_ids=[merchant_id],
                                                                   product_ids=[product]),
    merchant_id=str, product=str, start=date, end=date)


def merchant_days(merchant_id, start, end, product=None):
    """The merchant's (or one of its products') stored days in [start, end], oldest first (one query)."""
    if merchant_id is None:
        return []
    if product:
        return _product_days(merchant_id=merchant_id, product=product, start=start, end=end)
    return _merchant_days(merchant_id=merchant_id, start=start, end=end)


def product_known(merchant_id, product):
    """Whether the merchant has any stored day of this product: another merchant's product is unknown (one query)."""
    return bool(merchant_id and product) and ProductDailyMetric.objects.filter(
        merchant_id=merchant_id, product_id=product).exists()


# MAX(as_of) of the merchant's rows, grouped by the merchant: its one row, or none (an aggregate() is no QuerySet).
_latest_as_of = Precompiled(
    lambda merchant_id: DailyMetric.objects.filter(merchant_id=merchant_id).values("merchant_id")
    .annotate(a=Max("as_of")).order_by().values_list("a", flat=True),
    merchant_id=str)


def latest_as_of_read(merchant_id):
    """latest_as_of's read, not yet run (riskcase.lib.precompiled.Pending)."""
    return _latest_as_of.later(merchant_id=merchant_id).then(lambda found: found[0] if found else None)


def latest_as_of(merchant_id):
    """The latest day the merchant's metrics were computed as of (A), or None (one query)."""
    return latest_as_of_read(merchant_id).run()


def _window_sums_sql(model, windows, *, merchant_id, products=None):
    """(SQL, params) summing each named window's numerator and denominator over `model`'s rows of the merchant,
    grouped by product when `products` are given: plain SQL (SUM(CASE ...), PostgreSQL and SQLite alike), as
    Django spent milliseconds of every diagnosis resolving its dozen filtered aggregates. Columns: the product
    (grouped), then for each window in order its numerator's sum and its denominator's (NULL: no row)."""
    quote, adapt = connection.ops.quote_name, connection.ops.adapt_datefield_value

    def column(name):
        return quote(model._meta.get_field(name).column)

    terms, term_params, scopes, scope_params = [], [], [], []
    for rate, start, end, stable_only in windows.values():
        scope = f"{column('day')} BETWEEN %s AND %s" + (f" AND {column('stable')} = %s" if stable_only else "")
        params = [adapt(start), adapt(end), *([True] if stable_only else [])]
        for counted in RATES[rate]:
            terms.append(f"SUM(CASE WHEN {scope} THEN {column(counted)} END)")
            term_params += params
        scopes.append(f"({scope})")
        scope_params += params
    where, where_params = f"{column('merchant')} = %s", [merchant_id]
    if products is not None:
        where += f" AND {column('product_id')} IN ({', '.join(['%s'] * len(products))})"
        where_params += list(products)
        terms.insert(0, column("product_id"))
    sql = f"SELECT {', '.join(terms)} FROM {quote(model._meta.db_table)} WHERE {where} AND ({' OR '.join(scopes)})"
    if products is not None:
        sql += f" GROUP BY {column('product_id')} ORDER BY {column('product_id')}"
    return sql, [*term_params, *where_params, *scope_params]


def _named(windows, sums):
    """{name: (numerator, denominator)} from a row of _window_sums_sql's sums."""
    return {name: (sums[2 * i], sums[2 * i + 1]) for i, name in enumerate(windows)}


def window_sums_read(merchant_id, windows, product=None):
    """window_sums's read, not yet run (riskcase.lib.precompiled.Pending)."""
    if not windows:
        return Pending.ready({})
    model = ProductDailyMetric if product else DailyMetric
    sql, params = _window_sums_sql(model, windows, merchant_id=merchant_id, products=[product] if product else None)

    def read(rows):
        row = rows[0] if rows else None
        if product:
            row = row[1:] if row else [None] * (2 * len(windows))
        return _named(windows, row)
    return Pending(connections[DEFAULT_DB_ALIAS], sql, params, read)


def window_sums(merchant_id, windows, product=None):
    """Sums of each rate's counts over named windows, in one query (of one product when `product` is given).

    windows: {name: (rate, start, end, stable_only)}; returns {name: (numerator, denominator)}, None
    where no day of the window has a row."""
    return window_sums_read(merchant_id, windows, product).run()


def product_window_sums_read(merchant_id, windows, products):
    """window_sums for several products of the merchant at once, a read not yet run (riskcase.lib.precompiled.
    Pending): {product: {name: (numerator, denominator)}}, one grouped query whatever the number of products."""
    if not windows or not products:
        return Pending.ready({})
    sql, params = _window_sums_sql(ProductDailyMetric, windows, merchant_id=merchant_id, products=list(products))
    return Pending(connections[DEFAULT_DB_ALIAS], sql, params, lambda rows: {row[0]: _named(windows, row[1:]) for row in rows})

