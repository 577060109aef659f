"""Run the benchmark: `python -m bench [--merchants N --days D --orders-per-day K --workers 1,2]`.

Creates (and drops) its own PostgreSQL database, so it never touches your data. Every figure is measured
in the same run as its floor and reported as a ratio to it, so a noisy machine moves both alike:

- ingest (`manage.py ingest`) against a bare parse + de-duplicate + COPY loader (bench/floor_loader.py)
  for the same file, each run --repeat times in turn, best of each; peak RSS for the whole file (the highest
  of its runs) against the first 100,000 lines (memory stays flat);
- the full recompute and the nightly one (the changeable days A-7..A) against one hand-written query that
  reads each fact table once (bench/floor_query.py) over the same days, in the same process, best of
  --repeat; and the recompute with the product grain against the merchant grain alone;
- `export_metrics` (a process, start-up included) against the same query;
- the rule evaluation after the recompute (bench/rules.py): per recorded case and for 1,000 merchants with no
  case, against absolute targets, with the ratio to every rule's findings query alone;
- the nightly fan-out over shards on 1 and then 2 Celery worker processes (needs Redis).
A ratio that misses its target is marked OVER TARGET.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta

import psycopg

from bench import rules as rules_bench
from bench.loadtest import ROOT, recreate_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/riskcase_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/10"
TARGETS = {
    "ingest": 0.5,  # at least this fraction of the bare loader's lines/s
    "memory": 1.25,  # peak RSS of the whole file at most this times the first 100,000 lines'
    "recompute": 1.3,  # at most this times the floor query
    "product grain": 1.5,  # at most this times the merchant grain alone
}


def run_measured(command, env, label):
    """Run a command (a list: `manage.py ...` or `-m module`); (seconds, its own peak RSS in MiB, stdout)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *command], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    out, err = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{label} failed:\n{out}\n{err}")
    return seconds, usage.ru_maxrss / 1024, out.strip()


class Rows(list):
    """(figure, measured, floor, ratio verdict) rows, each printed as soon as it is measured."""

    def append(self, row):
        super().append(row)
        figure, measured, floor, ratio = row
        print(f"  {figure:<28} {measured:<56} {floor:<36} {ratio}", flush=True)


def fresh_database(url, env):
    recreate_database(url)
    run_measured(["manage.py", "migrate", "-v0"], env, "migrate")


def verdict(ratio, target, higher_is_better=False):
    ok = ratio >= target if higher_is_better else ratio <= target
    return f"{ratio:5.2f}x (target {'>=' if higher_is_better else '<='} {target}x) {'ok' if ok else 'OVER TARGET'}"


