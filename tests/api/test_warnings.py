"""warnings/: the caller's warnings (预警) with their explanation, and acknowledging one."""
from datetime import date

from cases import services
from eventstore.actors import SYSTEM, Actor
from eventstore.store import read
from tests.factories import raise_warning

from .conftest import assert_error

WARNINGS = "/api/v1/warnings/"


def test_the_list_shows_the_callers_warnings_newest_first(api, merchant, frozen_now):
    older = raise_warning(merchant, risk_point="complaint_rate")
    frozen_now.shift(60)
    newer = raise_warning(merchant, risk_point="negative_review_rate", value="0.070000", threshold="0.064000")

    body = api.get(WARNINGS).json()

    assert [w["id"] for w in body["results"]] == [str(newer.pk), str(older.pk)]
    first = body["results"][0]
    assert first["risk_point"] == "negative_review_rate"
    assert first["risk_point_label"] == "Negative review rate"
    assert (first["state"], first["value"], first["threshold"]) == ("open", "0.070000", "0.064000")
    assert "explanation" not in first
    assert body["next"] is None


def test_the_list_filters_by_state_and_risk_point(api, merchant):
    open_one = raise_warning(merchant, risk_point="complaint_rate")
    acked = raise_warning(merchant, risk_point="merchant_refund_rate")
    services.warning_acknowledge(warning_id=acked.pk, actor=Actor.merchant("m-alpha"))

    by_state = api.get(WARNINGS, {"state": "acknowledged"}).json()["results"]
    by_point = api.get(WARNINGS, {"risk_point": "complaint_rate"}).json()["results"]

    assert [w["id"] for w in by_state] == [str(acked.pk)]
    assert [w["id"] for w in by_point] == [str(open_one.pk)]


def test_an_unknown_filter_value_is_a_400_naming_the_field(api, merchant):
    error = assert_error(api.get(WARNINGS, {"state": "sleeping"}), 400)

    assert list(error["fields"]) == ["state"]


def test_the_list_is_paginated_by_cursor(api, merchant, frozen_now):
    for point in ("complaint_rate", "negative_review_rate", "merchant_refund_rate"):
        raise_warning(merchant, risk_point=point)
        frozen_now.shift(1)

    first = api.get(WARNINGS, {"page_size": 2}).json()
    second = api.get(first["next"]).json()

    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert "cursor=" in first["next"]
    assert {w["id"] for w in first["results"]}.isdisjoint({w["id"] for w in second["results"]})


def test_the_detail_explains_the_warning(api, merchant):
    warning = raise_warning(merchant)

    body = api.get(f"{WARNINGS}{warning.pk}/").json()

    assert body["explanation"] == {
        "kind": "warning", "value": "0.045000", "threshold": "0.040000", "numerator": 9, "denominator": 200,
        "window_start": "2026-05-31", "window_end": "2026-06-29", "category": "food",
        "summary": "Complaint rate from 2026-05-31 to 2026-06-29 was 4.50% (9 of 200 orders), at or above 4.00%.",
    }


def test_the_explanation_is_in_chinese_for_a_chinese_client(api, merchant):
    warning = raise_warning(merchant)

    body = api.get(f"{WARNINGS}{warning.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()

    assert body["explanation"]["summary"] == (
        "投诉率：2026-05-31 至 2026-06-29 为 4.50%（200 单中 9 单），已达到或超过 4.00%。")


def test_the_explanation_never_names_another_merchant(api, merchant):
    warning = raise_warning(
        merchant, risk_point="related_entity", value=None, threshold=None, numerator=None, denominator=None,
        detail={"related": [{"merchant_id": "m-secret", "violation_id": "x"}], "lookback_days": 180},
    )

    body = api.get(f"{WARNINGS}{warning.pk}/").json()

    assert "m-secret" not in str(body)
    assert body["explanation"]["summary"] == "A merchant of the same legal entity has an upheld violation."


def test_acknowledging_an_open_warning_records_it_as_the_merchant(api, merchant):
    warning = raise_warning(merchant)

    response = api.post(f"{WARNINGS}{warning.pk}/acknowledge/", {"expected_version": 1}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "acknowledged"
    assert response.json()["acknowledged_at"] is not None
    last = list(read(warning.stream))[-1]
    assert last.type == "warning.acknowledged"
    assert last.actor == Actor.merchant("m-alpha")


def test_acknowledging_without_a_version_works_too(api, merchant):
    warning = raise_warning(merchant)

    assert api.post(f"{WARNINGS}{warning.pk}/acknowledge/").json()["state"] == "acknowledged"


def test_acknowledging_twice_is_a_409_that_says_why(api, merchant):
    warning = raise_warning(merchant)
    api.post(f"{WARNINGS}{warning.pk}/acknowledge/")

    error = assert_error(api.post(f"{WARNINGS}{warning.pk}/acknowledge/"), 409, "transition_not_allowed")

    assert error["message"] == "This warning is not open any more, so it cannot be acknowledged."


def test_acknowledging_a_closed_warning_is_a_409_in_chinese(api, merchant):
    warning = raise_warning(merchant)
    services.warning_resolve(warning_id=warning.pk, actor=SYSTEM, reason="back under warn_at")

    response = api.post(f"{WARNINGS}{warning.pk}/acknowledge/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    error = assert_error(response, 409, "transition_not_allowed")
    assert error["message"] == "该预警已不处于待处理状态，无法确认。"


def test_acknowledging_a_stale_version_is_a_409(api, merchant):
    warning = raise_warning(merchant)

    response = api.post(f"{WARNINGS}{warning.pk}/acknowledge/", {"expected_version": 0}, format="json")

    error = assert_error(response, 409, "concurrency_error")
    assert "reload" in error["message"]
    warning.refresh_from_db()
    assert warning.state == "open"


def test_a_bad_expected_version_is_a_400(api, merchant):
    warning = raise_warning(merchant)

    error = assert_error(api.post(f"{WARNINGS}{warning.pk}/acknowledge/", {"expected_version": "x"},
                                  format="json"), 400)

    assert list(error["fields"]) == ["expected_version"]


def test_a_malformed_id_is_a_404(api, merchant):
    assert_error(api.get(f"{WARNINGS}not-a-uuid/"), 404, "not_found")


def test_a_count_rule_is_explained_in_whole_numbers(api, merchant):
    warning = raise_warning(merchant, risk_point="clustered_complaints", product_id="p-1", value="6",
                            threshold="5", numerator=6, denominator=None,
                            window_start=date(2026, 6, 27), window_end=date(2026, 6, 29))

    summary = api.get(f"{WARNINGS}{warning.pk}/").json()["explanation"]["summary"]

    assert summary == "Clustered complaints on a product: 6 complaints from 2026-06-27 to 2026-06-29, at or above 5."


def test_a_malformed_cursor_is_a_400_naming_the_parameter(api, merchant):
    error = assert_error(api.get(WARNINGS, {"cursor": "not-a-cursor"}), 400, "invalid_cursor")

    assert list(error["fields"]) == ["cursor"]


def test_an_instant_with_any_valid_offset_filters_without_error(api, merchant):
    raise_warning(merchant)

    far_east = api.get(WARNINGS, {"opened_after": "2026-06-30T23:00:00+21:31"})
    year_one = api.get(WARNINGS, {"opened_before": "0001-01-01T00:00:00+05:00"})

    assert far_east.status_code == 200 and len(far_east.json()["results"]) == 1
    assert_error(year_one, 400)
