"""Celery tasks for the nightly metrics pipeline: thin wrappers around metrics.recompute."""
from datetime import date

from celery import chord, shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from .cohorts import MerchantRange
from .models import RecomputeRun
from .partitions import drop_expired_facts as drop_expired
from .pipeline import after_metrics_as_of
from .recompute import clear_stale_days, merchant_shards, plan, recompute_shard, yesterday


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def recompute_metrics_shard(as_of, start, after=None, through=None, report_range=False):
    """Recompute one merchant shard as of `as_of` (ISO dates). Idempotent: a retry or a
    duplicate delivery rewrites the same rows with the same numbers. With `report_range` (the
    nightly chord) it returns which shard it did, so the callback can tell a duplicate from a gap."""
    rows = recompute_shard(
        as_of=date.fromisoformat(as_of), start=date.fromisoformat(start),
        shard=MerchantRange(after=after, through=through),
    )
    return [after, through, rows] if report_range else rows


@shared_task(acks_late=True)
def finish_recompute_run(shard_rows, run_id, last_stale_id=None, shards=None):
    """Chord callback: record the run's total, forget the late facts it covered, then run what
    follows the metrics (the rules). Idempotent: it sets, never adds.

    A shard whose worker was killed can report twice (the orphaned process finishes it and the
    redelivered message runs it again), so the chord may fire with a duplicate in place of a shard
    still running. Every expected shard (`shards`, [after, through] pairs) that did not report is
    recomputed here first (idempotent), so the rules never run on part of the metrics."""
    run = RecomputeRun.objects.get(pk=run_id)
    total = sum(shard_rows) if shards is None else _complete_shards(run, shard_rows, shards)
    clear_stale_days(as_of=run.as_of, start=run.start, last_id=last_stale_id)
    RecomputeRun.objects.filter(pk=run_id).update(rows=total, finished_at=timezone.now())
    after_metrics_as_of(run.as_of)
    return run_id


def _complete_shards(run, reports, shards):
    done = {}
    for after, through, rows in reports:
        done[(after, through)] = rows  # a duplicate report of a shard counts once
    for after, through in shards:
        if (after, through) not in done:
            done[(after, through)] = recompute_shard(
                as_of=run.as_of, start=run.start, shard=MerchantRange(after=after, through=through))
    return sum(done.values())


@shared_task
def nightly_pipeline(as_of=None, start=None, shards=None):
    """Fan the recompute out over merchant shards, then run what follows the metrics.

    as_of defaults to yesterday in the platform zone; start to the first changeable day.
    Scheduled by Celery beat at 02:30 platform time.
    """
    as_of_day = date.fromisoformat(as_of) if as_of else yesterday()
    start_day, last_stale_id = plan(as_of_day, date.fromisoformat(start) if start else None)
    ranges = merchant_shards(shards or settings.RISKCASE_RECOMPUTE_SHARDS)
    run = RecomputeRun.objects.create(as_of=as_of_day, start=start_day, shards=len(ranges))
    header = [
        recompute_metrics_shard.s(as_of_day.isoformat(), start_day.isoformat(), r.after, r.through,
                                  report_range=True)
        for r in ranges
    ]
    chord(header)(finish_recompute_run.s(run.pk, last_stale_id,
                                         shards=[[r.after, r.through] for r in ranges]))
    return run.pk


@shared_task(acks_late=True)
def drop_expired_facts(as_of=None):
    """Drop the fact history older than RISKCASE_FACT_RETENTION_DAYS before `as_of` (default yesterday).
    Idempotent: a second run finds nothing more to drop."""
    kept_from, dropped = drop_expired(as_of=date.fromisoformat(as_of) if as_of else yesterday())
    return {"kept_from": kept_from.isoformat(), "dropped": dropped}
