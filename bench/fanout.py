"""The nightly fan-out on real Celery workers: `python -m bench.fanout --as-of A --start S --workers 1,2`.

For each worker count, starts one `celery worker --concurrency N` on the benchmark database and Redis (the
rules after the metrics switched off, RISKCASE_AFTER_METRICS=""), sends `nightly_pipeline` over S..A in
RISKCASE_RECOMPUTE_SHARDS shards and times it from sending to the run's `finished_at`; the counts take turns
--repeat times and the fastest run of each is kept. Prints one JSON object {workers: seconds}.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _wait(what, probe, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.05)
    sys.exit(f"gave up waiting for {what}")


def measure(workers, *, as_of, start, shards):
    from metrics.models import RecomputeRun
    from metrics.tasks import nightly_pipeline
    from riskcase.celery import app

    name = f"riskcase-bench-{uuid.uuid4().hex[:8]}@localhost"
    app.control.purge()
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "riskcase", "worker", "--pool=prefork",
         f"--concurrency={workers}", "--loglevel=WARNING", "-n", name, "--without-gossip", "--without-mingle",
         "--prefetch-multiplier=1"],
        cwd=ROOT, env={**os.environ, "RISKCASE_AFTER_METRICS": ""}, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait("the worker", lambda: worker.poll() is not None or app.control.ping(destination=[name], timeout=0.5))
        if worker.poll() is not None:
            sys.exit(f"the Celery worker exited with {worker.returncode}")
        started = time.perf_counter()
        run_id = nightly_pipeline.delay(as_of=as_of.isoformat(), start=start.isoformat(), shards=shards).get(
            timeout=120)
        _wait("the run", lambda: RecomputeRun.objects.filter(pk=run_id, finished_at__isnull=False).exists(),
              timeout=1800)
        return time.perf_counter() - started
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--as-of", type=date.fromisoformat, required=True)
    parser.add_argument("--start", type=date.fromisoformat, required=True)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=2)
    opts = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskcase.settings")
    import django

    django.setup()
    best = {}
    for _ in range(opts.repeat):
        for n in opts.workers.split(","):
            seconds = measure(int(n), as_of=opts.as_of, start=opts.start, shards=opts.shards)
            best[n] = min(best.get(n, seconds), seconds)
    print(json.dumps(best))


if __name__ == "__main__":
    main()
