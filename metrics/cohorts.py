"""The cohort metrics of data contract sections 3 and 7, as one set-based SQL statement.

For merchant m and day D, with W(D) = [D, D+6]: complaints on orders paid on D filed in W(D),
negative reviews on orders verified on D posted in W(D), and distinct orders paid on D with a
merchant-responsibility refund in W(D). Facts after the as-of day are ignored. The same statement,
grouped by (merchant, product, day) instead of (merchant, day), gives the product-day metrics of
section 7. The same SQL runs on PostgreSQL and SQLite; the few dialect differences live in `_Dialect`.
"""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.db import connection

from .models import Complaint, DailyMetric, Order, OrderVerification, ProductDailyMetric, Refund, Review

WINDOW_DAYS = 7  # W(D) = [D, D+6]
STABLE_AFTER_DAYS = 7  # day D is stable as of A when A - D >= 7
RATE_PLACES = Decimal("0.000001")
COUNT_COLUMNS = ("paid_orders", "verified_orders", "complaints", "negative_reviews", "merchant_refunds")


class Grain:
    """What a cohort row is keyed by: a merchant-day (section 3) or a product-day (section 7)."""

    MERCHANT = "merchant"
    PRODUCT = "product"

    @staticmethod
    def keys(grain):
        return ("merchant_id", "product_id") if grain == Grain.PRODUCT else ("merchant_id",)


class _Dialect:
    def __init__(self, vendor):
        self.vendor = vendor

    def plus_days(self, column, days):
        if self.vendor == "postgresql":
            return f"({column} + {int(days)})"
        return f"date({column}, '+{int(days)} days')"

    def binary(self, column):
        """Sort by code point, whatever the database collation, so exports are byte-stable."""
        return f'{column} COLLATE "C"' if self.vendor == "postgresql" else column

    def ratio(self, numerator, denominator):
        cast = "numeric" if self.vendor == "postgresql" else "REAL"
        return f"ROUND(CAST({numerator} AS {cast}) / NULLIF({denominator}, 0), 6)"


@dataclass(frozen=True)
class MerchantRange:
    """A shard of merchants: ids greater than `after` and up to `through`; None is unbounded."""

    after: str | None = None
    through: str | None = None

    def sql(self, column):
        parts, params = [], []
        if self.after is not None:
            parts.append(f"{column} > %s")
            params.append(self.after)
        if self.through is not None:
            parts.append(f"{column} <= %s")
            params.append(self.through)
        return (" AND ".join(parts) or "1 = 1"), params


def _tables():
    q = connection.ops.quote_name
    return {
        "orders": q(Order._meta.db_table),
        "verifications": q(OrderVerification._meta.db_table),
        "reviews": q(Review._meta.db_table),
        "complaints": q(Complaint._meta.db_table),
        "refunds": q(Refund._meta.db_table),
    }


