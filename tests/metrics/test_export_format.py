"""The export CSV (contract section 4): exact header, one row per merchant-day with a paid or verified
order, sorted by merchant_id then day, rates with 6 decimals or empty for null, stable as true/false."""
import csv
import io

import pytest
from django.core.management import CommandError, call_command

from tests.factories import (
    ComplaintFactory,
    MerchantFactory,
    OrderFactory,
    OrderVerificationFactory,
    RefundFactory,
    ReviewFactory,
    shanghai,
)

HEADER = ("merchant_id,day,paid_orders,verified_orders,complaints,negative_reviews,merchant_refunds,"
          "complaint_rate,negative_review_rate,merchant_refund_rate,stable")


def _orders(merchant_id, day, count):
    merchant = MerchantFactory(merchant_id=merchant_id)
    return [OrderFactory(merchant=merchant, paid_at=shanghai(day, f"1{i}:00:00")) for i in range(count)]


@pytest.fixture
def three_merchants(db):
    # Created out of order; ids chosen so code-point order differs from numeric and case-blind order.
    for merchant_id in ["m-9", "m-10", "M-b", "m-a"]:
        _orders(merchant_id, "2026-06-12", 1)
        _orders(merchant_id, "2026-06-03", 1)
    orders = _orders("m-c", "2026-06-10", 3)
    ComplaintFactory(order=orders[0])
    RefundFactory(order=orders[1])
    RefundFactory(order=orders[2])
    for order in orders[:2]:
        OrderVerificationFactory(order=order)
    ReviewFactory(order=orders[0], rating=1)


def test_the_header_is_exactly_the_contract_header(three_merchants, export_csv):
    text = export_csv(as_of="2026-06-20", start="2026-06-01", end="2026-06-30")

    assert text.splitlines()[0] == HEADER


def test_an_empty_export_still_has_the_header(db, export_csv):
    assert export_csv(as_of="2026-06-20", start="2026-06-01", end="2026-06-30").splitlines() == [HEADER]


def test_rows_are_sorted_by_merchant_id_then_day(three_merchants, export_csv):
    rows = list(csv.reader(io.StringIO(export_csv(as_of="2026-06-20", start="2026-06-01", end="2026-06-30"))))[1:]

    keys = [(r[0], r[1]) for r in rows]
    assert keys == sorted(keys)
    assert [k[0] for k in keys[::2]] == ["M-b", "m-10", "m-9", "m-a"] + ["m-c"]


def test_rates_have_six_decimals_null_is_empty_and_stable_is_true_or_false(three_merchants, export_csv):
    lines = export_csv(as_of="2026-06-20", start="2026-06-01", end="2026-06-30").splitlines()

    # 3 paid, 2 verified, 1 complaint, 1 negative review, 2 orders with a merchant refund; A - D = 10.
    assert "m-c,2026-06-10,3,2,1,1,2,0.333333,0.500000,0.666667,true" in lines
    # Paid only: no verified order, so an empty negative review rate; A - D = 8 is stable.
    assert "m-a,2026-06-12,1,0,0,0,0,0.000000,,0.000000,true" in lines
    assert "m-a,2026-06-03,1,0,0,0,0,0.000000,,0.000000,true" in lines


def test_days_within_seven_days_of_the_as_of_day_are_marked_false(three_merchants, export_csv):
    lines = export_csv(as_of="2026-06-18", start="2026-06-12", end="2026-06-12").splitlines()

    assert lines[1:] == [f"{m},2026-06-12,1,0,0,0,0,0.000000,,0.000000,false" for m in ["M-b", "m-10", "m-9", "m-a"]]


def test_only_days_from_start_to_end_are_exported(three_merchants, export_csv):
    lines = export_csv(as_of="2026-06-20", start="2026-06-04", end="2026-06-11").splitlines()

    assert [line.split(",")[:2] for line in lines[1:]] == [["m-c", "2026-06-10"]]


def test_days_after_the_as_of_day_are_not_exported(three_merchants, export_csv):
    lines = export_csv(as_of="2026-06-05", start="2026-06-01", end="2026-06-30").splitlines()

    assert {line.split(",")[1] for line in lines[1:]} == {"2026-06-03"}


def test_a_start_after_the_end_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="after"):
        call_command("export_metrics", "--as-of", "2026-06-20", "--start", "2026-06-10", "--end", "2026-06-01",
                     "--out", str(tmp_path / "x.csv"))
