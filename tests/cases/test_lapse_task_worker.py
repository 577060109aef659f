"""The lapse job on a real Celery worker (Redis broker, PostgreSQL): upholds lapsed violations, and a
second delivery of the task changes nothing."""
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from cases import services
from cases.models import Event, Violation
from cases.tasks import uphold_lapsed_violations
from riskcase.celery import app

from .conftest import judgement

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def worker(django_db_setup, tmp_path_factory):
    """A `celery worker` subprocess on the test database and the test Redis; stopped afterwards."""
    from django.db import connection

    db = connection.settings_dict
    database_url = (f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
                    f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{quote(db['NAME'])}")
    name = f"riskcase-cases-{uuid.uuid4().hex[:8]}@localhost"
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": settings.REDIS_URL,
           "DJANGO_SETTINGS_MODULE": "riskcase.settings"}
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    app.control.purge()
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "celery"), "-A", "riskcase", "worker", "--pool=solo",
             "--loglevel=INFO", "-n", name, "--without-gossip", "--without-mingle"],
            cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while process.poll() is None and not app.control.ping(destination=[name], timeout=0.5):
            if time.monotonic() > deadline:
                pytest.fail(f"the worker did not answer:\n{log.read_text()}")
        if process.poll() is not None:
            pytest.fail(f"the worker exited with {process.returncode}:\n{log.read_text()}")
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_the_worker_upholds_lapsed_violations_once(worker, transactional_db, merchant):
    with time_machine.travel(timezone.now() - timedelta(days=8)):
        lapsed = services.violation_record(**judgement())
    fresh = services.violation_record(**judgement(risk_point="negative_review_rate"))
    assert uphold_lapsed_violations.delay().get(timeout=60) == [str(lapsed.pk)]
    assert uphold_lapsed_violations.delay().get(timeout=60) == []
    assert Violation.objects.get(pk=lapsed.pk).state == "upheld"
    assert Violation.objects.get(pk=fresh.pk).state == "pending"
    assert Event.objects.filter(stream=lapsed.stream, type="violation.upheld").count() == 1
