"""Correctness at scale: on a generated data set (every fact type, late and out-of-order facts, shuffled
lines), `export_metrics` and `export_metrics --by product` equal, row for row and digit for digit, the
hand-written floor query the benchmark times the recompute against (bench/floor_query.py)."""
import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection

from bench.floor_query import floor_rows, formatted
from metrics.ingest import ingest_lines
from metrics.synthetic import Plan, generate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

AS_OF, START = date(2026, 6, 30), date(2026, 5, 2)


def _export(tmp_path, *extra):
    out = tmp_path / "export.csv"
    call_command("export_metrics", *extra, "--as-of", str(AS_OF), "--start", str(START), "--end", str(AS_OF),
                 "--out", str(out), stdout=io.StringIO())
    return list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))[1:]


def test_the_export_equals_the_hand_written_query_on_generated_data(tmp_path):
    plan = Plan(merchants=40, days=60, orders_per_day=20, as_of=AS_OF, seed=11)
    report = ingest_lines(generate(plan))
    assert report.rejected == 0

    merchant_days = _export(tmp_path)
    product_days = _export(tmp_path, "--by", "product")
    with connection.cursor() as cursor:
        expected_merchant_days = formatted(floor_rows(cursor, start=START, end=AS_OF, as_of=AS_OF))
        expected_product_days = formatted(floor_rows(cursor, start=START, end=AS_OF, as_of=AS_OF, by_product=True))

    assert len(merchant_days) > 1500 and len(product_days) > 4000
    assert merchant_days == expected_merchant_days
    assert product_days == expected_product_days


def test_at_a_thousand_merchants_the_export_equals_the_hand_written_query(tmp_path):
    """Issue 17: correctness at 1,000 merchants (a week of a few orders a day each, so the suite stays quick;
    `make bench --merchants 1000` compares the same at 90 days of 20 orders)."""
    start = date(2026, 6, 23)
    plan = Plan(merchants=1000, days=8, orders_per_day=3, as_of=AS_OF, seed=5)
    assert ingest_lines(generate(plan)).rejected == 0

    out = tmp_path / "export.csv"
    call_command("export_metrics", "--as-of", str(AS_OF), "--start", str(start), "--end", str(AS_OF),
                 "--out", str(out), stdout=io.StringIO())
    merchant_days = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))[1:]
    with connection.cursor() as cursor:
        expected = formatted(floor_rows(cursor, start=start, end=AS_OF, as_of=AS_OF))
    assert len({row[0] for row in merchant_days}) == 1000 and len(merchant_days) > 7500  # a quiet day has no row
    assert merchant_days == expected
