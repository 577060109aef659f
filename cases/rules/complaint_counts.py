"""Complaint tickets counted per merchant (or per product) over filing days: one SQL statement."""
from django.db import connection

from metrics.models import Complaint, Order


def complaint_counts(*, start, end, at_least, by_product=False, reason=None):
    """[(merchant_id, product_id or "", count)] of complaints with day(filed_at) in [start, end].

    Only complaints on known orders paid no later than `end` count (facts after the as-of day
    are ignored; a complaint on an order never seen cannot be attributed). Tickets are counted,
    several on one order count several times. Groups under `at_least` are left out (HAVING).
    """
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datefield_value
    product = "o.product_id" if by_product else "''"
    group = "o.merchant_id, o.product_id" if by_product else "o.merchant_id"
    reason_sql, reason_params = ("AND c.reason = %s", [reason]) if reason else ("", [])
    sql = f"""
        SELECT o.merchant_id, {product} AS product_id, COUNT(*) AS n
        FROM {q(Complaint._meta.db_table)} c
        JOIN {q(Order._meta.db_table)} o ON o.order_id = c.order_id
        WHERE c.filed_day BETWEEN %s AND %s AND o.paid_day <= %s {reason_sql}
        GROUP BY {group}
        HAVING COUNT(*) >= %s
        ORDER BY o.merchant_id{', o.product_id' if by_product else ''}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [adapt(start), adapt(end), adapt(end), *reason_params, at_least])
        return [(m, p, int(n)) for m, p, n in cursor.fetchall()]
