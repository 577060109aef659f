"""No endpoint's query count grows with the number of rows it returns."""
from datetime import date, timedelta

from .factories import DailyMetricFactory, raise_warning

METRICS = "/api/v1/metrics/"
# Token lookup, the user's other tokens (knox expires them), the membership, the rows.
METRICS_QUERIES = 4
# The same three, then one page of warnings (cursor pagination: no COUNT).
WARNING_LIST_QUERIES = 4


def test_metrics_queries_do_not_grow_with_days(api, merchant, django_assert_max_num_queries):
    for i in range(2):
        DailyMetricFactory(merchant=merchant, day=date(2026, 6, 29) - timedelta(days=i))
    with django_assert_max_num_queries(METRICS_QUERIES):
        assert len(api.get(METRICS, {"start": "2026-04-01"}).json()["days"]) == 2

    for i in range(2, 90):
        DailyMetricFactory(merchant=merchant, day=date(2026, 6, 29) - timedelta(days=i))
    with django_assert_max_num_queries(METRICS_QUERIES):
        assert len(api.get(METRICS, {"start": "2026-04-01"}).json()["days"]) == 90


def test_warning_list_queries_do_not_grow_with_warnings(api, merchant, django_assert_max_num_queries):
    points = ["complaint_rate", "negative_review_rate", "merchant_refund_rate", "clustered_complaints",
              "service_not_provided"]
    raise_warning(merchant, risk_point=points[0])
    with django_assert_max_num_queries(WARNING_LIST_QUERIES):
        assert len(api.get("/api/v1/warnings/").json()["results"]) == 1

    for i in range(40):
        raise_warning(merchant, risk_point=points[i % len(points)], product_id=f"p-{i}")
    with django_assert_max_num_queries(WARNING_LIST_QUERIES):
        assert len(api.get("/api/v1/warnings/").json()["results"]) == 41


def test_warning_detail_takes_a_fixed_number_of_queries(api, merchant,
                                                        django_assert_max_num_queries):
    warning = raise_warning(merchant)
    with django_assert_max_num_queries(WARNING_LIST_QUERIES):
        api.get(f"/api/v1/warnings/{warning.pk}/")
