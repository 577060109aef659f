"""Plumbing shared by the HTTP benchmarks: a scratch PostgreSQL database, gunicorn on a free loopback
port, and wrk runs read back as (p50 ms, p99 ms, requests/s, non-2xx count)."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent


def recreate_database(url):
    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except Exception:  # not listening yet
            time.sleep(0.2)
    sys.exit(f"gunicorn did not answer at {url}")


def _ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url, *, connections, threads, seconds, headers=(), script=None):
    """(p50 ms, p99 ms, requests/s, non-2xx count) of one wrk run; wrk's own output if it cannot be read."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run(command + [url], check=True, capture_output=True, text=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not rps or set(latency) != {"50", "99"}:
        sys.exit(f"could not read wrk's report:\n{out}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return _ms(latency["50"]), _ms(latency["99"]), float(rps.group(1)), int(bad.group(1)) if bad else 0


def cpu_seconds(pid):
    """CPU time (user + system, seconds) used so far by the process `pid`'s children: gunicorn's workers."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == pid:  # fields[1] is the parent's pid; utime and stime are the 12th and 13th
            total += int(fields[11]) + int(fields[12])
    return total / tick


def gunicorn(app, env, *, workers):
    """Start `gunicorn APP` with the endpoints' gunicorn settings on a free loopback port; (process, base URL)."""
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers),
           "DB_CONN_MAX_AGE": "600", "GUNICORN_MAX_REQUESTS": "0", "LOG_LEVEL": "ERROR"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "-c", "python:riskcase.ops.gunicorn_conf",
         "--access-logfile", "/dev/null", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_until_up(f"{base}/healthz")
    return server, base


def stop(server):
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def framework_floor(*, workers, connections, threads, seconds, path="/api/v1/restrictions/m-1/"):
    """wrk against the minimal Django view (bench/floor_view.py) under the same gunicorn settings and the
    same wrk settings as an endpoint: {connections: (p50 ms, p99 ms, requests/s, non-2xx)}."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    server, base = gunicorn("bench.floor_view:application", env, workers=workers)
    try:
        run_wrk(base + path, connections=connections[0], threads=threads, seconds=2)  # warm the workers
        return {c: run_wrk(base + path, connections=c, threads=threads, seconds=seconds) for c in connections}
    finally:
        stop(server)
