"""Every kind of bad line (contract section 1) is reported with its line number and a reason, and the
valid lines of the same batch are kept."""
import orjson
import pytest

from metrics.models import Complaint, Merchant, Order, OrderVerification, Refund, Review
from tests.factories import (
    ComplaintFiledLine,
    MerchantUpsertedLine,
    OrderPaidLine,
    OrderVerifiedLine,
    RefundCompletedLine,
    ReviewPostedLine,
)


def _with(factory, **changes):
    return orjson.dumps(factory(**changes)).decode()


def _without(factory, field):
    line = factory()
    del line[field]
    return orjson.dumps(line).decode()


BAD_LINES = [
    pytest.param('{"type": "order_paid", "order_id": ', "invalid JSON", id="truncated JSON"),
    pytest.param("not json at all", "invalid JSON", id="not JSON"),
    pytest.param('{"type": "order_paid", "amount_cents": NaN}', "invalid JSON", id="NaN"),
    pytest.param('["order_paid", "o-1"]', "object", id="array"),
    pytest.param('"order_paid"', "object", id="string"),
    pytest.param("42", "object", id="number"),
    pytest.param("null", "object", id="null"),
    pytest.param(_with(OrderPaidLine, type="order_cancelled"), "unknown type", id="unknown type"),
    pytest.param(_with(OrderPaidLine, type=7), "type", id="non-string type"),
    pytest.param(_without(OrderPaidLine, "type"), "type", id="missing type"),
    pytest.param(_without(OrderPaidLine, "merchant_id"), "merchant_id", id="missing merchant_id"),
    pytest.param(_without(OrderPaidLine, "amount_cents"), "amount_cents", id="missing amount"),
    pytest.param(_without(OrderVerifiedLine, "verified_at"), "verified_at", id="missing verified_at"),
    pytest.param(_without(ReviewPostedLine, "rating"), "rating", id="missing rating"),
    pytest.param(_without(ComplaintFiledLine, "reason"), "reason", id="missing reason"),
    pytest.param(_without(RefundCompletedLine, "responsibility"), "responsibility", id="missing responsibility"),
    pytest.param(_without(MerchantUpsertedLine, "name"), "name", id="missing name"),
    pytest.param(_without(MerchantUpsertedLine, "category"), "category", id="missing category"),
    pytest.param(_with(OrderPaidLine, merchant_id=None), "merchant_id", id="null merchant_id"),
    pytest.param(_with(OrderPaidLine, amount_cents="10000"), "amount_cents", id="string for int"),
    pytest.param(_with(OrderPaidLine, amount_cents=100.5), "amount_cents", id="float for int"),
    pytest.param(_with(OrderPaidLine, amount_cents=True), "amount_cents", id="bool for int"),
    pytest.param(_with(ReviewPostedLine, rating=True), "rating", id="bool for rating"),
    pytest.param(_with(ReviewPostedLine, rating="5"), "rating", id="string for rating"),
    pytest.param(_with(OrderPaidLine, order_id=123), "order_id", id="int for string id"),
    pytest.param(_with(ReviewPostedLine, order_id=["o-1"]), "order_id", id="list for string id"),
    pytest.param(_with(OrderPaidLine, order_id="x" * 65), "order_id", id="id of 65 characters"),
    pytest.param(_with(OrderPaidLine, merchant_id=""), "merchant_id", id="empty id"),
    pytest.param(_with(MerchantUpsertedLine, entity_id="e" * 65), "entity_id", id="optional id too long"),
    pytest.param(_with(ReviewPostedLine, rating=0), "rating", id="rating 0"),
    pytest.param(_with(ReviewPostedLine, rating=6), "rating", id="rating 6"),
    pytest.param(_with(ComplaintFiledLine, reason="rude"), "reason", id="bad reason"),
    pytest.param(_with(ComplaintFiledLine, reason="Quality"), "reason", id="reason in the wrong case"),
    pytest.param(_with(ComplaintFiledLine, reason=["quality"]), "reason", id="list for reason"),
    pytest.param(_with(RefundCompletedLine, responsibility="customer"), "responsibility",
                 id="bad responsibility"),
    pytest.param(_with(RefundCompletedLine, responsibility={"who": "merchant"}), "responsibility",
                 id="object for responsibility"),
    pytest.param(_with(MerchantUpsertedLine, category="casino"), "category", id="unknown category"),
    pytest.param(_with(MerchantUpsertedLine, category=["food"]), "category", id="list for category"),
    pytest.param(_with(OrderPaidLine, paid_at="2026-06-10T12:00:00"), "paid_at", id="naive timestamp"),
    pytest.param(_with(OrderPaidLine, paid_at="2026-06-10"), "paid_at", id="date without time"),
    pytest.param(_with(ComplaintFiledLine, filed_at="yesterday"), "filed_at", id="unparseable timestamp"),
    pytest.param(_with(RefundCompletedLine, refunded_at="2026-02-30T12:00:00+08:00"), "refunded_at",
                 id="impossible date"),
    pytest.param(_with(ReviewPostedLine, posted_at=1781078400), "posted_at", id="epoch number timestamp"),
    pytest.param(_with(MerchantUpsertedLine, occurred_at="2026-05-01T25:00:00+08:00"), "occurred_at",
                 id="hour 25"),
    pytest.param(_with(OrderPaidLine, amount_cents=2**63), "amount_cents", id="amount beyond a BIGINT"),
    pytest.param(_with(RefundCompletedLine, amount_cents=-1), "amount_cents", id="negative amount"),
    pytest.param(_with(ReviewPostedLine, text="cold\u0000noodles"), "text", id="NUL in text"),
    pytest.param(_with(ComplaintFiledLine, complaint_id="c\u0000"), "complaint_id", id="NUL in id"),
    pytest.param(_with(OrderPaidLine, paid_at="0001-01-01T00:00:00+08:00"), "paid_at",
                 id="timestamp before the first UTC instant"),
    pytest.param(_with(OrderVerifiedLine, verified_at="9999-12-31T23:00:00-08:00"), "verified_at",
                 id="timestamp after the last UTC instant"),
    pytest.param(b'{"type": "order_paid", "order_id": "\xff\xfe", "merchant_id": "m-a"}', "UTF-8",
                 id="invalid UTF-8"),
]


