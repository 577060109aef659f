"""Sampling profile of a merchants' API endpoint, in-process: `python -m bench.profile [--path /api/v1/diagnosis/]
[--seconds 25] [--top 40]`.

Needs py-spy (a dev dependency; it reads the child process's memory, so root or ptrace rights) and the database
`python -m bench.merchant_api` seeds and leaves (riskcase_bench_m, BENCH_M_DATABASE_URL), with its merchant's
staff user. Runs the endpoint through Django's test client in a loop under py-spy, 500 samples a second, then
prints the functions by their share of the samples taken inside a request: inclusive (the function or anything it
called) and as the innermost frame. The samples waiting for PostgreSQL (psycopg's wait) and the process's start-up
are left out, so the shares are of the request's Python CPU.

A sampling profile, because cProfile's cost per call hides where the time goes among many small calls: it put
Django's timestamp loader at 5% of a diagnosis, py-spy at 9% (third session of 2026-12-01, docs/benchmarks.md).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta

from bench.loadtest import ROOT
from bench.merchant_api import DEFAULT_URL

IN_A_REQUEST = "get (django/test/client.py"  # a frame of every sample taken inside a request
LEFT_OUT = ("wait (psycopg/connection.py", "_find_and_load", "load_middleware")


def loop(path, seconds):
    """The profiled process: GET `path` as the bench merchant's staff user until `seconds` have passed."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from knox.models import AuthToken

    settings.ALLOWED_HOSTS = ["*"]
    user = get_user_model().objects.get(username="bench-staff")
    _, token = AuthToken.objects.create(user=user, expiry=timedelta(hours=1))
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    status = client.get(path).status_code
    if status != 200:
        sys.exit(f"GET {path} answered {status}")
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        client.get(path)


def shares(raw_lines):
    """(samples in requests, Counter of inclusive samples by function, Counter of innermost samples by function)
    from py-spy's raw output (one line a stack: frames joined by ';', then the count)."""
    inclusive, innermost, total = Counter(), Counter(), 0
    for line in raw_lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        frames = stack.split(";")
        starts = [i for i, f in enumerate(frames) if IN_A_REQUEST in f]
        if not starts or any(o in f for f in frames for o in LEFT_OUT):
            continue
        frames = frames[starts[-1] + 1:] or frames[-1:]  # what the request ran, not the loop around it
        total += int(count)
        for name in {_function(f) for f in frames}:
            inclusive[name] += int(count)
        innermost[_function(frames[-1])] += int(count)
    return total, inclusive, innermost


def _function(frame):
    """'Client.get (django/test/client.py:1113)' -> 'Client.get (django/test/client.py)'."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if where else name


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", default="/api/v1/diagnosis/")
    parser.add_argument("--seconds", type=float, default=25)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_M_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--loop", action="store_true", help=argparse.SUPPRESS)  # the profiled child
    opts = parser.parse_args()
    os.environ["DATABASE_URL"] = opts.database_url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskcase.settings")
    os.environ.setdefault("DB_CONN_MAX_AGE", "600")
    os.environ.setdefault("RISKCASE_API_TOKEN_RATE", "100000000/min")
    if opts.loop:
        return loop(opts.path, opts.seconds)
    spy = shutil.which("py-spy") or str(ROOT / ".venv" / "bin" / "py-spy")
    if not os.path.exists(spy):
        sys.exit("py-spy is not installed (make install installs the dev dependencies)")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "samples.txt")
        subprocess.run([spy, "record", "--rate", "500", "--format", "raw", "--output", out, "--", sys.executable,
                        "-m", "bench.profile", "--loop", "--path", opts.path, "--seconds", str(opts.seconds),
                        "--database-url", opts.database_url], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        with open(out, encoding="utf-8") as samples:
            total, inclusive, innermost = shares(samples)
    if not total:
        sys.exit("no sample was taken inside a request")
    print(f"GET {opts.path}: {total} samples of the requests' Python CPU (PostgreSQL waits left out)")
    for title, counts in (("inclusive", inclusive), ("innermost", innermost)):
        print(f"\n{title}:")
        for name, count in counts.most_common(opts.top):
            print(f"  {count / total * 100:5.1f}%  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
