"""The nightly chord's callback never evaluates the rules on part of the metrics: a shard reported twice
(an orphaned worker process and the redelivered message) in place of one still missing is recomputed."""
from datetime import date

import pytest

from metrics.models import RecomputeRun
from metrics.recompute import merchant_shards
from metrics.tasks import finish_recompute_run, recompute_metrics_shard

from .test_celery_worker import AS_OF, EXPECTED, _facts, _stored

pytestmark = pytest.mark.django_db


def test_a_duplicate_report_in_place_of_a_missing_shard_is_made_good(ingest, stored_metrics, metrics_only):
    ingest(*_facts())
    shards = merchant_shards(2)
    assert len(shards) == 2
    run = RecomputeRun.objects.create(as_of=date.fromisoformat(AS_OF), start=date(2026, 6, 1), shards=2)
    first = recompute_metrics_shard(AS_OF, "2026-06-01", shards[0].after, shards[0].through, report_range=True)

    finish_recompute_run([first, first], run.pk, shards=[[s.after, s.through] for s in shards])

    run.refresh_from_db()
    assert run.finished_at is not None
    assert _stored(stored_metrics) == EXPECTED  # the second shard's merchants too
    assert run.rows == len(EXPECTED)  # the duplicate counted once