def cohort_counts_sql(*, as_of, start, end, shard=MerchantRange(), grain=Grain.MERCHANT):
    """SQL and params selecting (merchant_id[, product_id], day, the five counts) for days
    [start, min(end, as_of)], one row per merchant-day or, with grain=Grain.PRODUCT, product-day."""
    d = _Dialect(connection.vendor)
    t = _tables()
    adapt = connection.ops.adapt_datefield_value
    end = min(end, as_of)
    shard_sql, shard_params = shard.sql("o.merchant_id")
    # Every fact reaches its merchant (and product) through its order, so the grain is just the key.
    key = "o.merchant_id, o.product_id" if grain == Grain.PRODUCT else "o.merchant_id"
    outer_key = ", ".join(Grain.keys(grain))
    # Every CTE repeats its own range and shard filter, so each is bounded by an index range scan.
    period = [adapt(start), adapt(end)]
    cutoff = [adapt(as_of)]
    sql = f"""
    WITH paid AS (
        SELECT {key}, o.paid_day AS day, COUNT(*) AS n
        FROM {t['orders']} o
        WHERE o.paid_day BETWEEN %s AND %s AND {shard_sql}
        GROUP BY {key}, o.paid_day
    ), verified AS (
        SELECT {key}, v.verified_day AS day, COUNT(*) AS n
        FROM {t['verifications']} v
        JOIN {t['orders']} o ON o.merchant_id = v.merchant_id AND o.order_id = v.order_id
        WHERE v.verified_day BETWEEN %s AND %s AND o.paid_day <= %s AND {shard_sql}
        GROUP BY {key}, v.verified_day
    ), complained AS (
        SELECT {key}, o.paid_day AS day, COUNT(*) AS n
        FROM {t['complaints']} c
        JOIN {t['orders']} o ON o.merchant_id = c.merchant_id AND o.order_id = c.order_id
        WHERE o.paid_day BETWEEN %s AND %s AND {shard_sql}
          AND c.filed_day >= o.paid_day AND c.filed_day <= {d.plus_days('o.paid_day', WINDOW_DAYS - 1)}
          AND c.filed_day <= %s
        GROUP BY {key}, o.paid_day
    ), negative AS (
        SELECT {key}, v.verified_day AS day, COUNT(*) AS n
        FROM {t['reviews']} r
        JOIN {t['verifications']} v ON v.merchant_id = r.merchant_id AND v.order_id = r.order_id
        JOIN {t['orders']} o ON o.merchant_id = r.merchant_id AND o.order_id = r.order_id
        WHERE v.verified_day BETWEEN %s AND %s AND o.paid_day <= %s AND {shard_sql}
          AND r.rating <= %s
          AND r.posted_day >= v.verified_day
          AND r.posted_day <= {d.plus_days('v.verified_day', WINDOW_DAYS - 1)}
          AND r.posted_day <= %s
        GROUP BY {key}, v.verified_day
    ), refunded AS (
        SELECT {key}, o.paid_day AS day, COUNT(DISTINCT o.order_id) AS n
        FROM {t['refunds']} f
        JOIN {t['orders']} o ON o.merchant_id = f.merchant_id AND o.order_id = f.order_id
        WHERE o.paid_day BETWEEN %s AND %s AND {shard_sql}
          AND f.responsibility = %s
          AND f.refunded_day >= o.paid_day
          AND f.refunded_day <= {d.plus_days('o.paid_day', WINDOW_DAYS - 1)}
          AND f.refunded_day <= %s
        GROUP BY {key}, o.paid_day
    )
    SELECT {outer_key}, day,
           SUM(paid_orders) AS paid_orders, SUM(verified_orders) AS verified_orders,
           SUM(complaints) AS complaints, SUM(negative_reviews) AS negative_reviews,
           SUM(merchant_refunds) AS merchant_refunds
    FROM (
        SELECT {outer_key}, day, n AS paid_orders, 0 AS verified_orders, 0 AS complaints,
               0 AS negative_reviews, 0 AS merchant_refunds FROM paid
        UNION ALL SELECT {outer_key}, day, 0, n, 0, 0, 0 FROM verified
        UNION ALL SELECT {outer_key}, day, 0, 0, n, 0, 0 FROM complained
        UNION ALL SELECT {outer_key}, day, 0, 0, 0, n, 0 FROM negative
        UNION ALL SELECT {outer_key}, day, 0, 0, 0, 0, n FROM refunded
    ) AS facts
    GROUP BY {outer_key}, day
    """
    params = (
        period + shard_params
        + period + cutoff + shard_params
        + period + shard_params + cutoff
        + period + cutoff + shard_params + [Review.NEGATIVE_MAX_RATING] + cutoff
        + period + shard_params + ["merchant"] + cutoff
    )
    return sql, params


def _upsert_sql(table, keys, source_sql, d):
    """INSERT ... SELECT of the counts in `source_sql` with their rates; the upsert makes a duplicated or
    retried run over the same shard converge on the same rows instead of failing."""
    columns = ", ".join(COUNT_COLUMNS)
    key_list = ", ".join(keys)
    return f"""
        INSERT INTO {table} ({key_list}, day, {columns},
            complaint_rate, negative_review_rate, merchant_refund_rate, stable, as_of)
        SELECT {key_list}, day, {columns},
            {d.ratio('complaints', 'paid_orders')},
            {d.ratio('negative_reviews', 'verified_orders')},
            {d.ratio('merchant_refunds', 'paid_orders')},
            (day <= %s), %s
        FROM ({source_sql}) AS counts
        WHERE 1 = 1
        ON CONFLICT ({key_list}, day) DO UPDATE SET
            {", ".join(f"{c} = excluded.{c}" for c in COUNT_COLUMNS)},
            complaint_rate = excluded.complaint_rate,
            negative_review_rate = excluded.negative_review_rate,
            merchant_refund_rate = excluded.merchant_refund_rate,
            stable = excluded.stable, as_of = excluded.as_of
        """


