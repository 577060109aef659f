"""A day is a calendar day in the platform zone (contract section 2), whatever offset a fact is written in."""
import pytest

from tests.factories import OrderPaidLine, OrderVerifiedLine

AS_OF = "2026-06-30"

# The last second of 2026-06-10 and the first of 2026-06-11 in Asia/Shanghai, in both notations.
LAST_SECOND = {"+08:00": "2026-06-10T23:59:59+08:00", "Z": "2026-06-10T15:59:59Z"}
FIRST_SECOND = {"+08:00": "2026-06-11T00:00:00+08:00", "Z": "2026-06-10T16:00:00Z"}


@pytest.mark.parametrize("notation", ["+08:00", "Z"])
def test_order_paid_on_the_last_second_of_a_day_counts_on_that_day_and_the_next_second_on_the_next(
    ingest, export_rows, notation
):
    ingest(
        OrderPaidLine(order_id="late", merchant_id="m-a", paid_at=LAST_SECOND[notation]),
        OrderPaidLine(order_id="early", merchant_id="m-a", paid_at=FIRST_SECOND[notation]),
    )

    rows = export_rows(as_of=AS_OF, start="2026-06-09", end="2026-06-12")

    assert sorted(rows) == [("m-a", "2026-06-10"), ("m-a", "2026-06-11")]
    assert rows["m-a", "2026-06-10"]["paid_orders"] == "1"
    assert rows["m-a", "2026-06-11"]["paid_orders"] == "1"


@pytest.mark.parametrize("notation", ["+08:00", "Z"])
def test_order_verified_on_the_last_second_of_a_day_counts_on_that_day_and_the_next_second_on_the_next(
    ingest, export_rows, notation
):
    ingest(
        OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-01T10:00:00+08:00"),
        OrderPaidLine(order_id="o-2", merchant_id="m-a", paid_at="2026-06-01T10:00:00+08:00"),
        OrderVerifiedLine(order_id="o-1", verified_at=LAST_SECOND[notation]),
        OrderVerifiedLine(order_id="o-2", verified_at=FIRST_SECOND[notation]),
    )

    rows = export_rows(as_of=AS_OF, start="2026-06-01", end="2026-06-12")

    assert rows["m-a", "2026-06-10"]["verified_orders"] == "1"
    assert rows["m-a", "2026-06-11"]["verified_orders"] == "1"
    assert rows["m-a", "2026-06-10"]["paid_orders"] == "0"


def test_a_utc_instant_after_16_00_belongs_to_the_next_shanghai_day_although_its_utc_date_is_the_same(
    ingest, export_rows
):
    ingest(OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-10T20:00:00Z"))

    rows = export_rows(as_of=AS_OF, start="2026-06-01", end="2026-06-30")

    assert list(rows) == [("m-a", "2026-06-11")]


def test_the_platform_zone_is_a_setting(ingest, export_rows, settings):
    settings.TIME_ZONE = "UTC"
    ingest(OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at="2026-06-11T00:30:00+08:00"))

    rows = export_rows(as_of=AS_OF, start="2026-06-01", end="2026-06-30")

    # 00:30 in Shanghai is 16:30 UTC the day before.
    assert list(rows) == [("m-a", "2026-06-10")]
