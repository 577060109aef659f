"""Recomputing stored daily metrics: which days, which shards, and the run record."""
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from .cohorts import STABLE_AFTER_DAYS, MerchantRange, store_daily_metrics
from .models import DailyMetric, Order, StaleDay


def yesterday():
    """The default as-of day: yesterday in the platform time zone."""
    return timezone.localdate() - timedelta(days=1)


def changeable_start(as_of):
    """The first day whose stored row can differ from last night's: A-7 turns stable today."""
    return as_of - timedelta(days=STABLE_AFTER_DAYS)


def plan(as_of, start=None):
    """The first day to recompute as of A, and the id of the last StaleDay record it covers.

    By default the changeable days, stretched back to the earliest day a late fact changed.
    """
    pending = StaleDay.objects.filter(day__lte=as_of)
    if start is not None:
        pending = pending.filter(day__gte=start)
    found = pending.aggregate(first=Min("day"), last_id=Max("id"))
    if start is None:
        # A skipped night leaves days stored as provisional that are stable by now: redo them too.
        provisional = DailyMetric.objects.filter(stable=False, day__lte=as_of).aggregate(first=Min("day"))
        start = min(filter(None, [changeable_start(as_of), found["first"], provisional["first"]]))
    return start, found["last_id"]


def clear_stale_days(*, as_of, start, last_id):
    """Forget the late-fact records a finished recompute from `start` as of A has covered."""
    if last_id is not None:
        StaleDay.objects.filter(id__lte=last_id, day__gte=start, day__lte=as_of).delete()


def merchant_shards(count):
    """Split the merchants that have orders into `count` contiguous id ranges of similar size.

    One NTILE query; the first and last ranges are open-ended so no merchant falls between. One shard is
    every merchant, which needs no query (the NTILE reads every order).
    """
    if count <= 1:
        return [MerchantRange()]
    table = connection.ops.quote_name(Order._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT MAX(merchant_id) FROM (
                SELECT merchant_id, NTILE(%s) OVER (ORDER BY merchant_id) AS shard
                FROM (SELECT DISTINCT merchant_id FROM {table}) AS merchants
            ) AS tiles GROUP BY shard ORDER BY MAX(merchant_id)
            """,
            [max(1, count)],
        )
        highs = [row[0] for row in cursor.fetchall()]
    # Shard i holds the ids after shard i-1's maximum up to its own; the last is open-ended.
    bounds = [None, *highs[:-1], None]
    return [MerchantRange(after=bounds[i], through=bounds[i + 1]) for i in range(len(highs))] or [
        MerchantRange()
    ]


ALL_MERCHANTS = MerchantRange()


def recompute_shard(*, as_of, start, end=None, shard=ALL_MERCHANTS):
    """Recompute one shard's days [start, end or as_of] as of A in one transaction. Idempotent."""
    with transaction.atomic():
        return store_daily_metrics(as_of=as_of, start=start, end=end or as_of, shard=shard)


def recompute(*, as_of, start=None, shards=1, on_shard=None):
    """Recompute every merchant in this process (the command's path), shard after shard.

    One shard by default: in one process, shards only add statements; they pay off when the
    nightly task spreads them over workers (RISKCASE_RECOMPUTE_SHARDS), or to show progress.
    on_shard(done, total, rows) is called after each shard.
    """
    start, last_id = plan(as_of, start)
    ranges = merchant_shards(shards or 1)
    rows = 0
    for done, shard in enumerate(ranges, start=1):
        written = recompute_shard(as_of=as_of, start=start, shard=shard)
        rows += written
        if on_shard:
            on_shard(done, len(ranges), written)
    clear_stale_days(as_of=as_of, start=start, last_id=last_id)
    return start, rows
