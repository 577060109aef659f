"""A real `celery worker` subprocess on the test database and the test Redis, for the tests that check
what a worker does: the `celery_worker` fixture (a pytest plugin of tests/conftest.py)."""
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from riskcase.celery import app

REPO = Path(__file__).resolve().parents[1]
DEADLINE_SECONDS = 60


def wait_for(what, probe, timeout=DEADLINE_SECONDS):
    """The first truthy value of probe(), polled every 0.1 s; the test fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"gave up after {timeout}s waiting for {what}")


def _database_url():
    from django.db import connection

    db = connection.settings_dict
    return (f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
            f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{quote(db['NAME'])}")


@contextlib.contextmanager
def running_worker(log_dir, *, pool="prefork", concurrency=2, extra_env=None, purge=True):
    """Start a worker, wait until it answers a ping, yield the process (with `.name`), stop it after.
    The queue is purged before (nothing left from an interrupted run) and after (no retry outlives it),
    unless `purge` is false (a test of workers taking over each other's queue purges it itself)."""
    name = f"riskcase-test-{uuid.uuid4().hex[:8]}@localhost"
    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL,
           "RISKCASE_TIME_ZONE": "Asia/Shanghai", "DJANGO_SETTINGS_MODULE": "riskcase.settings",
           # The tests' webhook receivers listen on loopback, which production refuses.
           "RISKCASE_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128", "RISKCASE_ALLOW_DEV_SECRET": "1",
           **(extra_env or {})}
    log = Path(log_dir) / "worker.log"
    if purge:
        app.control.purge()
    with open(log, "wb") as log_file:
        worker = subprocess.Popen(
            [str(Path(sys.executable).parent / "celery"), "-A", "riskcase", "worker", f"--pool={pool}",
             f"--concurrency={concurrency}", "--loglevel=INFO", "-n", name, "--without-gossip", "--without-mingle"],
            cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    worker.name = name
    try:
        wait_for("the worker to answer a ping",
                 lambda: worker.poll() is not None or app.control.ping(destination=[name], timeout=0.5))
        if worker.poll() is not None:
            pytest.fail(f"the Celery worker exited with {worker.returncode}:\n{log.read_text()}")
        yield worker
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
        if purge:
            app.control.purge()


def wait_until_idle(name):
    """Wait until the worker has nothing active, reserved or scheduled (retries included)."""
    def idle():
        inspect = app.control.inspect(destination=[name], timeout=1)
        queues = [inspect.active(), inspect.reserved(), inspect.scheduled()]
        return all(q is not None and not any(q.values()) for q in queues)
    wait_for("the worker to go idle", idle)


@pytest.fixture(scope="module")
def celery_worker_process(django_db_setup, tmp_path_factory):
    with running_worker(tmp_path_factory.mktemp("celery")) as worker:
        yield worker


@pytest.fixture
def celery_worker(celery_worker_process):
    """The module's worker. After the test it finishes what the test queued (tasks it queued itself
    included): a task still running would hold locks that the test's flush (TRUNCATE) waits for."""
    yield celery_worker_process
    wait_until_idle(celery_worker_process.name)
