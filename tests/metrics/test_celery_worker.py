"""The nightly pipeline on a real Celery worker (Redis broker) writing to PostgreSQL: the stored rows equal
the contract's numbers and an in-process computation, and a shard task delivered twice changes nothing."""
from datetime import date
from decimal import Decimal

import pytest

from metrics.cohorts import Grain, iter_cohort_rows
from metrics.models import ProductDailyMetric, RecomputeRun
from metrics.recompute import merchant_shards
from metrics.tasks import nightly_pipeline, recompute_metrics_shard
from tests.celery_worker import DEADLINE_SECONDS, wait_for
from tests.factories import (
    ComplaintFiledLine,
    OrderPaidLine,
    OrderVerifiedLine,
    RefundCompletedLine,
    ReviewPostedLine,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AS_OF = "2026-06-20"


def _facts():
    """Four merchants, so several shards; every kind of fact, with window edges and a late fact."""
    return [
        OrderPaidLine(order_id="a1", merchant_id="m-a", paid_at="2026-06-10T23:59:59+08:00"),
        OrderPaidLine(order_id="a2", merchant_id="m-a", paid_at="2026-06-10T16:00:00Z"),  # the 11th
        OrderVerifiedLine(order_id="a1", verified_at="2026-06-11T10:00:00+08:00"),
        ReviewPostedLine(order_id="a1", rating=2, posted_at="2026-06-17T23:59:59+08:00"),  # D+6: counts
        ReviewPostedLine(order_id="a1", rating=1, posted_at="2026-06-18T00:00:00+08:00"),  # D+7: not
        ComplaintFiledLine(order_id="a1", filed_at="2026-06-11T10:00:00+08:00"),
        ComplaintFiledLine(order_id="a1", filed_at="2026-06-12T10:00:00+08:00"),
        OrderPaidLine(order_id="b1", merchant_id="m-b", paid_at="2026-06-12T10:00:00+08:00"),
        OrderPaidLine(order_id="b2", merchant_id="m-b", paid_at="2026-06-12T11:00:00+08:00"),
        OrderPaidLine(order_id="b3", merchant_id="m-b", paid_at="2026-06-12T12:00:00+08:00"),
        RefundCompletedLine(order_id="b1", refunded_at="2026-06-13T10:00:00+08:00"),
        RefundCompletedLine(order_id="b1", refunded_at="2026-06-14T10:00:00+08:00"),
        RefundCompletedLine(order_id="b2", responsibility="consumer", refunded_at="2026-06-13T10:00:00+08:00"),
        OrderPaidLine(order_id="c1", merchant_id="m-c", paid_at="2026-06-19T10:00:00+08:00"),
        ComplaintFiledLine(order_id="c1", filed_at="2026-06-21T10:00:00+08:00"),  # after A: ignored
        OrderPaidLine(order_id="d1", merchant_id="m-d", paid_at="2026-06-21T10:00:00+08:00"),  # after A
    ]


# Worked out by hand from the contract as of 2026-06-20:
# (merchant, day, paid, verified, complaints, negative, merchant refunds, stable)
EXPECTED = [
    ("m-a", "2026-06-10", 1, 0, 2, 0, 0, True),
    ("m-a", "2026-06-11", 1, 1, 0, 1, 0, True),
    ("m-b", "2026-06-12", 3, 0, 0, 0, 1, True),  # A - D = 8
    ("m-c", "2026-06-19", 1, 0, 0, 0, 0, False),
]


def _stored(stored_metrics):
    return [(r[0], r[1], *r[2:7], r[10]) for r in stored_metrics()]


def _assert_equals_in_process_computation(stored_metrics, start):
    as_of = date.fromisoformat(AS_OF)
    computed = list(iter_cohort_rows(as_of=as_of, start=start, end=as_of))
    stored = stored_metrics()
    assert [(r[0], r[1], *r[2:7], r[10]) for r in stored] == [
        (c.merchant_id, c.day.isoformat(), c.paid_orders, c.verified_orders, c.complaints, c.negative_reviews,
         c.merchant_refunds, c.stable) for c in computed]
    for row, c in zip(stored, computed, strict=False):
        for got, want in zip(row[7:10], (c.complaint_rate, c.negative_review_rate, c.merchant_refund_rate), strict=False):
            assert (got is None) == (want is None)
            if want is not None:
                assert abs(Decimal(got) - want) <= Decimal("0.000001")


def test_the_nightly_pipeline_on_a_worker_stores_the_contract_numbers_in_postgresql(
    celery_worker, ingest, stored_metrics
):
    ingest(*_facts())

    run_id = nightly_pipeline.delay(as_of=AS_OF, shards=3).get(timeout=DEADLINE_SECONDS)
    run = wait_for("the recompute run to finish",
                    lambda: RecomputeRun.objects.filter(pk=run_id, finished_at__isnull=False).first())

    assert run.as_of == date(2026, 6, 20)
    assert run.shards == 3
    # The facts arrived after their days passed: the run stretched back to cover them.
    assert run.start <= date(2026, 6, 10)
    assert _stored(stored_metrics) == EXPECTED
    assert run.rows == len(EXPECTED)
    _assert_equals_in_process_computation(stored_metrics, run.start)
    as_of = date.fromisoformat(AS_OF)
    assert [(p.merchant_id, p.product_id, p.day, p.paid_orders, p.complaints, p.merchant_refunds)
            for p in ProductDailyMetric.objects.order_by("merchant_id", "product_id", "day")] == [
        (c.merchant_id, c.product_id, c.day, c.paid_orders, c.complaints, c.merchant_refunds)
        for c in iter_cohort_rows(as_of=as_of, start=run.start, end=as_of, grain=Grain.PRODUCT)]


def test_a_shard_task_delivered_twice_on_the_worker_leaves_the_same_rows(
    celery_worker, ingest, stored_metrics
):
    ingest(*_facts())
    shards = merchant_shards(2)
    args = [(AS_OF, "2026-06-01", s.after, s.through) for s in shards]

    first = [recompute_metrics_shard.delay(*a) for a in args]
    [r.get(timeout=DEADLINE_SECONDS) for r in first]
    once = stored_metrics()
    # Delivered again, twice at once on the worker's two processes.
    again = [recompute_metrics_shard.delay(*a) for a in args for _ in range(2)]
    written = [r.get(timeout=DEADLINE_SECONDS) for r in again]

    assert len(shards) == 2
    assert stored_metrics() == once
    assert sum(written) == 2 * len(EXPECTED)
    assert _stored(stored_metrics) == EXPECTED
    _assert_equals_in_process_computation(stored_metrics, date(2026, 6, 1))
