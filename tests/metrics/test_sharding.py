"""A recompute spread over several merchant shards stores exactly what a single shard stores."""
import pytest

from metrics.models import DailyMetric
from metrics.recompute import merchant_shards
from metrics.tasks import recompute_metrics_shard
from tests.factories import ComplaintFiledLine, OrderPaidLine, OrderVerifiedLine, RefundCompletedLine

AS_OF = "2026-06-20"
# Ids that sort differently by code point, by case and by number: every shard boundary lands somewhere.
MERCHANTS = ["m-1", "m-10", "m-2", "M-3", "m-a", "m-B", "m_c", "商户-1", "m-1 ", "z"]


def _facts():
    facts = []
    for n, merchant in enumerate(MERCHANTS):
        for k in range(n % 3 + 1):
            order = f"{merchant}/o{k}"
            facts.append(OrderPaidLine(order_id=order, merchant_id=merchant,
                                       paid_at=f"2026-06-{10 + k:02d}T{10 + n}:00:00+08:00"))
            facts.append(OrderVerifiedLine(order_id=order, verified_at=f"2026-06-{11 + k:02d}T09:00:00+08:00"))
            if (n + k) % 2:
                facts.append(ComplaintFiledLine(order_id=order, filed_at="2026-06-14T10:00:00+08:00"))
            if (n + k) % 3 == 0:
                facts.append(RefundCompletedLine(order_id=order, refunded_at="2026-06-15T10:00:00+08:00"))
    return facts


@pytest.mark.parametrize("shards", [2, 3, 7, 10, 25])
def test_sharded_recompute_equals_single_shard(ingest, recompute_cmd, stored_metrics, shards):
    ingest(*_facts())
    recompute_cmd(AS_OF, start="2026-06-01", shards=1)
    single = stored_metrics()
    DailyMetric.objects.all().delete()

    recompute_cmd(AS_OF, start="2026-06-01", shards=shards)

    assert stored_metrics() == single
    assert {r[0] for r in single} == set(MERCHANTS)
    assert sum(r[2] for r in single) == sum(n % 3 + 1 for n in range(len(MERCHANTS)))


def test_shard_tasks_cover_every_merchant_exactly_once(ingest, recompute_cmd, stored_metrics):
    ingest(*_facts())
    recompute_cmd(AS_OF, start="2026-06-01", shards=1)
    single = stored_metrics()
    DailyMetric.objects.all().delete()

    written = [
        recompute_metrics_shard.apply(args=[AS_OF, "2026-06-01", s.after, s.through]).get()
        for s in merchant_shards(4)
    ]

    assert stored_metrics() == single
    assert sum(written) == len(single)
    assert all(written)