def _table_sizes():
    return [m.objects.count() for m in (Merchant, Order, OrderVerification, Review, Complaint, Refund)]


@pytest.mark.parametrize(("bad_line", "reason_mentions"), BAD_LINES)
def test_a_bad_line_is_reported_with_line_number_and_reason_and_the_valid_lines_are_kept(
    ingest, bad_line, reason_mentions
):
    valid_before = OrderPaidLine(order_id="before", merchant_id="m-a")
    valid_after = ComplaintFiledLine(complaint_id="after", order_id="before")
    if isinstance(bad_line, bytes):
        valid_before, valid_after = (orjson.dumps(valid_before), orjson.dumps(valid_after))

    report = ingest(valid_before, bad_line, valid_after)

    assert (report.new, report.bad, report.conflicting) == (2, 1, 0)
    assert [e["line"] for e in report.errors] == [2]
    assert reason_mentions.lower() in report.errors[0]["reason"].lower()
    assert _table_sizes() == [0, 1, 0, 0, 1, 0]


def test_nothing_of_a_bad_line_is_half_applied(ingest):
    # Valid up to the last field: the order must not be stored with what could be parsed.
    ingest(_with(OrderPaidLine, order_id="o-1", paid_at="2026-06-10T12:00:00"))

    assert not Order.objects.exists()


@pytest.mark.parametrize("line", [
    pytest.param(OrderPaidLine(order_id="x" * 64), id="id of 64 characters"),
    pytest.param(OrderPaidLine(order_id="订单-一"), id="non-ASCII id"),
    pytest.param(OrderPaidLine(amount_cents=0), id="zero amount"),
    pytest.param(ReviewPostedLine(rating=1), id="rating 1"),
    pytest.param(ReviewPostedLine(rating=5, text="很好吃"), id="rating 5 with text"),
    pytest.param(MerchantUpsertedLine(entity_id="e-1"), id="merchant with entity"),
    pytest.param(OrderPaidLine(paid_at="2026-06-10T12:00:00.123456+08:00"), id="fractional seconds"),
    pytest.param(OrderPaidLine(paid_at="2026-06-10T04:00:00+00:00"), id="+00:00 offset"),
    pytest.param(OrderPaidLine(paid_at="2026-06-09T23:00:00-05:00"), id="negative offset"),
])
def test_lines_at_the_edges_of_the_contract_are_accepted(ingest, line):
    report = ingest(line)

    assert (report.new, report.bad, report.errors) == (1, 0, [])


def test_blank_lines_are_neither_facts_nor_errors_and_line_numbers_still_count_them(ingest):
    report = ingest(OrderPaidLine(order_id="o-1"), "", "   ", "{oops")

    assert (report.new, report.bad) == (1, 1)
    assert report.errors[0]["line"] == 4


def test_windows_line_endings_are_accepted(ingest):
    report = ingest(orjson.dumps(OrderPaidLine(order_id="o-1")) + b"\r\n")

    assert (report.new, report.bad) == (1, 0)
