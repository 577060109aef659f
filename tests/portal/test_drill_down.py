"""The drill-down (发现异常可及时处理): the facts behind a day of a rate are exactly the ones the metrics
counted (checked on every merchant-day of the worked example), and the API and pages list only the
caller's own facts, never a consumer's words, in a number of queries that does not grow with rows."""
import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command

from cases.models import RATE_RISK_POINTS
from metrics.models import DailyMetric
from metrics.selectors import RATES
from portal.facts import rate_facts
from tests.acceptance.example import EXAMPLES
from tests.api.conftest import assert_error
from tests.factories import (
    ComplaintFactory,
    OrderFactory,
    OrderVerificationFactory,
    RefundFactory,
    ReviewFactory,
    record_violation,
    shanghai,
)

pytestmark = pytest.mark.django_db
DAY = date(2026, 6, 10)
FACTS = "/api/v1/metrics/2026-06-10/facts/"


def test_the_facts_behind_every_day_of_the_worked_example_are_the_ones_counted(settings):
    settings.RISKCASE_AFTER_METRICS = []
    call_command("ingest", str(EXAMPLES / "month.jsonl"), stdout=io.StringIO())
    call_command("recompute", "--as-of", "2026-06-30", "--start", "2026-05-17", stdout=io.StringIO())
    checked = 0
    for metric in DailyMetric.objects.filter(day__gte=date(2026, 5, 25)):
        for point in RATE_RISK_POINTS:
            numerator, denominator = RATES[point.value]
            for part, field in (("numerator", numerator), ("denominator", denominator)):
                rows = rate_facts(metric.merchant_id, rate=point.value, start=metric.day, end=metric.day,
                                  as_of=metric.as_of, part=part)
                expected = getattr(metric, field)
                if point.value == "merchant_refund_rate" and part == "numerator":
                    # The rate counts orders with a merchant refund; the drill-down lists each refund.
                    assert len({r["f_order_id"] for r in rows}) == expected, (metric.merchant_id, metric.day)
                else:
                    assert rows.count() == expected, (metric.merchant_id, metric.day, point.value, part)
                checked += 1
    assert checked > 1000


@pytest.fixture
def trade(merchant, other_merchant):
    """On 10 June: 3 orders of ours (one complained about, reviewed badly, refunded) and one of theirs."""
    ours = [OrderFactory(merchant=merchant, product_id=f"p-{i}") for i in range(3)]
    theirs = OrderFactory(merchant=other_merchant)
    ComplaintFactory(order=ours[0], text="call me on 13800000000")
    ComplaintFactory(order=theirs)
    ComplaintFactory(order=ours[1], filed_at=shanghai("2026-06-17"))  # day 8: outside W(D)
    OrderVerificationFactory(order=ours[0])
    ReviewFactory(order=ours[0], rating=1, text="Zhang San, room 5")
    RefundFactory(order=ours[0])
    RefundFactory(order=ours[2], responsibility="consumer")
    return ours


def test_a_day_lists_the_callers_complaints_without_personal_data(api, trade):
    body = api.get(FACTS, {"rate": "complaint_rate"}).json()

    assert [(f["kind"], f["order_id"], f["product_id"]) for f in body["results"]] == [
        ("complaint", trade[0].order_id, "p-0")]
    text = str(body)
    assert "13800000000" not in text and "Zhang" not in text
    orders = api.get(FACTS, {"rate": "complaint_rate", "part": "denominator"}).json()["results"]
    assert {f["id"] for f in orders} == {o.order_id for o in trade}
    reviews = api.get(FACTS, {"rate": "negative_review_rate"}).json()["results"]
    assert [(f["kind"], f["rating"]) for f in reviews] == [("review", 1)]
    refunds = api.get(FACTS, {"rate": "merchant_refund_rate"}).json()["results"]
    assert [(f["kind"], f["responsibility"]) for f in refunds] == [("refund", "merchant")]


def test_another_merchant_never_sees_our_facts(other_api, trade):
    rows = other_api.get(FACTS, {"rate": "complaint_rate", "part": "denominator"}).json()["results"]
    assert {f["order_id"] for f in rows}.isdisjoint({o.order_id for o in trade})
    assert len(rows) == 1


def test_another_merchants_case_facts_are_a_404(api, other_api, merchant, trade):
    violation = record_violation(merchant, window_start=DAY, window_end=DAY)
    assert [f["order_id"] for f in api.get(f"/api/v1/violations/{violation.pk}/facts/").json()["results"]] == [
        trade[0].order_id]
    assert_error(other_api.get(f"/api/v1/violations/{violation.pk}/facts/"), 404, "not_found")


def test_a_bad_rate_is_a_400_with_the_field(api):
    assert_error(api.get(FACTS, {"rate": "mood"}), 400)


@pytest.mark.parametrize("query", ["rate=complaint_rate&part=", "rate=complaint_rate&product=",
                                   "rate=complaint_rate&product=%20%20", "rate=complaint_rate&rate=complaint_rate"])
def test_an_empty_blank_or_repeated_parameter_is_a_400_as_the_schema_says(api, query):
    """The schema declares `part` and `product` non-empty (a product not only white space) and each parameter once."""
    error = assert_error(api.get(f"{FACTS}?{query}"), 400)
    assert set(error["fields"]) <= {"part", "product", "rate"} and error["fields"]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("rate", [p.value for p in RATE_RISK_POINTS])
@pytest.mark.parametrize("part", ["numerator", "denominator"])
def test_the_first_and_last_days_of_the_calendar_are_an_empty_page_not_a_crash(api, day, rate, part):
    """Any YYYY-MM-DD the schema allows: no window arithmetic steps past the calendar's last day."""
    response = api.get(f"/api/v1/metrics/{day}/facts/", {"rate": rate, "part": part})
    assert response.status_code == 200 and response.json()["results"] == []


def test_a_page_of_facts_takes_the_same_queries_for_1_or_60_rows(api, merchant, django_assert_max_num_queries):
    OrderFactory(merchant=merchant)
    with django_assert_max_num_queries(6) as few:
        api.get(FACTS, {"rate": "complaint_rate", "part": "denominator"})
    for _ in range(60):
        ComplaintFactory(order=OrderFactory(merchant=merchant))
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = api.get(FACTS, {"rate": "complaint_rate"}).json()
    assert len(body["results"]) == 50 and body["next"]


def test_the_pages_drill_down_from_a_day_and_from_a_case(web, merchant, other_web, trade):  # noqa: F811
    page = web.get("/merchant/rates/2026-06-10/facts/?rate=complaint_rate")
    assert page.status_code == 200 and trade[0].order_id in page.content.decode()
    assert "13800000000" not in page.content.decode()
    assert trade[0].order_id not in other_web.get("/merchant/rates/2026-06-10/facts/?rate=complaint_rate"
                                                  ).content.decode()
    violation = record_violation(merchant, window_start=DAY, window_end=DAY)
    assert trade[0].order_id in web.get(f"/merchant/violations/{violation.pk}/facts/").content.decode()
    assert other_web.get(f"/merchant/violations/{violation.pk}/facts/").status_code == 404
    assert web.get("/merchant/rates/2026-02-30/facts/").status_code == 404
    assert web.get(f"/merchant/rates/{DAY + timedelta(days=1)}/facts/?rate=complaint_rate").status_code == 200
