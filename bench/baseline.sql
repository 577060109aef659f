-- Hand-written baseline: the section 4 export in one query, written directly for PostgreSQL.
-- Parameters: %(start)s, %(end)s, %(as_of)s. Pre-aggregates each fact per order, then per merchant-day.
WITH o AS (
    SELECT order_id, merchant_id, paid_day FROM metrics_order WHERE paid_day <= %(as_of)s
), paid AS (
    SELECT o.merchant_id, o.paid_day AS day,
           count(*) AS paid_orders,
           coalesce(sum(c.n), 0) AS complaints,
           count(f.order_id) AS merchant_refunds
    FROM o
    LEFT JOIN (
        SELECT c.order_id, count(*) AS n FROM metrics_complaint c JOIN o USING (order_id)
        WHERE c.filed_day BETWEEN o.paid_day AND o.paid_day + 6 AND c.filed_day <= %(as_of)s
        GROUP BY c.order_id
    ) c ON c.order_id = o.order_id
    LEFT JOIN (
        SELECT DISTINCT f.order_id FROM metrics_refund f JOIN o USING (order_id)
        WHERE f.responsibility = 'merchant' AND f.refunded_day BETWEEN o.paid_day AND o.paid_day + 6
          AND f.refunded_day <= %(as_of)s
    ) f ON f.order_id = o.order_id
    WHERE o.paid_day BETWEEN %(start)s AND %(end)s
    GROUP BY o.merchant_id, o.paid_day
), verified AS (
    SELECT o.merchant_id, v.verified_day AS day, count(*) AS verified_orders,
           coalesce(sum(r.n), 0) AS negative_reviews
    FROM metrics_orderverification v JOIN o USING (order_id)
    LEFT JOIN (
        SELECT r.order_id, count(*) AS n FROM metrics_review r
        JOIN metrics_orderverification v2 USING (order_id)
        WHERE r.rating <= 2 AND r.posted_day BETWEEN v2.verified_day AND v2.verified_day + 6
          AND r.posted_day <= %(as_of)s
        GROUP BY r.order_id
    ) r ON r.order_id = v.order_id
    WHERE v.verified_day BETWEEN %(start)s AND %(end)s
    GROUP BY o.merchant_id, v.verified_day
)
SELECT coalesce(p.merchant_id, v.merchant_id) AS merchant_id, coalesce(p.day, v.day) AS day,
       coalesce(p.paid_orders, 0), coalesce(v.verified_orders, 0), coalesce(p.complaints, 0),
       coalesce(v.negative_reviews, 0), coalesce(p.merchant_refunds, 0),
       round(p.complaints::numeric / nullif(p.paid_orders, 0), 6),
       round(v.negative_reviews::numeric / nullif(v.verified_orders, 0), 6),
       round(p.merchant_refunds::numeric / nullif(p.paid_orders, 0), 6),
       (%(as_of)s::date - coalesce(p.day, v.day)) >= 7 AS stable
FROM paid p FULL OUTER JOIN verified v ON v.merchant_id = p.merchant_id AND v.day = p.day
ORDER BY 1, 2
