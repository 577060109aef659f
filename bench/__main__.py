"""Run the benchmark: `python -m bench [--merchants N --days D --orders-per-day K]`.

Creates (and drops) its own PostgreSQL database, so it never touches your data. Each step runs
as a separate `manage.py` process; its wall time and peak RSS are measured from outside.
"""
import argparse
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg

from bench.loadtest import ROOT, recreate_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/riskcase_bench"


def run(args, env, label):
    """Run a manage.py command; return (seconds, peak RSS in MiB, stdout)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    out, err = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{label} failed:\n{out}\n{err}")
    return seconds, usage.ru_maxrss / 1024, out.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--merchants", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--orders-per-day", type=int, default=20)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 6, 30))
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    opts = parser.parse_args()

    env = {**os.environ, "DATABASE_URL": opts.database_url}
    env.pop("REDIS_URL", None)  # the recompute runs in-process; Celery is not what is measured
    data_dir = ROOT / "var" / "bench"
    data_dir.mkdir(parents=True, exist_ok=True)
    size = f"{opts.merchants}x{opts.days}x{opts.orders_per_day}"
    data = data_dir / f"trade-{size}-{opts.as_of}.jsonl"
    if not data.exists():
        print(f"generating {size} (merchants x days x orders a day) ...", flush=True)
        run(["generate_trade_data", "--out", str(data), "--merchants", str(opts.merchants),
             "--days", str(opts.days), "--orders-per-day", str(opts.orders_per_day),
             "--as-of", opts.as_of.isoformat()], env, "generate")
    lines = sum(1 for _ in data.open("rb"))
    small = data_dir / f"first-100000-{size}.jsonl"
    with data.open("rb") as src, small.open("wb") as dst:
        for i, line in enumerate(src):
            if i == 100_000:
                break
            dst.write(line)

    results = []
    recreate_database(opts.database_url)
    run(["migrate", "-v0"], env, "migrate")
    s_secs, s_rss, _ = run(["ingest", str(small)], env, "ingest (small)")
    recreate_database(opts.database_url)
    run(["migrate", "-v0"], env, "migrate")
    i_secs, i_rss, _ = run(["ingest", str(data)], env, "ingest")
    results.append(("ingest", f"{lines:,} lines in {i_secs:.1f} s = {lines / i_secs:,.0f} lines/s, "
                    f"peak RSS {i_rss:.0f} MiB (100,000 lines: {s_rss:.0f} MiB)"))
    with psycopg.connect(opts.database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")

    start = opts.as_of - timedelta(days=opts.days - 1)
    f_secs, f_rss, f_out = run(["recompute", "--as-of", opts.as_of.isoformat(), "--start", start.isoformat(),
                                "--metrics-only"], env, "full recompute")
    results.append(("full recompute", f"{opts.days} days in {f_secs:.2f} s, peak RSS {f_rss:.0f} MiB ({f_out})"))
    n_secs, _, n_out = run(["recompute", "--as-of", opts.as_of.isoformat(), "--metrics-only"], env, "nightly")
    results.append(("nightly recompute", f"changeable days only in {n_secs:.2f} s ({n_out})"))

    # In-process timings exclude the interpreter start-up, so the recompute is compared fairly.
    baseline_sql = (Path(__file__).parent / "baseline.sql").read_text()
    params = {"start": start, "end": opts.as_of, "as_of": opts.as_of}
    with psycopg.connect(opts.database_url) as conn:
        t0 = time.perf_counter()
        rows = conn.execute(baseline_sql, params).fetchall()
        b_secs = time.perf_counter() - t0
    inproc = run(["shell", "-c", (
        "import time; from datetime import date; from metrics.recompute import recompute;"
        f"t=time.perf_counter(); n=recompute(as_of=date.fromisoformat('{opts.as_of}'), "
        f"start=date.fromisoformat('{start}'))[1]; print(f'{{time.perf_counter()-t:.3f}} {{n}}')")],
        env, "in-process recompute")[2].splitlines()[-1].split()
    r_secs, r_rows = float(inproc[0]), int(inproc[1])
    results.append(("baseline query", f"{len(rows):,} merchant-days in {b_secs:.2f} s (hand-written SQL)"))
    results.append(("recompute vs baseline", f"{r_rows:,} merchant-days stored in {r_secs:.2f} s = "
                    f"{r_secs / b_secs:.2f}x the baseline (target <= 1.5x)"))
    e_secs, _, _ = run(["export_metrics", "--as-of", opts.as_of.isoformat(), "--start", start.isoformat(),
                        "--end", opts.as_of.isoformat(), "--out", str(data_dir / "export.csv")], env, "export")
    results.append(("export_metrics", f"{e_secs:.2f} s including start-up"))

    print(f"\nRiskCase benchmark on PostgreSQL, {size} ({lines:,} lines), as of {opts.as_of}")
    for name, text in results:
        print(f"  {name:<22} {text}")


if __name__ == "__main__":
    main()
