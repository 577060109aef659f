"""Fact history is partitioned by day range on PostgreSQL and kept for RISKCASE_FACT_RETENTION_DAYS (180):
retention drops whole month partitions (rows on SQLite), and a fact that arrives later for a dropped day is
rejected with a clear message instead of being stored where no metric will ever read it."""
import io
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import orjson
import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from metrics.ingest import ingest_lines
from metrics.models import Complaint, Order
from metrics.partitions import drop_expired_facts, partitions, partitions_lock, retained_from
from tests.factories import ComplaintFiledLine, OrderFactory, OrderPaidLine, shanghai

AS_OF = date(2026, 6, 30)  # 180 days back is 2026-01-02: history is kept from 2026-01-01


def _orders(*days):
    return [OrderPaidLine(order_id=f"o-{d}", paid_at=f"{d}T12:00:00+08:00") for d in days]


def test_retention_drops_the_facts_of_the_months_before_the_kept_history(ingest):
    ingest(*_orders("2025-11-20", "2025-12-31", "2026-01-01", "2026-06-29"),
           ComplaintFiledLine(order_id="o-2025-12-31", filed_at="2025-12-31T20:00:00+08:00"),
           ComplaintFiledLine(order_id="o-2026-01-01", filed_at="2026-01-03T20:00:00+08:00"))

    kept_from, _ = drop_expired_facts(as_of=AS_OF)

    assert kept_from == date(2026, 1, 1) == retained_from()
    assert sorted(Order.objects.values_list("order_id", flat=True)) == ["o-2026-01-01", "o-2026-06-29"]
    assert list(Complaint.objects.values_list("order_id", flat=True)) == ["o-2026-01-01"]


def test_a_late_fact_for_a_dropped_day_is_rejected_with_a_clear_error(ingest, tmp_path):
    ingest(*_orders("2025-12-20", "2026-06-29"))
    drop_expired_facts(as_of=AS_OF)

    report = ingest(*_orders("2025-12-31", "2026-01-01"),
                    ComplaintFiledLine(order_id="o-2026-01-01", filed_at="2025-12-31T23:59:59+08:00"))

    assert (report.new, report.bad) == (1, 2)
    assert [e["line"] for e in report.errors] == [1, 3]
    assert report.errors[0]["reason"].startswith("paid_at falls on 2025-12-31, before 2026-01-01, the first day "
                                                 "of history still kept: older facts were dropped by retention")
    assert report.errors[1]["reason"].startswith("filed_at falls on 2025-12-31")
    assert not Order.objects.filter(order_id="o-2025-12-31").exists()


def test_the_ingest_command_names_the_line_of_a_fact_before_the_kept_history(ingest, tmp_path):
    ingest(*_orders("2026-06-29"))
    call_command("drop_expired_facts", "--as-of", str(AS_OF), stdout=io.StringIO())
    path = tmp_path / "late.jsonl"
    path.write_text('{"type": "order_verified", "order_id": "o-1", "verified_at": "2025-06-01T10:00:00Z"}\n')
    errors = io.StringIO()

    with pytest.raises(SystemExit) as exit_code:
        call_command("ingest", str(path), stdout=io.StringIO(), stderr=errors)

    assert exit_code.value.code == 1
    assert f"{path}:1: verified_at falls on 2025-06-01, before 2026-01-01" in errors.getvalue()


def test_retention_never_moves_the_kept_history_back(ingest):
    drop_expired_facts(as_of=AS_OF)

    kept_from, dropped = drop_expired_facts(as_of=date(2026, 3, 1))

    assert kept_from == date(2026, 1, 1) == retained_from()
    assert dropped == {}


@pytest.mark.postgres
def test_fact_tables_are_partitioned_by_month_of_their_day_and_retention_drops_whole_partitions(ingest):
    ingest(*_orders("2025-12-31", "2026-01-01", "2026-06-29"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname, pg_get_partkeydef(c.oid) FROM pg_partitioned_table p "
                       "JOIN pg_class c ON c.oid = p.partrelid WHERE c.relname LIKE 'metrics_%%' ORDER BY 1")
        keys = dict(cursor.fetchall())
    before = partitions(Order)

    drop_expired_facts(as_of=AS_OF)

    assert keys == {"metrics_complaint": "RANGE (filed_day)", "metrics_order": "RANGE (paid_day)",
                    "metrics_orderverification": "RANGE (verified_day)", "metrics_refund": "RANGE (refunded_day)",
                    "metrics_review": "RANGE (posted_day)"}
    assert {date(2025, 12, 1), date(2026, 1, 1), date(2026, 6, 1)} <= set(before)
    assert date(2025, 12, 1) not in partitions(Order)
    assert {date(2026, 1, 1), date(2026, 6, 1)} <= set(partitions(Order))


@pytest.mark.postgres
def test_rows_written_outside_the_ingest_move_into_the_month_partition_the_ingest_creates(ingest):
    OrderFactory(order_id="o-written-directly", paid_at=shanghai("2031-03-05"))

    report = ingest(*_orders("2031-03-06"))

    with connection.cursor() as cursor:
        cursor.execute("SELECT order_id FROM metrics_order_p203103 ORDER BY 1")
        assert [r[0] for r in cursor.fetchall()] == ["o-2031-03-06", "o-written-directly"]
        cursor.execute("SELECT count(*) FROM metrics_order_default")
        assert cursor.fetchone()[0] == 0
    assert report.new == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_retention_waits_for_an_ingest_batch_that_names_the_partitions():
    """An ingest batch holds its tables' partitions lock shared while its statements name their partitions
    (metrics/ingest/writer.py _probe); retention drops none of them until the batch ends."""
    ingest_lines([orjson.dumps(line) for line in _orders("2025-11-20", "2026-06-29")])
    batch = psycopg.connect(_url(), autocommit=False)
    batch.execute("SELECT pg_advisory_xact_lock_shared(hashtext(%s))", [partitions_lock("metrics_order")])
    dropping = ThreadPoolExecutor(1).submit(_drop_in_thread)
    try:
        for _ in range(100):  # until retention waits for the lock
            waiting = batch.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            if waiting.fetchone()[0]:
                break
            time.sleep(0.05)
        assert not dropping.done()
        assert date(2025, 11, 1) in partitions(Order)
    finally:
        batch.commit()
        batch.close()
    assert dropping.result(timeout=10) == date(2026, 1, 1)
    assert date(2025, 11, 1) not in partitions(Order)


def _url():
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _drop_in_thread():
    try:
        return drop_expired_facts(as_of=AS_OF)[0]
    finally:
        connection.close()
