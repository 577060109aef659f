"""The recompute's floor: the data contract's export (sections 4 and 7) in one hand-written PostgreSQL query
that reads each fact table once, with no storing. `make bench` times the recompute against it, and a test
checks that `export_metrics` equals its result row for row. Every join between fact tables is on
(merchant_id, order_id), as the recompute's, so it runs unchanged on tables distributed by merchant.

Orders (paid in the period, through the day range; or paid before it and verified in it, through the
verifications) are read once into a materialised CTE that carries their verification day; complaints,
reviews and refunds are each read once, joined to it and reduced per order; the per-order figures are then
grouped by merchant[-product]-day on the paid side and the verified side. The session runs it with JIT
compilation off, as the recompute does: on these statements it costs more than it saves.
"""
from datetime import date

SQL = """
WITH v AS MATERIALIZED (
    SELECT merchant_id, order_id, verified_day FROM metrics_orderverification
    WHERE verified_day BETWEEN %(start)s AND %(end)s
), o AS MATERIALIZED (
    SELECT o.order_id, o.merchant_id, {product_o} o.paid_day, v.verified_day, true AS in_period
    FROM metrics_order o LEFT JOIN v ON v.merchant_id = o.merchant_id AND v.order_id = o.order_id
    WHERE o.paid_day BETWEEN %(start)s AND %(end)s
    UNION ALL
    SELECT o.order_id, o.merchant_id, {product_o} o.paid_day, v.verified_day, false AS in_period
    FROM v JOIN metrics_order o ON o.merchant_id = v.merchant_id AND o.order_id = v.order_id
    WHERE o.paid_day < %(start)s
), c AS (
    SELECT c.merchant_id, c.order_id, count(*) AS n
    FROM metrics_complaint c JOIN o ON o.merchant_id = c.merchant_id AND o.order_id = c.order_id
    WHERE o.in_period AND c.filed_day BETWEEN o.paid_day AND o.paid_day + 6 AND c.filed_day <= %(as_of)s
    GROUP BY c.merchant_id, c.order_id
), r AS (
    SELECT r.merchant_id, r.order_id, count(*) AS n
    FROM metrics_review r JOIN o ON o.merchant_id = r.merchant_id AND o.order_id = r.order_id
    WHERE o.verified_day IS NOT NULL AND r.rating <= 2
      AND r.posted_day BETWEEN o.verified_day AND o.verified_day + 6 AND r.posted_day <= %(as_of)s
    GROUP BY r.merchant_id, r.order_id
), f AS (
    SELECT DISTINCT f.merchant_id, f.order_id
    FROM metrics_refund f JOIN o ON o.merchant_id = f.merchant_id AND o.order_id = f.order_id
    WHERE o.in_period AND f.responsibility = 'merchant'
      AND f.refunded_day BETWEEN o.paid_day AND o.paid_day + 6 AND f.refunded_day <= %(as_of)s
), per_order AS (
    SELECT o.merchant_id, {product_o} o.paid_day, o.verified_day, o.in_period,
           coalesce(c.n, 0) AS complaints, coalesce(r.n, 0) AS negative, f.order_id IS NOT NULL AS refunded
    FROM o LEFT JOIN c ON c.merchant_id = o.merchant_id AND c.order_id = o.order_id
    LEFT JOIN r ON r.merchant_id = o.merchant_id AND r.order_id = o.order_id
    LEFT JOIN f ON f.merchant_id = o.merchant_id AND f.order_id = o.order_id
), paid AS (
    SELECT merchant_id, {product} paid_day AS day, count(*) AS paid_orders, sum(complaints) AS complaints,
           count(*) FILTER (WHERE refunded) AS merchant_refunds
    FROM per_order WHERE in_period GROUP BY merchant_id, {product} paid_day
), verified AS (
    SELECT merchant_id, {product} verified_day AS day, count(*) AS verified_orders, sum(negative) AS negative_reviews
    FROM per_order WHERE verified_day IS NOT NULL GROUP BY merchant_id, {product} verified_day
)
SELECT * FROM (
SELECT coalesce(p.merchant_id, v.merchant_id) AS merchant_id, {product_out}
       coalesce(p.day, v.day) AS day,
       coalesce(p.paid_orders, 0), coalesce(v.verified_orders, 0), coalesce(p.complaints, 0),
       coalesce(v.negative_reviews, 0), coalesce(p.merchant_refunds, 0),
       round(p.complaints::numeric / nullif(p.paid_orders, 0), 6),
       round(v.negative_reviews::numeric / nullif(v.verified_orders, 0), 6),
       round(p.merchant_refunds::numeric / nullif(p.paid_orders, 0), 6),
       (%(as_of)s::date - coalesce(p.day, v.day)) >= 7 AS stable
FROM paid p FULL OUTER JOIN verified v
  ON v.merchant_id = p.merchant_id AND {product_join} v.day = p.day
) AS export
ORDER BY merchant_id COLLATE "C", {order}
"""


def floor_sql(by_product=False):
    """The query at the merchant-day grain or, with by_product, the product-day grain (section 7)."""
    if by_product:
        return SQL.format(product="product_id,", product_o="o.product_id,",
                          product_out="coalesce(p.product_id, v.product_id) AS product_id,",
                          product_join="v.product_id = p.product_id AND", order='product_id COLLATE "C", day')
    return SQL.format(product="", product_o="", product_out="", product_join="", order="day")


def floor_rows(cursor, *, start, end, as_of, by_product=False):
    """Run the floor query on a DB-API cursor (psycopg's or Django's); `end` is capped at `as_of` as the
    export caps it. Rows: merchant_id[, product_id], day, the five counts, the three rates, stable."""
    params = {"start": start, "end": min(end, as_of), "as_of": as_of}
    cursor.execute("SELECT set_config('jit', 'off', false)")
    cursor.execute(floor_sql(by_product), params)
    return cursor.fetchall()


def formatted(rows):
    """The floor's rows as `export_metrics` writes them (data contract section 6): text cells, booleans as
    true/false, no value as an empty cell."""
    def cell(value):
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    return [[cell(v) for v in row] for row in rows]