def export_equals_floor(export_csv, url, *, start, as_of):
    """(whether the export file equals the floor query's rows exactly, how many rows): correctness at scale."""
    from bench.floor_query import floor_rows, formatted

    with open(export_csv, encoding="utf-8", newline="") as f:
        exported = list(csv.reader(f))[1:]
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        expected = formatted(floor_rows(cursor, start=start, end=as_of, as_of=as_of))
    return exported == expected, len(expected)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--merchants", type=int, default=200)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--orders-per-day", type=int, default=20)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 6, 30))
    parser.add_argument("--repeat", type=int, default=2, help="timed runs of each step, ingest and its floor too (best kept)")
    parser.add_argument("--rules-merchants", type=int, default=1000, help="merchants of the no-case rule evaluation")
    parser.add_argument("--workers", default="1,2", help="Celery worker processes to compare ('' to skip)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS))
    opts = parser.parse_args()

    env = {**os.environ, "DATABASE_URL": opts.database_url}
    env.pop("REDIS_URL", None)  # the recompute runs in-process; the fan-out step sets its own
    data_dir = ROOT / "var" / "bench"
    data_dir.mkdir(parents=True, exist_ok=True)
    size = f"{opts.merchants}x{opts.days}x{opts.orders_per_day}"
    data = data_dir / f"trade-{size}-{opts.as_of}.jsonl"
    if not data.exists():
        print(f"generating {size} (merchants x days x orders a day) ...", flush=True)
        run_measured(["manage.py", "generate_trade_data", "--out", str(data), "--merchants", str(opts.merchants),
                      "--days", str(opts.days), "--orders-per-day", str(opts.orders_per_day),
                      "--as-of", opts.as_of.isoformat()], env, "generate")
    lines = sum(1 for _ in data.open("rb"))
    small = data_dir / f"first-100000-{size}.jsonl"
    with data.open("rb") as src, small.open("wb") as dst:
        for i, line in enumerate(src):
            if i == 100_000:
                break
            dst.write(line)
    print(f"RiskCase benchmark on PostgreSQL, {size} ({lines:,} lines), as of {opts.as_of}", flush=True)
    print(f"  {'figure':<28} {'measured':<56} {'floor':<36} ratio", flush=True)
    rows = Rows()

    fresh_database(opts.database_url, env)
    _, small_rss, _ = run_measured(["manage.py", "ingest", str(small)], env, "ingest (first 100,000 lines)")
    floors, ingests = [], []
    for _ in range(opts.repeat):  # the two in turn, best of each: other load on the machine weighs on both alike
        fresh_database(opts.database_url, env)
        floors.append(run_measured(["-m", "bench.floor_loader", str(data), "--database-url", opts.database_url],
                                   env, "bare loader")[0])
        fresh_database(opts.database_url, env)
        ingests.append(run_measured(["manage.py", "ingest", str(data)], env, "ingest")[:2])
    floor_secs, ingest_secs, ingest_rss = min(floors), min(s for s, _ in ingests), max(rss for _, rss in ingests)
    rows.append(("ingest", f"{lines / ingest_secs:,.0f} lines/s ({ingest_secs:.1f} s)",
                 f"{lines / floor_secs:,.0f} lines/s ({floor_secs:.1f} s)",
                 verdict(floor_secs / ingest_secs, TARGETS["ingest"], higher_is_better=True)))
    rows.append(("ingest peak RSS", f"{ingest_rss:.0f} MiB, whole file", f"{small_rss:.0f} MiB, 100,000 lines",
                 verdict(ingest_rss / small_rss, TARGETS["memory"])))
    with psycopg.connect(opts.database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")

    start = opts.as_of - timedelta(days=opts.days - 1)
    _, _, out = run_measured(["-m", "bench.inprocess", "--as-of", opts.as_of.isoformat(), "--start", start.isoformat(),
                              "--repeat", str(opts.repeat)], env, "in-process recompute")
    t = json.loads(out.splitlines()[-1])
    for label, days in (("full", f"{opts.days} days"), ("nightly", "A-7..A")):
        rows.append((f"recompute, {label}", f"{t[f'recompute_{label}']:.2f} s ({days}, "
                     f"{t[f'recompute_{label}_rows']:,} merchant-days and their product-days)",
                     f"{t[f'floor_{label}']:.2f} s ({t[f'floor_{label}_rows']:,} merchant-days)",
                     verdict(t[f"recompute_{label}"] / t[f"floor_{label}"], TARGETS["recompute"])))
        rows.append((f"product grain, {label}", f"{t[f'recompute_{label}']:.2f} s with product-days",
                     f"{t[f'merchant_only_{label}']:.2f} s merchant grain alone",
                     verdict(t[f"recompute_{label}"] / t[f"merchant_only_{label}"], TARGETS["product grain"])))
    rows.append(("floor query, product grain", f"{t['floor_full_product']:.2f} s "
                 f"({t['floor_full_product_rows']:,} product-days)", f"{t['floor_full']:.2f} s merchant grain",
                 f"{t['floor_full_product'] / t['floor_full']:5.2f}x (for reference)"))
    e_secs, _, _ = run_measured(["manage.py", "export_metrics", "--as-of", opts.as_of.isoformat(), "--start",
                                 start.isoformat(), "--end", opts.as_of.isoformat(), "--out",
                                 str(data_dir / "export.csv")], env, "export")
    rows.append(("export_metrics", f"{e_secs:.2f} s (a process, start-up included)", f"{t['floor_full']:.2f} s",
                 f"{e_secs / t['floor_full']:5.2f}x (no target)"))
    same, count = export_equals_floor(data_dir / "export.csv", opts.database_url, start=start, as_of=opts.as_of)
    rows.append(("export = floor query", f"{count:,} merchant-days compared cell by cell", "the floor query's rows",
                 "identical" if same else "DIFFERENT (a bug: the recompute and the floor disagree)"))

    _, _, out = run_measured(["-m", "bench.rules", "--as-of", opts.as_of.isoformat(), "--merchants",
                              str(opts.rules_merchants), "--repeat", str(opts.repeat)], env, "rule evaluation")
    for row in rules_bench.rows_for(json.loads(out.splitlines()[-1])):
        rows.append(row)

    fanout = {}
    if opts.workers:
        fan_env = {**env, "REDIS_URL": opts.redis_url}
        _, _, out = run_measured(["-m", "bench.fanout", "--as-of", opts.as_of.isoformat(), "--start",
                                  start.isoformat(), "--workers", opts.workers, "--repeat", str(opts.repeat)],
                                 fan_env, "fan-out")
        fanout = json.loads(out.splitlines()[-1])

    if fanout:
        one = fanout[min(fanout, key=int)]
        for workers, seconds in fanout.items():
            print(f"  {f'fan-out, {workers} worker(s)':<28} {f'{seconds:.2f} s, {opts.days} days in 8 shards':<56} "
                  f"{f'{one:.2f} s on 1 worker':<36} {one / seconds:5.2f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
