"""A worker whose main process is killed mid-run loses nothing (issue 16, item 4): its in-flight shard
messages, acknowledged late, come back after the broker's visibility timeout and another worker finishes
the nightly run. The bound in production is RISKCASE_CELERY_VISIBILITY_TIMEOUT (15 min) plus the run's
own time; here the workers run with a 5-second visibility timeout so the test shows the same path."""
import contextlib
import os
import signal

import pytest
from django.db import connection, transaction

from metrics.models import RecomputeRun
from metrics.tasks import nightly_pipeline
from riskcase.celery import app
from tests.celery_worker import running_worker, wait_for

from .test_celery_worker import AS_OF, EXPECTED, _facts, _stored

pytestmark = [pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# (The time limit stays long, so the held shards are not cut short before the kill.)
SHORT_VISIBILITY = {"RISKCASE_CELERY_VISIBILITY_TIMEOUT": "5", "RISKCASE_CELERY_TASK_TIME_LIMIT": "120"}


def _shards_in_flight(name):
    active = app.control.inspect(destination=[name], timeout=1).active() or {}
    return sum(1 for task in active.get(name, []) if task["name"] == "metrics.tasks.recompute_metrics_shard")


def test_killing_the_main_worker_process_mid_run_still_finishes_the_nightly_run(
        ingest, stored_metrics, tmp_path, request):
    ingest(*_facts())
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    app.control.purge()
    request.addfinalizer(app.control.purge)
    with running_worker(tmp_path / "a", concurrency=2, extra_env=SHORT_VISIBILITY, purge=False) as first:
        with transaction.atomic():
            # Hold the shards at their first write, so the kill comes while they are in the worker's hands.
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE metrics_dailymetric IN EXCLUSIVE MODE")
            run_id = nightly_pipeline.apply_async(kwargs={"as_of": AS_OF, "shards": 3}, ignore_result=True).id
            run_id = wait_for("the run to be recorded", lambda: RecomputeRun.objects.values_list(
                "pk", flat=True).order_by("-pk").first())
            wait_for("two shards in flight", lambda: _shards_in_flight(first.name) == 2)
            os.kill(first.pid, signal.SIGKILL)  # the main process only, as the OOM killer or an operator would
            first.wait()
        assert RecomputeRun.objects.get(pk=run_id).finished_at is None

    # The replacement takes over the queue as it is (the third shard is still waiting there).
    with running_worker(tmp_path / "b", concurrency=2, extra_env=SHORT_VISIBILITY, purge=False):
        run = wait_for("another worker to finish the run",
                       lambda: RecomputeRun.objects.filter(pk=run_id, finished_at__isnull=False).first())

    with contextlib.suppress(ProcessLookupError):
        os.killpg(first.pid, signal.SIGKILL)  # the first worker's orphaned pool processes, if any are left

    assert _stored(stored_metrics) == EXPECTED
    assert run.rows == len(EXPECTED)  # a shard finished by an orphan and again by the new worker counts once


def test_the_deployment_settings_redeliver_a_lost_task_and_never_a_slow_one():
    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert conf.task_soft_time_limit < conf.task_time_limit < visibility
    assert conf.broker_transport_options["unacked_restore_interval"] * \
        conf.broker_transport_options["unacked_restore_throttle"] <= 10
