"""Plumbing shared by the HTTP benchmarks: a scratch PostgreSQL database, gunicorn on a free loopback
port, and wrk runs read back as (p50 ms, p99 ms, requests/s, non-2xx count)."""
import re
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
