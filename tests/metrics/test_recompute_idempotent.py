"""Re-running the recompute, or delivering a shard task twice, rewrites the same rows: never a double
count (issue 3: a retried or duplicated task must give the same result)."""
from metrics.recompute import merchant_shards
from metrics.tasks import recompute_metrics_shard
from tests.factories import ComplaintFiledLine, OrderPaidLine, OrderVerifiedLine, RefundCompletedLine, ReviewPostedLine

AS_OF = "2026-06-20"


def _facts():
    return [
        OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-10T10:00:00+08:00"),
        OrderPaidLine(order_id="o-2", merchant_id="m-a", paid_at="2026-06-10T11:00:00+08:00"),
        OrderPaidLine(order_id="o-3", merchant_id="m-b", paid_at="2026-06-15T11:00:00+08:00"),
        OrderVerifiedLine(order_id="o-1", verified_at="2026-06-11T10:00:00+08:00"),
        ComplaintFiledLine(order_id="o-1", filed_at="2026-06-11T10:00:00+08:00"),
        ComplaintFiledLine(order_id="o-1", filed_at="2026-06-12T10:00:00+08:00"),
        ReviewPostedLine(order_id="o-1", rating=1, posted_at="2026-06-12T10:00:00+08:00"),
        RefundCompletedLine(order_id="o-2", refunded_at="2026-06-12T10:00:00+08:00"),
        RefundCompletedLine(order_id="o-3", refunded_at="2026-06-16T10:00:00+08:00"),
    ]


# Worked out by hand from the contract for _facts() as of 2026-06-20.
EXPECTED = [
    ("m-a", "2026-06-10", 2, 0, 2, 0, 1),
    ("m-a", "2026-06-11", 0, 1, 0, 1, 0),
    ("m-b", "2026-06-15", 1, 0, 0, 0, 1),
]


def test_running_the_recompute_again_gives_identical_rows(ingest, recompute_cmd, stored_metrics):
    ingest(*_facts())
    recompute_cmd(AS_OF, start="2026-06-01")
    first = stored_metrics()

    recompute_cmd(AS_OF, start="2026-06-01")
    recompute_cmd(AS_OF, start="2026-06-01")

    assert stored_metrics() == first
    assert [r[:7] for r in first] == EXPECTED


def test_a_shard_task_delivered_twice_leaves_the_same_rows(ingest, stored_metrics):
    ingest(*_facts())
    shards = merchant_shards(2)
    for shard in shards:
        recompute_metrics_shard.apply(args=[AS_OF, "2026-06-01", shard.after, shard.through]).get()
    once = stored_metrics()

    for shard in shards:
        recompute_metrics_shard.apply(args=[AS_OF, "2026-06-01", shard.after, shard.through]).get()

    assert len(shards) == 2
    assert stored_metrics() == once
    assert [r[:7] for r in once] == EXPECTED
