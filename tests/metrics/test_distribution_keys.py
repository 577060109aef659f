"""Ready to distribute by merchant (Citus): every fact table carries `merchant_id` in its keys, and every join
between fact tables that the code actually runs matches on `merchant_id` as well as on the order.

The join check reads the SQL the database receives (the recompute, the export, the benchmark's floor query,
the complaint-count rules and the facts behind a figure), so a new statement that joins facts on `order_id`
alone fails it, whoever wrote it."""
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.floor_query import floor_rows
from cases.models import RiskPoint
from cases.rules.complaint_counts import complaint_counts
from metrics.cohorts import Grain, iter_cohort_rows
from metrics.ingest import ingest_lines
from metrics.models import UNKNOWN_MERCHANT, Complaint, Order
from metrics.partitions import FACT_TABLES
from metrics.recompute import recompute_shard
from metrics.synthetic import Plan, generate
from portal.facts import case_facts, rate_facts
from tests.factories import ComplaintFiledLine, OrderPaidLine

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)
START = AS_OF - timedelta(days=20)
FACT_MODELS = [model for model, _, _ in FACT_TABLES.values()]


def test_every_fact_model_has_a_required_merchant_id():
    for model in FACT_MODELS:
        columns = {field.column: field for field in model._meta.concrete_fields}
        assert "merchant_id" in columns, model.__name__
        assert not columns["merchant_id"].null, model.__name__


@pytest.mark.postgres
def test_every_unique_key_of_every_fact_table_and_partition_holds_merchant_id():
    ingest_lines(generate(Plan(merchants=3, days=40, orders_per_day=3, as_of=AS_OF, seed=2)))  # several months
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT t.relname, i.indisprimary, array_agg(a.attname::text ORDER BY a.attname)
            FROM pg_index i
            JOIN pg_class t ON t.oid = i.indrelid
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(i.indkey)
            WHERE i.indisunique AND (t.relname = ANY(%(tables)s) OR t.oid IN (
                SELECT inhrelid FROM pg_inherits WHERE inhparent IN (
                    SELECT oid FROM pg_class WHERE relname = ANY(%(tables)s) AND relnamespace = 'public'::regnamespace)))
            GROUP BY t.relname, i.indexrelid, i.indisprimary
        """, {"tables": [model._meta.db_table for model in FACT_MODELS]})
        keys = cursor.fetchall()

    primary = {table for table, is_primary, _ in keys if is_primary}
    for model, key, day in FACT_TABLES.values():
        table = model._meta.db_table
        assert table in primary and f"{table}_default" in primary
        assert sum(1 for t in primary if t.startswith(f"{table}_p")) >= 2, "the data spans several months"
        assert (table, True, sorted([key, day, "merchant_id"])) in keys
    assert [(table, columns) for table, _, columns in keys if "merchant_id" not in columns] == []


# --- the joins --------------------------------------------------------------------------------------------

_REF = r"([a-z_][a-z0-9_]*)\.({column})"
_EQUAL = re.compile(_REF.format(column="order_id") + r"\s*=\s*" + _REF.format(column="order_id"))
_SEMI_JOIN = re.compile(_REF.format(column="order_id") + r"\s+in\s+\(\s*select\b")


def _normalised(sql):
    sql = sql.lower().replace('"', "")
    sql = re.sub(r"\(\s*([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)\s*\)", r"\1", sql)  # (t.col) -> t.col
    return re.sub(r"\s+", " ", sql)


def join_problems(sql):
    """(joins checked, [the order joins of `sql` that do not also match merchant_id])."""
    sql = _normalised(sql)
    checked, problems = 0, []
    for left, _, right, _ in _EQUAL.findall(sql):
        if left == right:
            continue
        checked += 1
        pair = {f"{left}.merchant_id = {right}.merchant_id", f"{right}.merchant_id = {left}.merchant_id"}
        if not any(p in sql for p in pair):
            problems.append(f"{left}.order_id = {right}.order_id without {left}.merchant_id = {right}.merchant_id")
    for outer, _ in _SEMI_JOIN.findall(sql):
        checked += 1
        if f"{outer}.merchant_id =" not in sql:
            problems.append(f"{outer}.order_id IN (SELECT ...) without {outer}.merchant_id")
    return checked, problems


def test_the_join_check_catches_a_join_on_the_order_alone():
    assert join_problems('SELECT 1 FROM "metrics_complaint" c JOIN "metrics_order" o ON o.order_id = c.order_id')[1]
    assert join_problems("SELECT 1 FROM c WHERE c.order_id IN (SELECT U0.order_id FROM metrics_order U0)")[1]
    assert join_problems('SELECT 1 FROM c JOIN o ON (o."merchant_id" = c.merchant_id) AND o.order_id = c.order_id') \
        == (1, [])


@pytest.mark.postgres
def test_every_join_between_facts_that_the_code_runs_matches_on_merchant_id(sql_as_written):
    assert ingest_lines(generate(Plan(merchants=4, days=30, orders_per_day=6, as_of=AS_OF, seed=5))).rejected == 0
    merchant_id, product_id = Order.objects.values_list("merchant_id", "product_id").first()
    with CaptureQueriesContext(connection) as captured:
        recompute_shard(as_of=AS_OF, start=START)
        for grain in (Grain.MERCHANT, Grain.PRODUCT):
            list(iter_cohort_rows(as_of=AS_OF, start=START, end=AS_OF, grain=grain))
        with connection.cursor() as cursor:
            for by_product in (False, True):
                floor_rows(cursor, start=START, end=AS_OF, as_of=AS_OF, by_product=by_product)
        for by_product in (False, True):
            complaint_counts(end=AS_OF, windows={"food": (START, 1)}, by_product=by_product)
            complaint_counts(end=AS_OF, windows={"food": (START, 1)}, by_product=by_product,
                             reason="service_not_provided")
        for rate in (RiskPoint.COMPLAINT_RATE, RiskPoint.NEGATIVE_REVIEW_RATE, RiskPoint.MERCHANT_REFUND_RATE):
            for part in ("numerator", "denominator"):
                for product in (None, product_id):
                    list(rate_facts(merchant_id, rate=rate, start=START, end=AS_OF, as_of=AS_OF, part=part,
                                    product=product))
        for risk_point in (RiskPoint.CLUSTERED_COMPLAINTS, RiskPoint.SERVICE_NOT_PROVIDED):
            list(case_facts(SimpleNamespace(merchant_id=merchant_id, product_id=product_id, risk_point=risk_point,
                                            window_start=START, window_end=AS_OF, as_of=AS_OF)))

    checked, problems = 0, []
    for query in captured.captured_queries:
        n, found = join_problems(query["sql"])
        checked += n
        problems += found
    assert problems == []
    assert checked >= 40  # the cohort statements, the floor query, the rules and the facts pages were all read


def test_a_fact_before_its_order_waits_under_no_merchant_and_takes_its_orders_on_arrival(ingest):
    ingest(ComplaintFiledLine(complaint_id="c-1", order_id="o-1", filed_at="2026-06-11T10:00:00+08:00"))
    assert Complaint.objects.get().merchant_id == UNKNOWN_MERCHANT

    ingest(OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-10T10:00:00+08:00"))

    assert Complaint.objects.get().merchant_id == "m-a"
    report = ingest(ComplaintFiledLine(complaint_id="c-1", order_id="o-1", filed_at="2026-06-11T10:00:00+08:00"))
    assert (report.duplicate, report.conflicting) == (1, 0)
