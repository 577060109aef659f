"""negative_reviews(D) (contract section 3): reviews with rating <= 2 on orders verified on D; rating 3 is
not negative, reviews on orders never verified do not count."""
import pytest

from tests.factories import OrderPaidLine, OrderVerifiedLine, ReviewPostedLine

AS_OF = "2026-06-30"
D = "2026-06-10"


def _row(export_rows):
    return export_rows(as_of=AS_OF, start=D, end=D)["m-a", D]


@pytest.mark.parametrize(("rating", "negative"), [(1, True), (2, True), (3, False), (4, False), (5, False)])
def test_a_review_is_negative_when_its_rating_is_at_most_two(ingest, export_rows, rating, negative):
    ingest(
        OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at=f"{D}T10:00:00+08:00"),
        OrderVerifiedLine(order_id="o-1", verified_at=f"{D}T11:00:00+08:00"),
        ReviewPostedLine(order_id="o-1", rating=rating, posted_at=f"{D}T12:00:00+08:00"),
    )

    row = _row(export_rows)

    assert row["negative_reviews"] == ("1" if negative else "0")
    assert row["negative_review_rate"] == ("1.000000" if negative else "0.000000")


def test_reviews_on_unverified_orders_do_not_count(ingest, export_rows):
    ingest(
        OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at=f"{D}T10:00:00+08:00"),
        OrderPaidLine(order_id="o-2", merchant_id="m-a", paid_at=f"{D}T10:00:00+08:00"),
        OrderVerifiedLine(order_id="o-1", verified_at=f"{D}T11:00:00+08:00"),
        ReviewPostedLine(order_id="o-2", rating=1, posted_at=f"{D}T12:00:00+08:00"),
        ReviewPostedLine(order_id="o-2", rating=2, posted_at=f"{D}T13:00:00+08:00"),
    )

    row = _row(export_rows)

    assert (row["verified_orders"], row["negative_reviews"], row["negative_review_rate"]) == ("1", "0", "0.000000")


def test_several_negative_reviews_on_one_verified_order_count_each(ingest, export_rows):
    ingest(
        OrderPaidLine(order_id="o-1", merchant_id="m-a", paid_at=f"{D}T10:00:00+08:00"),
        OrderPaidLine(order_id="o-2", merchant_id="m-a", paid_at=f"{D}T10:00:00+08:00"),
        OrderVerifiedLine(order_id="o-1", verified_at=f"{D}T11:00:00+08:00"),
        OrderVerifiedLine(order_id="o-2", verified_at=f"{D}T11:00:00+08:00"),
        ReviewPostedLine(order_id="o-1", rating=1, posted_at=f"{D}T12:00:00+08:00"),
        ReviewPostedLine(order_id="o-1", rating=2, posted_at="2026-06-11T12:00:00+08:00"),
        ReviewPostedLine(order_id="o-2", rating=3, posted_at="2026-06-11T12:00:00+08:00"),
    )

    row = _row(export_rows)

    assert (row["negative_reviews"], row["negative_review_rate"]) == ("2", "1.000000")
