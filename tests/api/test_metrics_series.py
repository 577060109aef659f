"""metrics/: the caller merchant's daily series of the three rates, their counts and stable flag."""
from datetime import date, timedelta

from tests.factories import DailyMetricFactory

METRICS = "/api/v1/metrics/"
TODAY = date(2026, 6, 30)


def test_a_day_shows_its_counts_rates_and_stable_flag(api, merchant):
    DailyMetricFactory(merchant=merchant, day=date(2026, 6, 10), paid_orders=50, complaints=2,
                       verified_orders=0, negative_reviews=0, merchant_refunds=1, stable=True)

    body = api.get(METRICS, {"start": "2026-06-01", "end": "2026-06-29"}).json()

    assert body["merchant_id"] == "m-alpha"
    assert (body["start"], body["end"]) == ("2026-06-01", "2026-06-29")
    assert body["days"] == [{
        "day": "2026-06-10", "paid_orders": 50, "verified_orders": 0, "complaints": 2, "negative_reviews": 0,
        "merchant_refunds": 1, "complaint_rate": "0.040000", "negative_review_rate": None,
        "merchant_refund_rate": "0.020000", "stable": True, "as_of": "2026-06-30",
    }]


def test_by_default_the_series_is_the_30_days_up_to_yesterday(api, merchant):
    for day in (TODAY - timedelta(days=31), TODAY - timedelta(days=30), TODAY - timedelta(days=1), TODAY):
        DailyMetricFactory(merchant=merchant, day=day)

    body = api.get(METRICS).json()

    assert (body["start"], body["end"]) == ("2026-05-31", "2026-06-29")
    assert [d["day"] for d in body["days"]] == ["2026-05-31", "2026-06-29"]


def test_only_start_runs_the_series_up_to_yesterday(api, merchant):
    body = api.get(METRICS, {"start": "2026-04-01"}).json()

    assert (body["start"], body["end"]) == ("2026-04-01", "2026-06-29")


def test_only_end_gives_the_30_days_ending_there(api, merchant):
    body = api.get(METRICS, {"end": "2026-05-15"}).json()

    assert (body["start"], body["end"]) == ("2026-04-16", "2026-05-15")


def test_the_days_come_oldest_first(api, merchant):
    for day in (date(2026, 6, 20), date(2026, 6, 5), date(2026, 6, 12)):
        DailyMetricFactory(merchant=merchant, day=day)

    days = [d["day"] for d in api.get(METRICS).json()["days"]]

    assert days == ["2026-06-05", "2026-06-12", "2026-06-20"]


def test_provisional_days_say_so(api, merchant):
    DailyMetricFactory(merchant=merchant, day=date(2026, 6, 28), stable=False)

    assert api.get(METRICS).json()["days"][0]["stable"] is False


def test_the_full_three_months_is_allowed(api, merchant):
    response = api.get(METRICS, {"start": "2026-03-30", "end": "2026-06-30"})

    assert response.status_code == 200, response.content
