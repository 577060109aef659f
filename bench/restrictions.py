"""Benchmark of the restrictions endpoint: `python -m bench.restrictions [--seconds 10 --merchants 2000]`.

Needs wrk (apt-get install -y wrk), PostgreSQL (BENCH_R_DATABASE_URL, database riskcase_bench_r, dropped
and recreated) and Redis (BENCH_R_REDIS_URL). Seeds merchants with penalties through the services and the
enforcement consumer, starts gunicorn on a free loopback port, and measures GET /api/v1/restrictions/<id>/
with a service token under concurrent wrk connections spread over all merchants: first with the cache
emptied (cold), then warm. The same wrk runs go to the framework's floor (bench/floor_view.py: a
minimal Django view under the same gunicorn settings), right before and right after the endpoint's runs at
each connection count, the ratio taken to their mean. Target: >= 0.7x the floor's req/s and p99 < 20 ms.
`--reuse-database` keeps a database an earlier run of the same size seeded (seeding takes minutes).
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.loadtest import cpu_seconds, gunicorn, recreate_database, run_wrk, stop

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/riskcase_bench_r"
DEFAULT_REDIS = "redis://127.0.0.1:6379/9"
TARGET_P99_MS = 20.0
TARGET_RATIO = 0.7  # of the minimal Django view's req/s, same gunicorn and wrk settings

LUA = """
local n = %d
local token = "%s"
local threads = 0
-- Each wrk thread has its own Lua state, seeded alike: without a seed of its own, every thread would ask for
-- the same merchants in the same order, a few microseconds apart (a cold cache then misses each one twice).
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  math.randomseed(os.time() * 1000 + id)
end
request = function()
  local path = string.format("/api/v1/restrictions/r-%%05d/", math.random(0, n - 1))
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end
"""


def seed(merchants):
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from cases import services
    from enforcement import consumers, tasks
    from metrics.models import Merchant, ServiceToken

    tasks.deliver_webhooks.delay = lambda *a, **k: None  # no worker here: nothing to queue
    call_command("migrate", verbosity=0)
    now, today = timezone.now(), timezone.localdate()
    Merchant.objects.bulk_create([Merchant(merchant_id=f"r-{i:05d}", name=f"Shop {i}", category="food", occurred_at=now)
                                  for i in range(merchants)])
    for i in range(merchants):
        for k in range(i % 4):  # 0..3 violations: none, warning, restricted promotion, throttling
            end = today - timedelta(days=8 + 40 * (3 - k))
            services.violation_record(
                merchant_id=f"r-{i:05d}", risk_point="complaint_rate", product_id="", window_start=end - timedelta(days=29),
                window_end=end, value=Decimal("0.06"), threshold=Decimal("0.05"), as_of=end, explanation={"v": 1})
    while consumers.run_violations(batch_size=500):
        pass
    _, raw = ServiceToken.issue("bench", scopes=["restrictions:read"])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return raw


def seeded(url, merchants):
    """True when the database at `url` holds exactly the merchants a previous run of this size seeded."""
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            count = conn.execute("SELECT count(*) FROM metrics_merchant WHERE merchant_id LIKE 'r-%%'").fetchone()[0]
            restrictions = conn.execute("SELECT count(*) FROM enforcement_restriction").fetchone()[0]
    except psycopg.Error:
        return False
    return count == merchants and restrictions > 0


def misses():
    """The endpoint's cache misses since Redis started: each miss puts the document it read with one compare-and-set
    script (enforcement.cache.put: EVALSHA, or EVAL the first time a server has not seen it), which nothing else
    runs during a benchmark. INFO commandstats counts them."""
    from riskcase.ops import redisguard

    stats = redisguard.client().info("commandstats")
    return sum(stats.get(f"cmdstat_{command}", {}).get("calls", 0) for command in ("evalsha", "eval"))


def clear_cache(merchants):
    from enforcement.cache import forget_all

    forget_all()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_R_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_R_REDIS_URL", DEFAULT_REDIS))
    parser.add_argument("--merchants", type=int, default=2000)
    parser.add_argument("--connections", default="8,16", help="wrk connections; a comma-separated list runs each")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2)
    parser.add_argument("--reuse-database", action="store_true",
                        help="keep the database a previous run seeded (same --merchants) instead of recreating it")
    opts = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: run `apt-get install -y wrk` (Debian) and try again")
    os.environ["DATABASE_URL"] = opts.database_url
    os.environ["REDIS_URL"] = opts.redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskcase.settings")
    reuse = opts.reuse_database and seeded(opts.database_url, opts.merchants)
    if not reuse:
        recreate_database(opts.database_url)
    import django

    django.setup()
    started = time.perf_counter()
    if reuse:
        from metrics.models import ServiceToken

        token = ServiceToken.issue("bench", scopes=["restrictions:read"])[1]
    else:
        token = seed(opts.merchants)
    from django.db import connections

    connections.close_all()
    print(f"{'reused' if reuse else 'seeded'} {opts.merchants} merchants in {time.perf_counter() - started:.1f} s",
          flush=True)
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(LUA % (opts.merchants, token))
    counts = [int(c) for c in opts.connections.split(",")]
    floor_env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    servers = []
    results, floors = [], {}
    try:
        server, base = gunicorn("riskcase.wsgi", dict(os.environ), workers=opts.workers)
        servers.append(server)
        floor_server, floor_base = gunicorn("bench.floor_view:application", floor_env, workers=opts.workers)
        servers.append(floor_server)
        floor_url = floor_base + "/api/v1/restrictions/m-1/"
        run_wrk(base, script=script, connections=counts[0], threads=opts.threads, seconds=2)  # warm workers
        run_wrk(floor_url, connections=counts[0], threads=opts.threads, seconds=2)

        def wrk(url, connections, **kwargs):
            """run_wrk's figures, the workers' CPU time a request (microseconds: less moved by other load on
            the machine than req/s; the endpoint's Redis and PostgreSQL time is not in it) and the cache
            misses Redis counted meanwhile."""
            pid = (floor_server if url == floor_url else server).pid
            cpu, missed = cpu_seconds(pid), misses()
            p50, p99, rps, bad = run_wrk(url, connections=connections, threads=opts.threads, seconds=opts.seconds,
                                         **kwargs)
            return (p50, p99, rps, bad, (cpu_seconds(pid) - cpu) / max(rps * opts.seconds, 1) * 1e6,
                    misses() - missed)

        # The floor is measured right before and right after the endpoint's runs at each connection count, and
        # the ratio taken to the mean of the two: other load on the machine then weighs on both sides alike.
        for connections in counts:
            before = wrk(floor_url, connections)
            clear_cache(opts.merchants)
            for label in ("cold cache", "warm cache"):
                results.append((f"{connections:>3} conns, {label}", *wrk(base, connections, script=script)))
            floors[connections] = (before, wrk(floor_url, connections))
    finally:
        for server in servers:
            stop(server)
        script.unlink(missing_ok=True)
    print(f"\nrestrictions endpoint, gunicorn {opts.workers} workers, wrk {opts.threads} threads, "
          f"{opts.seconds} s a run on loopback over {opts.merchants} merchants "
          f"(target >= {TARGET_RATIO}x the floor's req/s, p99 < {TARGET_P99_MS:.0f} ms)")
    for connections, runs in floors.items():
        for when, (p50, p99, rps, bad, cpu, _) in zip(("before", "after"), runs, strict=True):
            label = f"{connections:>3} conns, floor {when}"
            print(f"  {label:<24} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  {rps:8.0f} req/s  "
                  f"workers' CPU {cpu:5.0f} us/req  non-2xx {bad}")
    failed = False
    for label, p50, p99, rps, bad, cpu, missed in results:
        runs = floors[int(label.split()[0])]
        ratio = rps / (sum(run[2] for run in runs) / 2)
        cpu_ratio = (sum(run[4] for run in runs) / 2) / cpu
        ok = p99 < TARGET_P99_MS and ratio >= TARGET_RATIO and bad == 0
        failed |= not ok
        print(f"  {label:<24} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  {rps:8.0f} req/s = {ratio:.2f}x the floor  "
              f"workers' CPU {cpu:5.0f} us/req (floor's / this = {cpu_ratio:.2f})  cache misses {missed}  non-2xx {bad}  "
              f"{'ok' if ok else 'OVER TARGET'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
