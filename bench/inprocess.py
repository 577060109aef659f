"""In-process timings for `python -m bench` (Django's start-up excluded): the recompute against the floor
query on the same connection, full period and nightly (changeable days only), with and without the product
grain. Prints one JSON object. Run as `python -m bench.inprocess --as-of A --start S --repeat N`."""
import argparse
import json
import os
import time
from datetime import date, timedelta


def vacuum_metric_tables():
    """VACUUM the stored metric tables (untimed, before each timed run). Autovacuum is off on the benchmark
    machine, so without this every DELETE, INSERT or UPDATE of a timed run would leave its dead rows to the
    next one, which measures how many runs came before rather than the statement; in production autovacuum
    cleans up between nightly runs."""
    from django.db import connection

    from metrics.models import DailyMetric, ProductDailyMetric

    with connection.cursor() as cursor:
        for model in (DailyMetric, ProductDailyMetric):
            cursor.execute(f"VACUUM {connection.ops.quote_name(model._meta.db_table)}")


def best_of(repeat, work):
    """The fastest of `repeat` runs of work() (a noisy machine only ever adds time), and its result."""
    best, result = None, None
    for _ in range(repeat):
        vacuum_metric_tables()
        started = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def store_merchant_grain_only(*, as_of, start):
    """The recompute as it was before product-days (the cohort statement at the merchant grain straight into
    DailyMetric): what the product grain is measured against. Benchmark only."""
    from django.db import connection, transaction

    from metrics.cohorts import STABLE_AFTER_DAYS, Grain, _Dialect, _upsert_sql, cohort_counts_sql
    from metrics.models import DailyMetric

    adapt = connection.ops.adapt_datefield_value
    table = connection.ops.quote_name(DailyMetric._meta.db_table)
    sql, params = cohort_counts_sql(as_of=as_of, start=start, end=as_of, grain=Grain.MERCHANT)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE day >= %s", [adapt(start)])
        cursor.execute(_upsert_sql(table, Grain.keys(Grain.MERCHANT), sql, _Dialect(connection.vendor)),
                       [adapt(as_of - timedelta(days=STABLE_AFTER_DAYS)), adapt(as_of), *params])
        return cursor.rowcount


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--as-of", type=date.fromisoformat, required=True)
    parser.add_argument("--start", type=date.fromisoformat, required=True)
    parser.add_argument("--repeat", type=int, default=2)
    opts = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskcase.settings")
    import django

    django.setup()
    from django.db import connection

    from bench.floor_query import floor_rows
    from metrics.cohorts import STABLE_AFTER_DAYS
    from metrics.models import StaleDay
    from metrics.recompute import recompute

    as_of, start, repeat = opts.as_of, opts.start, opts.repeat
    nightly = as_of - timedelta(days=STABLE_AFTER_DAYS)
    StaleDay.objects.all().delete()  # a steady night: the bulk ingest's late-fact records are not measured

    def floor(first, by_product=False):
        with connection.cursor() as cursor:
            return len(floor_rows(cursor, start=first, end=as_of, as_of=as_of, by_product=by_product))

    floor(start)  # warm the caches once, so the first timed run is not the only cold one
    out = {}
    for label, first in (("full", start), ("nightly", nightly)):
        out[f"floor_{label}"], out[f"floor_{label}_rows"] = best_of(repeat, lambda first=first: floor(first))
        out[f"floor_{label}_product"], out[f"floor_{label}_product_rows"] = best_of(
            repeat, lambda first=first: floor(first, by_product=True))
        out[f"recompute_{label}"], (_, out[f"recompute_{label}_rows"]) = best_of(
            repeat, lambda first=first: recompute(as_of=as_of, start=first))
        out[f"merchant_only_{label}"], _ = best_of(
            repeat, lambda first=first: store_merchant_grain_only(as_of=as_of, start=first))
    recompute(as_of=as_of, start=start)  # leave the stored rows as the real recompute writes them
    print(json.dumps(out))


if __name__ == "__main__":
    main()
