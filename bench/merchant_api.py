"""Benchmark of the merchants' API: `python -m bench.merchant_api [--connections 8 --seconds 10]`.

Needs wrk (apt-get install -y wrk) and a PostgreSQL server (BENCH_M_DATABASE_URL).

Seeds its own PostgreSQL database (riskcase_bench_m, dropped and recreated: it never touches your
data) with one merchant's 90 days of daily metrics and a few hundred cases (warnings, violations,
appeals) among other merchants' data, starts gunicorn on a free loopback port, and measures
diagnosis/ and metrics/ (the full 3 months) with wrk under concurrent connections. Prints p50 and
p99 per endpoint against the target (p99 < 30 ms), and the req/s as a ratio to the framework's floor
(bench/floor_view.py under the same gunicorn and wrk settings).
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta

from bench.loadtest import ROOT, framework_floor, free_port, recreate_database, run_wrk, wait_until_up

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/riskcase_bench_m"
TARGET_P99_MS = 30.0
MERCHANT = "m-bench"


def seed(*, cases, other_merchants, days):
    """The benchmark merchant and its history, through the services where a case is involved.
    Returns a fresh knox token of its staff user."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from knox.models import AuthToken

    from accounts.models import MerchantMembership
    from cases import services
    from eventstore.actors import Actor
    from metrics.models import DailyMetric, Merchant

    call_command("migrate", verbosity=0)
    now = timezone.now()
    today = timezone.localdate()
    merchants = [Merchant(merchant_id=MERCHANT, name="Bench Noodles", category="food", occurred_at=now)]
    merchants += [Merchant(merchant_id=f"m-{i:05d}", name=f"Merchant {i}", category="food", occurred_at=now)
                  for i in range(other_merchants)]
    Merchant.objects.bulk_create(merchants)
    metrics = []
    for m in merchants:
        for d in range(1, days + 1):
            paid, verified = 40 + d % 7, 30 + d % 5
            complaints, negative, refunds = d % 3, d % 4, d % 2
            metrics.append(DailyMetric(
                merchant_id=m.merchant_id, day=today - timedelta(days=d), paid_orders=paid, verified_orders=verified,
                complaints=complaints, negative_reviews=negative, merchant_refunds=refunds,
                complaint_rate=Decimal(complaints) / paid, negative_review_rate=Decimal(negative) / verified,
                merchant_refund_rate=Decimal(refunds) / paid, stable=d >= 7, as_of=today,
            ))
    DailyMetric.objects.bulk_create(metrics, batch_size=5000)

    points = ["complaint_rate", "negative_review_rate", "merchant_refund_rate", "clustered_complaints",
              "service_not_provided"]
    for i in range(cases):
        owner = MERCHANT if i % 3 else f"m-{i % max(other_merchants, 1):05d}"
        point = points[i % len(points)]
        end = today - timedelta(days=8 + i % 60)
        judged = dict(merchant_id=owner, risk_point=point, product_id=f"p-{i}", window_start=end - timedelta(days=29),
                      window_end=end, value=Decimal("0.06"), threshold=Decimal("0.05"), as_of=end,
                      explanation={"v": 1, "numerator": 6, "denominator": 100})
        if i % 2:
            services.warning_raise(**judged)
        else:
            violation = services.violation_record(**judged)
            if i % 4 == 0:
                services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant(owner), statement="Appeal.")
    user = get_user_model().objects.create_user(username="bench-staff", password="bench-password")
    MerchantMembership.objects.create(user=user, merchant_id=MERCHANT)
    _, token = AuthToken.objects.create(user=user, expiry=timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return token, today


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_M_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--cases", type=int, default=450, help="cases in all; two in three are the merchant's")
    parser.add_argument("--other-merchants", type=int, default=200)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--connections", type=int, default=None,
                        help="concurrent wrk connections (default: 2 per gunicorn worker)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers")
    opts = parser.parse_args()
    opts.connections = opts.connections or 2 * opts.workers
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install -y wrk)")

    # Django is set up on the benchmark database only, whatever the shell has set.
    os.environ["DATABASE_URL"] = opts.database_url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskcase.settings")
    recreate_database(opts.database_url)
    import django

    django.setup()
    started = time.perf_counter()
    token, today = seed(cases=opts.cases, other_merchants=opts.other_merchants, days=opts.days)
    from django.db import connections

    connections.close_all()
    print(f"seeded in {time.perf_counter() - started:.1f} s", flush=True)

    port = free_port()
    env = {
        **os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(opts.workers),
        "DB_CONN_MAX_AGE": "600", "GUNICORN_MAX_REQUESTS": "0", "LOG_LEVEL": "ERROR",
        # The throttle still runs on every request, with a budget the benchmark cannot exhaust.
        "RISKCASE_API_TOKEN_RATE": "100000000/min",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "riskcase.wsgi", "-c", "python:riskcase.ops.gunicorn_conf",
         "--access-logfile", "/dev/null", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    results = []
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/healthz")
        start = (today - timedelta(days=89)).isoformat()
        auth = [f"Authorization: Token {token}"]
        endpoints = [("diagnosis/", f"{base}/api/v1/diagnosis/"),
                     (f"metrics/?start={start}", f"{base}/api/v1/metrics/?start={start}")]
        for _, url in endpoints:  # warm every worker's connection and caches
            run_wrk(url, headers=auth, connections=opts.connections, threads=opts.threads, seconds=2)
        for label, url in endpoints:
            results.append((label, *run_wrk(url, headers=auth, connections=opts.connections, threads=opts.threads,
                                            seconds=opts.seconds)))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    floor = framework_floor(workers=opts.workers, connections=[opts.connections], threads=opts.threads,
                            seconds=opts.seconds)[opts.connections]

    print(f"\nmerchants' API on PostgreSQL, gunicorn {opts.workers} workers, wrk {opts.threads} threads x "
          f"{opts.connections} connections for {opts.seconds} s on loopback; {opts.days} days of metrics, "
          f"{opts.cases} cases ({opts.other_merchants} other merchants); floor view "
          f"p50 {floor[0]:.2f} ms p99 {floor[1]:.2f} ms {floor[2]:.0f} req/s")
    failed = False
    for label, p50, p99, rps, bad in results:
        ok = p99 < TARGET_P99_MS and bad == 0
        failed |= not ok
        print(f"  {label:<32} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  {rps:8.0f} req/s = {rps / floor[2]:.2f}x "
              f"the floor  non-2xx {bad}  "
              f"{'ok' if ok else 'OVER TARGET'} (p99 < {TARGET_P99_MS:.0f} ms)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
