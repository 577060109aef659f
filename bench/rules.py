"""In-process timings of the rule evaluation for `python -m bench` (Django's start-up excluded). Prints one JSON
object. Run as `python -m bench.rules --as-of A --merchants N --repeat R` on the bench database right after the
recompute, before any case exists.

- the floor: every rule's findings query alone (`cases.rules.evaluate_all`), best of R;
- the first evaluation (`rules_evaluate`), which records the night's cases: once, as it can only happen once;
  its time per recorded case, and the marginal time (first evaluation minus the next one, which finds the same
  and records nothing) per recorded case;
- the next evaluation (nothing new to record), best of R;
- N merchants with no case: in a transaction rolled back at the end, the bench's merchants are copied until
  there are N, each copy with its daily metrics (its product-days too) and denominators 100 times larger, so
  its rates stay far under every threshold; then the findings query and the evaluation over all N, best of R.
  The evaluation records nothing new (the bench's own merchants' cases are already recorded).

The reactions (the enforcement ladder, notifications) are event consumers drained by the workers after the
evaluation commits: the queued drain is recorded here, not run, so it is not in the evaluation's time. The
enforcement one (penalties after violations, `enforcement.consumers.VIOLATIONS`) is then drained and timed on
its own, with its query count: the reactions after the first evaluation, per recorded case (no target).
"""
import argparse
import json
import os
import time
from datetime import date


def timed(work):
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def best_of(repeat, work):
    """The fastest of `repeat` runs of work() and its result."""
    runs = [timed(work) for _ in range(repeat)]
    return min(seconds for seconds, _ in runs), runs[-1][1]


def reactions():
    """Drain the enforcement consumer of violations (the penalties after the first evaluation): (seconds, queries)."""
    from django.db import connection

    from enforcement.consumers import VIOLATIONS
    from eventstore.consumers import drain

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(1)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        seconds, _ = timed(lambda: drain([VIOLATIONS]))
    return seconds, len(queries)


def copy_merchants(cursor, *, merchants):
    """Copy the bench's merchants (and their daily metrics) until there are `merchants`; returns how many."""
    cursor.execute("SELECT COUNT(*) FROM metrics_merchant")
    have = cursor.fetchone()[0]
    copies = -(-max(merchants - have, 0) // have)
    cursor.execute(
        """INSERT INTO metrics_merchant (merchant_id, name, category, entity_id, occurred_at)
           SELECT s.copy_id, m.name, m.category, '', m.occurred_at
           FROM (SELECT merchant_id, merchant_id || '-copy' || k AS copy_id,
                        ROW_NUMBER() OVER (ORDER BY k, merchant_id) AS n
                 FROM metrics_merchant, generate_series(1, %s) k) s
           JOIN metrics_merchant m USING (merchant_id)
           WHERE s.n <= %s""",
        [copies, merchants - have],
    )
    for table in ("metrics_dailymetric", "metrics_productdailymetric"):
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                       "AND column_name NOT IN ('id', 'merchant_id', 'paid_orders', 'verified_orders')", [table])
        rest = [c for (c,) in cursor.fetchall()]
        cursor.execute(
            f"""INSERT INTO {table} (merchant_id, paid_orders, verified_orders, {", ".join(rest)})
                SELECT c.merchant_id, t.paid_orders * 100, t.verified_orders * 100, {", ".join("t." + c for c in rest)}
                FROM {table} t JOIN (SELECT merchant_id, split_part(merchant_id, '-copy', 1) AS source
                                     FROM metrics_merchant WHERE merchant_id LIKE '%%-copy%%') c
                ON c.source = t.merchant_id"""
        )
    cursor.execute("ANALYZE metrics_merchant")
    cursor.execute("ANALYZE metrics_dailymetric")
    cursor.execute("ANALYZE metrics_productdailymetric")
    cursor.execute("SELECT COUNT(*) FROM metrics_merchant")
    return cursor.fetchone()[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--as-of", type=date.fromisoformat, required=True)
    parser.add_argument("--merchants", type=int, default=1000, help="merchants of the no-case evaluation")
    parser.add_argument("--repeat", type=int, default=2)
    opts = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskcase.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    import riskcase.ops.enqueue
    from cases.evaluation import rules_evaluate
    from cases.rules import evaluate_all

    queued = []
    riskcase.ops.enqueue._publish = lambda task: queued.append(task.name)  # the workers' part: not timed here

    as_of, repeat = opts.as_of, opts.repeat
    out = {}
    evaluate_all(as_of)  # warm the caches once, so the first timed run is not the only cold one
    out["floor"], findings = best_of(repeat, lambda: evaluate_all(as_of))
    out["findings"] = len(findings)
    out["first"], summary = timed(lambda: rules_evaluate(as_of))
    out["cases"] = summary.violations_recorded + summary.warnings_raised + summary.warnings_resolved
    out["summary"] = summary.as_dict()
    out["next"], again = best_of(repeat, lambda: rules_evaluate(as_of))
    assert again.violations_recorded == again.warnings_raised == again.warnings_resolved == 0, again
    out["queued"] = sorted(set(queued))
    out["reactions"], out["reactions_queries"] = reactions()

    with transaction.atomic():
        with connection.cursor() as cursor:
            out["merchants"] = copy_merchants(cursor, merchants=opts.merchants)
        out["floor_no_case"], _ = best_of(repeat, lambda: evaluate_all(as_of))
        out["no_case"], quiet = best_of(repeat, lambda: rules_evaluate(as_of))
        assert quiet.violations_recorded == quiet.warnings_raised == quiet.warnings_resolved == 0, quiet
        transaction.set_rollback(True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()


TARGET_PER_CASE = 0.002  # seconds of evaluation per recorded case
TARGET_NO_CASE = 1.0  # seconds to evaluate the no-case merchants (1,000 by default)


def rows_for(t):
    """The rows `python -m bench` prints for these timings: (figure, measured, floor, verdict)."""
    def against(seconds, target):
        return f"target < {target * 1000:g} ms {'ok' if seconds < target else 'OVER TARGET'}"

    per_case = t["first"] / max(t["cases"], 1)
    marginal = (t["first"] - t["next"]) / max(t["cases"], 1)
    return [
        ("rules, first evaluation", f"{t['first']:.2f} s for {t['cases']:,} cases = {per_case * 1000:.2f} ms a case",
         f"{t['floor']:.2f} s findings query ({t['findings']:,})",
         f"{t['first'] / t['floor']:5.2f}x, {against(per_case, TARGET_PER_CASE)}"),
        ("rules, recording alone", f"{marginal * 1000:.2f} ms a case (first - next evaluation)",
         f"{t['next']:.2f} s next evaluation (no new case)", f"{t['next'] / t['floor']:5.2f}x (next / floor)"),
        ("reactions, first evaluation", f"{t['reactions']:.2f} s = {t['reactions'] / max(t['cases'], 1) * 1000:.2f} ms a "
         f"case, {t['reactions_queries']:,} queries", f"{t['first']:.2f} s first evaluation",
         f"{t['reactions'] / t['first']:5.2f}x (no target)"),
        (f"rules, {t['merchants']:,} no-case merchants", f"{t['no_case']:.2f} s",
         f"{t['floor_no_case']:.2f} s findings query",
         f"{t['no_case'] / t['floor_no_case']:5.2f}x, {against(t['no_case'], TARGET_NO_CASE)}"),
    ]
