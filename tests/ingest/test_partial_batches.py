"""A batch with bad lines in the middle keeps every valid line before and after, including across the
service's internal write batches (contract section 1: nothing valid is lost)."""
import pytest

from metrics.models import Order
from tests.factories import OrderPaidLine


@pytest.mark.parametrize("batch_size", [1, 3, 2000])
def test_a_bad_line_in_the_middle_keeps_the_lines_before_and_after(ingest, settings, batch_size):
    settings.RISKCASE_INGEST_BATCH_SIZE = batch_size
    lines = [OrderPaidLine(order_id=f"o-{i}", merchant_id="m-a") for i in range(1, 8)]
    lines[3] = "{bad"
    lines[5] = OrderPaidLine(order_id="o-1", merchant_id="m-a", amount_cents=1)  # conflicts with line 1

    report = ingest(*lines)

    assert (report.new, report.bad, report.conflicting) == (5, 1, 1)
    assert [e["line"] for e in report.errors] == [4, 6]
    assert sorted(Order.objects.values_list("order_id", flat=True)) == ["o-1", "o-2", "o-3", "o-5", "o-7"]


def test_a_batch_of_only_bad_lines_stores_nothing_and_reports_every_line(ingest):
    report = ingest("{", "[]", '{"type": "x"}')

    assert report.bad == 3
    assert [e["line"] for e in report.errors] == [1, 2, 3]
    assert not Order.objects.exists()
