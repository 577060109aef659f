"""The worked example of the data contract: ingest month.jsonl with the command, recompute and export as of
2026-06-30, and compare with month.expected-metrics.csv (counts and stable exactly, rates to 1e-6)."""
import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from metrics.models import DailyMetric

from .example import EXAMPLES

AS_OF, START, END = "2026-06-30", "2026-05-17", "2026-06-30"
COUNTS = ("paid_orders", "verified_orders", "complaints", "negative_reviews", "merchant_refunds")
RATES = ("complaint_rate", "negative_review_rate", "merchant_refund_rate")


def _read_csv(text):
    # The expected file may have CRLF line endings.
    return list(csv.DictReader(io.StringIO(text.replace("\r\n", "\n"))))


def _assert_same_metrics(actual, expected):
    assert [(r["merchant_id"], r["day"]) for r in actual] == [(r["merchant_id"], r["day"]) for r in expected]
    for got, want in zip(actual, expected, strict=False):
        where = f"{want['merchant_id']} {want['day']}"
        assert {c: got[c] for c in COUNTS} == {c: want[c] for c in COUNTS}, where
        assert got["stable"] == want["stable"], where
        for rate in RATES:
            if want[rate] == "":
                assert got[rate] == "", f"{where} {rate}"
            else:
                assert got[rate] != "", f"{where} {rate}"
                assert abs(Decimal(got[rate]) - Decimal(want[rate])) <= Decimal("0.000001"), f"{where} {rate}"


@pytest.fixture
def worked_example(db, tmp_path, metrics_only):
    """The example ingested with the command and recomputed as the README says."""
    out = io.StringIO()
    call_command("ingest", str(EXAMPLES / "month.jsonl"), "--rejects", str(tmp_path / "rejects.jsonl"), stdout=out)
    call_command("recompute", "--as-of", AS_OF, "--start", START, stdout=io.StringIO())
    return out.getvalue()


def test_the_example_ingests_without_a_rejected_line(worked_example, tmp_path):
    assert "0 conflicting, 0 bad" in worked_example
    assert (tmp_path / "rejects.jsonl").read_bytes() == b""


def test_the_export_matches_the_expected_metrics(worked_example, export_csv):
    expected_text = (EXAMPLES / "month.expected-metrics.csv").read_text(encoding="utf-8")
    actual_text = export_csv(as_of=AS_OF, start=START, end=END)

    assert actual_text.splitlines()[0] == expected_text.splitlines()[0].rstrip("\r")
    _assert_same_metrics(_read_csv(actual_text), _read_csv(expected_text))


def test_the_stored_daily_metrics_match_the_expected_metrics(worked_example):
    expected = _read_csv((EXAMPLES / "month.expected-metrics.csv").read_text(encoding="utf-8"))

    def fmt(rate):
        return "" if rate is None else f"{rate:.6f}"

    stored = [
        {"merchant_id": m.merchant_id, "day": m.day.isoformat(),
         **{c: str(getattr(m, c)) for c in COUNTS}, **{r: fmt(getattr(m, r)) for r in RATES},
         "stable": "true" if m.stable else "false"}
        for m in DailyMetric.objects.filter(day__gte=START, day__lte=END).order_by("merchant_id", "day")
    ]

    _assert_same_metrics(stored, expected)
