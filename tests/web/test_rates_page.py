"""The rates page: three server-drawn charts with the threshold and the provisional days, a range form
validated like the metrics endpoint, and the numbers in a table."""
from datetime import date, timedelta

import pytest

from tests.factories import DailyMetricFactory


@pytest.fixture
def days(merchant):
    # The last 5 days up to 2026-06-29; the last two are still provisional.
    for offset in range(5):
        DailyMetricFactory(merchant=merchant, day=date(2026, 6, 29) - timedelta(days=offset), stable=offset >= 2)


def test_the_default_range_draws_three_charts_with_threshold_and_provisional_days(web, days):
    response = web.get("/merchant/rates/")
    body = response.content.decode()
    assert response.status_code == 200
    # Each chart is drawn twice, for a wide screen and for a phone (CSS shows one).
    assert body.count('<svg class="wide"') == 3 and body.count('<svg class="narrow"') == 3
    assert body.count("<title id=") == 6 and body.count("<desc") == 6
    assert body.count('class="limit-line"') == 6
    assert 'class="provisional-band"' in body and "still changing" in body
    assert 'value="2026-05-31"' in body and 'value="2026-06-29"' in body  # the last 30 days
    assert "2026-06-25" in body and "3.00%" in body  # the table: 3 complaints of 100 paid orders


def test_a_chosen_range_shows_only_its_days(web, days):
    body = web.get("/merchant/rates/?start=2026-06-27&end=2026-06-28").content.decode()
    assert "2026-06-27" in body and "2026-06-28" in body and "2026-06-26" not in body


@pytest.mark.parametrize(("query", "message"), [
    ("start=2026-06-20&end=2026-06-10", "must be on or before end"),
    ("start=2026-01-01&end=2026-01-10", "at most 3 months"),
    ("start=2026-06-20&end=2026-07-10", "cannot be after today"),
    ("start=yesterday", "Enter a valid date"),
])
def test_a_bad_range_is_a_form_error(web, days, query, message):
    response = web.get(f"/merchant/rates/?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "<svg" not in response.content.decode()