def _merge_sql(table, keys, source, d):
    """MERGE (PostgreSQL) of the counts in `source` (a table or a parenthesised query) with their rates into
    `table` for the stored days from `first` to `last`: matching rows are updated, the others inserted. Named
    params: first, last, stable (the last stable day) and as_of."""
    values = [*(f"k.{c}" for c in COUNT_COLUMNS), d.ratio("k.complaints", "k.paid_orders"),
              d.ratio("k.negative_reviews", "k.verified_orders"), d.ratio("k.merchant_refunds", "k.paid_orders"),
              "(k.day <= %(stable)s)", "%(as_of)s"]
    columns = [*COUNT_COLUMNS, "complaint_rate", "negative_review_rate", "merchant_refund_rate", "stable", "as_of"]
    match = " AND ".join(f"t.{k} = k.{k}" for k in (*keys, "day"))
    return f"""
        MERGE INTO {table} t USING {source} k
        ON {match} AND t.day BETWEEN %(first)s AND %(last)s
        WHEN MATCHED THEN UPDATE SET {", ".join(f"{c} = {v}" for c, v in zip(columns, values, strict=True))}
        WHEN NOT MATCHED THEN INSERT ({", ".join(keys)}, day, {", ".join(columns)})
            VALUES ({", ".join(f"k.{k}" for k in keys)}, k.day, {", ".join(values)})
        """


_STAGING = "recompute_product_days"  # the temporary table of one run's product-days (PostgreSQL)

# Advisory lock keys of the metrics recompute (PostgreSQL): one for all merchants, one space for each shard.
_LOCK_ALL_SHARDS = 0x52434D45  # "RCME"
_LOCK_ONE_SHARD = 0x52434D53  # "RCMS"


def store_daily_metrics(*, as_of, start, end, shard=MerchantRange()):
    """Replace the stored product-day and merchant-day metrics of `shard` for days [start, end] with a
    computation as of A.

    The fact tables are read once, by the cohort statement at the product grain; the merchant-days are the
    sums of those product-days (every order has one product, so they equal the section 3 statement's by
    construction). On PostgreSQL the product-days are grouped into a temporary table, then MERGEd into the
    stored product-days and, summed, into the merchant-days, so rows that stay are updated in place rather
    than deleted and inserted again; stored rows of the range it did not produce (days whose facts are gone,
    days after A) are deleted. Elsewhere (SQLite) a DELETE and an INSERT ... SELECT per
    table. All in the caller's transaction. Returns the number of merchant-days written.
    """
    d = _Dialect(connection.vendor)
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datefield_value
    products = q(ProductDailyMetric._meta.db_table)
    merchants = q(DailyMetric._meta.db_table)
    counts_sql, counts_params = cohort_counts_sql(
        as_of=as_of, start=start, end=end, shard=shard, grain=Grain.PRODUCT
    )
    stable_until = as_of - timedelta(days=STABLE_AFTER_DAYS)
    row_params = [adapt(stable_until), adapt(as_of)]
    # Rows after A describe facts A ignores (left by a run as of a later day): a run up to A drops them.
    delete_range = [adapt(start), adapt(date.max if end >= as_of else end)]
    sums = ", ".join(f"SUM({c}) AS {c}" for c in COUNT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            shard_sql, shard_params = shard.sql("merchant_id")
            for table in (products, merchants):
                cursor.execute(f"DELETE FROM {table} WHERE day BETWEEN %s AND %s AND {shard_sql}",
                               [*delete_range, *shard_params])
            cursor.execute(_upsert_sql(products, Grain.keys(Grain.PRODUCT), counts_sql, d),
                           [*row_params, *counts_params])
            merchant_counts_sql = (f"SELECT merchant_id, day, {sums} FROM {products} "
                                   f"WHERE day BETWEEN %s AND %s AND {shard_sql} GROUP BY merchant_id, day")
            cursor.execute(_upsert_sql(merchants, Grain.keys(Grain.MERCHANT), merchant_counts_sql, d),
                           [*row_params, adapt(start), adapt(min(end, as_of)), *shard_params])
            return cursor.rowcount
        # For this transaction only (never the web's queries): enough memory for the grouped CTEs to hash
        # rather than sort (varchar sorts are slow), and no JIT compilation, which the planner's large
        # estimates for these CTEs would buy at a cost of about a second and never earn back.
        cursor.execute("SELECT set_config('jit', 'off', true)")
        # Two runs of one shard at once (a retried task beside its first try) would take the rows' locks
        # in different orders and deadlock: runs of the same shard wait for each other, a run of every
        # merchant waits for (and holds off) every shard, runs of different shards go side by side.
        whole = shard.after is None and shard.through is None
        cursor.execute(f"SELECT {'pg_advisory_xact_lock' if whole else 'pg_advisory_xact_lock_shared'}(%s)",
                       [_LOCK_ALL_SHARDS])
        if not whole:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                           [_LOCK_ONE_SHARD, f"{shard.after}:{shard.through}"])
        if settings.RISKCASE_RECOMPUTE_WORK_MEM:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.RISKCASE_RECOMPUTE_WORK_MEM])
        # The grouped product-days go to a temporary table first: CREATE TABLE AS may read the facts with
        # parallel workers, which no statement that writes to a real table may.
        cursor.execute(f"DROP TABLE IF EXISTS {_STAGING}")
        cursor.execute(f"CREATE TEMPORARY TABLE {_STAGING} ON COMMIT DROP AS {counts_sql}", counts_params)
        product_days = cursor.rowcount
        # Rows the computation produces are updated in place by MERGE (a join: cheaper than an upsert's probe
        # and lock per row, and with fillfactor 50 a heap-only update), new ones inserted. The advisory locks
        # above keep two runs of one shard from merging at once.
        merge_params = {"first": adapt(start), "last": adapt(min(end, as_of)), "stable": adapt(stable_until),
                        "as_of": adapt(as_of)}
        cursor.execute(_merge_sql(products, Grain.keys(Grain.PRODUCT), _STAGING, d), merge_params)
        merchant_days = f"(SELECT merchant_id, day, {sums} FROM {_STAGING} GROUP BY merchant_id, day)"
        cursor.execute(_merge_sql(merchants, Grain.keys(Grain.MERCHANT), merchant_days, d), merge_params)
        written = cursor.rowcount
        # Stored rows of the range that the computation no longer produces (their facts are gone, or they are
        # after A) go. Usually there are none: the range then holds exactly the rows just merged, which a
        # count tells without the anti-join.
        shard_sql, shard_params = shard.sql("t.merchant_id")
        in_range = f"t.day BETWEEN %s AND %s AND {shard_sql}"
        cursor.execute(f"SELECT (SELECT COUNT(*) FROM {products} t WHERE {in_range}), "
                       f"(SELECT COUNT(*) FROM {merchants} t WHERE {in_range})",
                       [*delete_range, *shard_params, *delete_range, *shard_params])
        if cursor.fetchone() != (product_days, written):
            gone = (f"DELETE FROM {{table}} t WHERE {in_range} AND NOT EXISTS "
                    f"(SELECT 1 FROM {_STAGING} k WHERE {{match}} AND k.day = t.day)")
            cursor.execute(
                f"WITH gone_products AS ("
                f"{gone.format(table=products, match='k.merchant_id = t.merchant_id AND k.product_id = t.product_id')}) "
                f"{gone.format(table=merchants, match='k.merchant_id = t.merchant_id')}",
                [*delete_range, *shard_params, *delete_range, *shard_params],
            )
        return written


