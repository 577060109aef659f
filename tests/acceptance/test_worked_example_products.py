"""The worked example at the product grain (data contract section 7): `export_metrics --by product` and the
stored product-days match month.expected-product-metrics.csv (counts and stable exactly, rates to 1e-6), and
every merchant-day is the sum of its product-days."""
import csv
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command

from metrics.models import DailyMetric, ProductDailyMetric

from .example import EXAMPLES
from .test_worked_example import AS_OF, COUNTS, END, RATES, START, _read_csv

KEY = ("merchant_id", "product_id", "day")


@pytest.fixture
def worked_example(db, tmp_path, metrics_only):
    call_command("ingest", str(EXAMPLES / "month.jsonl"), stdout=io.StringIO())
    call_command("recompute", "--as-of", AS_OF, "--start", START, stdout=io.StringIO())


@pytest.fixture
def expected_text():
    return (EXAMPLES / "month.expected-product-metrics.csv").read_text(encoding="utf-8")


def _export(tmp_path, *extra):
    out = tmp_path / f"export{'-'.join(extra)}.csv"
    call_command("export_metrics", *extra, "--as-of", AS_OF, "--start", START, "--end", END, "--out", str(out),
                 stdout=io.StringIO())
    return out.read_text(encoding="utf-8")


def _assert_same_product_metrics(actual, expected):
    assert [tuple(r[k] for k in KEY) for r in actual] == [tuple(r[k] for k in KEY) for r in expected]
    for got, want in zip(actual, expected, strict=False):
        where = " ".join(want[k] for k in KEY)
        assert {c: got[c] for c in COUNTS} == {c: want[c] for c in COUNTS}, where
        assert got["stable"] == want["stable"], where
        for rate in RATES:
            if want[rate] == "":
                assert got[rate] == "", f"{where} {rate}"
            else:
                assert abs(Decimal(got[rate]) - Decimal(want[rate])) <= Decimal("0.000001"), f"{where} {rate}"


def _fmt(rate):
    return "" if rate is None else f"{rate:.6f}"


def test_the_product_export_matches_the_expected_product_metrics(worked_example, tmp_path, expected_text):
    actual_text = _export(tmp_path, "--by", "product")

    assert actual_text.splitlines()[0] == expected_text.splitlines()[0].rstrip("\r")
    _assert_same_product_metrics(_read_csv(actual_text), _read_csv(expected_text))


def test_the_stored_product_metrics_match_the_expected_product_metrics(worked_example, expected_text):
    stored = [
        {"merchant_id": m.merchant_id, "product_id": m.product_id, "day": m.day.isoformat(),
         **{c: str(getattr(m, c)) for c in COUNTS}, **{r: _fmt(getattr(m, r)) for r in RATES},
         "stable": "true" if m.stable else "false"}
        for m in ProductDailyMetric.objects.filter(day__gte=START, day__lte=END)
        .order_by("merchant_id", "product_id", "day")
    ]

    _assert_same_product_metrics(stored, _read_csv(expected_text))


def test_every_merchant_day_is_the_sum_of_its_product_days(worked_example, tmp_path):
    summed_export = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for row in csv.DictReader(io.StringIO(_export(tmp_path, "--by", "product"))):
        for c in COUNTS:
            summed_export[row["merchant_id"], row["day"]][c] += int(row[c])
    merchant_export = {(r["merchant_id"], r["day"]): {c: int(r[c]) for c in COUNTS}
                       for r in csv.DictReader(io.StringIO(_export(tmp_path)))}
    summed_stored = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for m in ProductDailyMetric.objects.all():
        for c in COUNTS:
            summed_stored[m.merchant_id, m.day][c] += getattr(m, c)
    merchant_stored = {(m.merchant_id, m.day): {c: getattr(m, c) for c in COUNTS}
                       for m in DailyMetric.objects.all()}

    assert len(merchant_export) > 300
    assert dict(summed_export) == merchant_export
    assert dict(summed_stored) == merchant_stored
