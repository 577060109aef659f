"""metrics/ refuses a range it cannot serve with a 400 that says why, in English or Chinese."""
from .conftest import assert_error

METRICS = "/api/v1/metrics/"


def test_start_after_end_is_refused(api):
    error = assert_error(api.get(METRICS, {"start": "2026-06-20", "end": "2026-06-10"}), 400, "invalid_range")

    assert error["message"] == "start (2026-06-20) must be on or before end (2026-06-10)."
    assert error["fields"] == {"start": [error["message"]]}


def test_a_start_older_than_three_months_is_refused_and_says_the_earliest_day(api):
    error = assert_error(api.get(METRICS, {"start": "2026-03-29", "end": "2026-04-10"}), 400, "range_too_old")

    assert "at most 3 months" in error["message"]
    assert "2026-03-30" in error["message"]
    assert list(error["fields"]) == ["start"]


def test_a_range_longer_than_three_months_is_refused(api):
    assert_error(api.get(METRICS, {"start": "2026-01-01", "end": "2026-06-29"}), 400, "range_too_old")


def test_a_range_that_ends_before_the_three_months_is_refused(api):
    assert_error(api.get(METRICS, {"end": "2026-02-01"}), 400, "range_too_old")


def test_an_end_in_the_future_is_refused(api):
    error = assert_error(api.get(METRICS, {"start": "2026-06-01", "end": "2026-07-01"}), 400, "range_in_future")

    assert error["message"] == "end (2026-07-01) cannot be after today (2026-06-30)."


def test_a_malformed_date_names_the_field(api):
    error = assert_error(api.get(METRICS, {"start": "June 1st"}), 400, "invalid")

    assert list(error["fields"]) == ["start"]


def test_the_reason_is_in_chinese_for_a_chinese_client(api):
    response = api.get(METRICS, {"start": "2026-03-29", "end": "2026-04-10"}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    error = assert_error(response, 400, "range_too_old")
    assert error["message"] == "数据最多可查询近 3 个月：开始日期须不早于 2026-03-30，而不是 2026-03-29。"


def test_start_after_end_in_chinese(api):
    response = api.get(METRICS, {"start": "2026-06-20", "end": "2026-06-10"}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    error = assert_error(response, 400, "invalid_range")
    assert error["message"] == "开始日期（2026-06-20）不能晚于结束日期（2026-06-10）。"


def test_a_future_end_in_chinese(api):
    response = api.get(METRICS, {"end": "2026-07-02"}, HTTP_ACCEPT_LANGUAGE="zh-Hans-CN,zh;q=0.9")

    error = assert_error(response, 400, "range_in_future")
    assert error["message"] == "结束日期（2026-07-02）不能晚于今天（2026-06-30）。"
