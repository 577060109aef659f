"""On PostgreSQL, ingests and shard recomputes racing in separate connections still classify every line
once and converge on the same rows (what several workers and trading systems do at night)."""
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import orjson
import pytest
from django.db import connection, connections

from metrics.ingest import ingest_lines
from metrics.models import Order
from metrics.recompute import merchant_shards, recompute_shard
from tests.factories import ComplaintFiledLine, OrderPaidLine, RefundCompletedLine

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AS_OF = "2026-06-20"


def _in_threads(*calls):
    """Run each call in its own thread (so its own database connection), return their results."""

    def run(call):
        try:
            return call()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [f.result() for f in [pool.submit(run, c) for c in calls]]


def _lines(amount=10_000, orders=300):
    lines = []
    for i in range(orders):
        lines.append(OrderPaidLine(order_id=f"o-{i}", merchant_id=f"m-{i % 7}", amount_cents=amount,
                                   paid_at=f"2026-06-{10 + i % 5}T12:00:00+08:00"))
        lines.append(ComplaintFiledLine(complaint_id=f"c-{i}", order_id=f"o-{i}",
                                        filed_at=f"2026-06-{12 + i % 5}T12:00:00+08:00"))
        if i % 4 == 0:
            lines.append(RefundCompletedLine(refund_id=f"f-{i}", order_id=f"o-{i}",
                                             refunded_at="2026-06-16T12:00:00+08:00"))
    return [orjson.dumps(line) for line in lines]


def test_the_database_is_postgresql():
    assert connection.vendor == "postgresql"


def test_two_ingests_of_the_same_file_at_once_store_each_fact_once(settings):
    settings.RISKCASE_INGEST_BATCH_SIZE = 100
    lines = _lines()

    reports = _in_threads(lambda: ingest_lines(lines), lambda: ingest_lines(lines))

    assert sum(r.new for r in reports) == len(lines)
    assert sum(r.duplicate for r in reports) == len(lines)
    assert sum(r.conflicting + r.bad for r in reports) == 0
    assert Order.objects.count() == 300


def test_two_ingests_with_different_content_at_once_keep_one_and_report_the_other_as_conflicts(settings):
    settings.RISKCASE_INGEST_BATCH_SIZE = 100
    first, second = _lines(amount=1), _lines(amount=2)

    reports = _in_threads(lambda: ingest_lines(first), lambda: ingest_lines(second))

    assert sum(r.new for r in reports) == len(first)
    assert sum(r.conflicting for r in reports) == 300  # the orders differ; complaints and refunds do not
    assert sum(r.duplicate for r in reports) == len(first) - 300
    assert set(Order.objects.values_list("amount_cents", flat=True)) <= {1, 2}


def test_the_same_shards_recomputed_at_once_converge_on_the_single_run(stored_metrics):
    ingest_lines(_lines())
    as_of, start = date.fromisoformat(AS_OF), date(2026, 6, 1)
    recompute_shard(as_of=as_of, start=start)
    single = stored_metrics()
    shards = merchant_shards(3)

    written = _in_threads(*[
        (lambda s=s: recompute_shard(as_of=as_of, start=start, shard=s)) for s in shards for _ in range(3)
    ])

    assert stored_metrics() == single
    assert sum(written) == 3 * len(single)
    # 300 orders over 7 merchants and 5 days; every complaint falls in its order's window.
    assert sum(r[2] for r in single) == 300
    assert sum(r[4] for r in single) == 300
    assert sum(r[6] for r in single) == 75


def _merchant(name, occurred_at="2026-06-01T00:00:00+08:00"):
    return orjson.dumps({"type": "merchant_upserted", "merchant_id": "m-race", "name": name, "category": "food",
                         "occurred_at": occurred_at})


def _race(first_lines, second_lines):
    """The first ingest writes and holds its transaction open; the second starts meanwhile (and waits on
    the row), then the first commits. Returns (first report, second report)."""
    import threading

    from django.db import transaction

    written, release = threading.Event(), threading.Event()

    def first():
        with transaction.atomic():
            report = ingest_lines(first_lines)
            written.set()
            release.wait(30)
        return report

    def second():
        written.wait(30)
        threading.Timer(0.5, release.set).start()  # let the second reach the row lock, then commit the first
        return ingest_lines(second_lines)

    return _in_threads(first, second)


def test_a_conflicting_merchant_record_racing_another_ingest_is_a_conflict_not_superseded():
    one, two = _race([_merchant("Noodle House")], [_merchant("Other Name")])

    assert (one.new, two.new, two.superseded) == (1, 0, 0)
    assert two.conflicting == 1
    assert two.errors[0]["reason"].startswith("conflict: merchant_upserted")


def test_the_same_merchant_record_ingested_twice_at_once_is_a_duplicate():
    one, two = _race([_merchant("Noodle House")], [_merchant("Noodle House")])

    assert (one.new, two.duplicate, two.superseded, two.conflicting) == (1, 1, 0, 0)


def test_an_older_merchant_record_racing_a_newer_one_is_still_superseded():
    one, two = _race([_merchant("New", "2026-06-02T00:00:00+08:00")], [_merchant("Old")])

    assert (one.new, two.superseded, two.conflicting) == (1, 1, 0)
