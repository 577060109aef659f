"""Complaint tickets counted per merchant (or per product) over filing days: one SQL statement."""
from django.db import connection

from metrics.models import Complaint, Merchant, Order


def complaint_counts(*, end, windows, by_product=False, reason=None):
    """[(merchant_id, product_id or "", category, count)] of complaints with day(filed_at) in [start, end],
    where `windows` gives each merchant category its (start, at_least) (the rule parameters in force).

    Only complaints on known orders paid no later than `end` count (facts after the as-of day
    are ignored; a complaint on an order never seen cannot be attributed), on merchants of a category
    in `windows`. Tickets are counted, several on one order count several times. Groups under their
    category's `at_least` are left out (HAVING).
    """
    if not windows:
        return []
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datefield_value
    categories = sorted(windows)
    when = " ".join(["WHEN %s THEN %s"] * len(categories))
    starts = [x for c in categories for x in (c, adapt(windows[c][0]))]
    at_least = [x for c in categories for x in (c, windows[c][1])]
    product = "o.product_id" if by_product else "''"
    group = "o.merchant_id, o.product_id, m.category" if by_product else "o.merchant_id, m.category"
    reason_sql, reason_params = ("AND c.reason = %s", [reason]) if reason else ("", [])
    sql = f"""
        SELECT o.merchant_id, {product} AS product_id, m.category, COUNT(*) AS n
        FROM {q(Complaint._meta.db_table)} c
        JOIN {q(Order._meta.db_table)} o ON o.merchant_id = c.merchant_id AND o.order_id = c.order_id
        JOIN {q(Merchant._meta.db_table)} m ON m.merchant_id = o.merchant_id
        WHERE m.category IN ({", ".join(["%s"] * len(categories))})
          AND c.filed_day BETWEEN %s AND %s AND c.filed_day >= CASE m.category {when} END
          AND o.paid_day <= %s {reason_sql}
        GROUP BY {group}
        HAVING COUNT(*) >= CASE m.category {when} END
        ORDER BY o.merchant_id{', o.product_id' if by_product else ''}
    """
    earliest = min(start for start, _ in windows.values())
    params = [*categories, adapt(earliest), adapt(end), *starts, adapt(end), *reason_params, *at_least]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(m, p, c, int(n)) for m, p, c, n in cursor.fetchall()]