def exact_rate(numerator, denominator):
    """A rate as an exact Decimal with 6 places (half even), or None on an empty denominator."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class CohortRow:
    merchant_id: str
    day: date
    paid_orders: int
    verified_orders: int
    complaints: int
    negative_reviews: int
    merchant_refunds: int
    stable: bool
    product_id: str | None = None  # set on product-day rows (section 7)

    @property
    def complaint_rate(self):
        return exact_rate(self.complaints, self.paid_orders)

    @property
    def negative_review_rate(self):
        return exact_rate(self.negative_reviews, self.verified_orders)

    @property
    def merchant_refund_rate(self):
        return exact_rate(self.merchant_refunds, self.paid_orders)


def iter_cohort_rows(*, as_of, start, end, grain=Grain.MERCHANT, chunk_size=5000):
    """Compute (without storing) the metrics as of A, sorted by merchant[, product] and day, streamed."""
    d = _Dialect(connection.vendor)
    sql, params = cohort_counts_sql(as_of=as_of, start=start, end=end, grain=grain)
    stable_until = as_of - timedelta(days=STABLE_AFTER_DAYS)
    keys = Grain.keys(grain)
    order = ", ".join(d.binary(k) for k in keys)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) AS counts ORDER BY {order}, day", params)
        while rows := cursor.fetchmany(chunk_size):
            for row in rows:
                merchant_id = row[0]
                product_id = row[1] if len(keys) == 2 else None
                day, *counts = row[len(keys):]
                if isinstance(day, str):  # SQLite returns raw dates from a raw query
                    day = date.fromisoformat(day)
                yield CohortRow(merchant_id, day, *(int(c) for c in counts), stable=day <= stable_until,
                                product_id=product_id)
