"""diagnosis/: the 风险诊断 screen as JSON: warnings per risk point, violations per tab, the three
rates as the rules judge them as of A (warning and violation figures) against the category's
thresholds, active penalties and what needs the merchant's attention."""
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from cases import services
from cases.models import ThresholdVersion
from eventstore.actors import SYSTEM, Actor
from tests.factories import DailyMetricFactory, raise_warning, record_violation

DIAGNOSIS = "/api/v1/diagnosis/"
LATEST_STABLE = date(2026, 6, 23)  # as of 30 June, days up to 23 June are stable


def _thresholds(category="food", **overrides):
    values = {
        "complaint_rate": ("0.040000", "0.050000"),
        "negative_review_rate": ("0.064000", "0.080000"),
        "merchant_refund_rate": ("0.024000", "0.030000"),
        **overrides,
    }
    for point, (warn_at, limit) in values.items():
        ThresholdVersion.objects.create(category=category, risk_point=point, warn_at=Decimal(warn_at),
                                        limit=Decimal(limit), window_days=30, min_orders=30,
                                        effective_from=date(2026, 1, 1))


def test_an_empty_merchant_gets_zeros_and_no_data(api, merchant):
    body = api.get(DIAGNOSIS).json()

    assert (body["merchant_id"], body["category"], body["today"], body["as_of"]) == (
        "m-alpha", "food", "2026-06-30", None)
    assert all(w["open"] == w["acknowledged"] == 0 for w in body["warnings"])
    assert body["violations"] == {"new": 0, "pending": 0, "appealing": 0, "appeal_succeeded": 0,
                                  "appeal_failed": 0, "upheld": 0, "withdrawn": 0}
    assert [r["rate"] for r in body["rates"]] == ["complaint_rate", "negative_review_rate", "merchant_refund_rate"]
    assert {r["status"] for r in body["rates"]} == {"no_data"}
    assert body["penalties"] == []
    assert body["attention"] == {"appeals": [], "warnings": [], "penalties_ending": []}


def test_warnings_are_counted_per_risk_point_open_and_acknowledged(api, merchant):
    raise_warning(merchant, risk_point="complaint_rate")
    acked = raise_warning(merchant, risk_point="negative_review_rate")
    services.warning_acknowledge(warning_id=acked.pk, actor=Actor.merchant("m-alpha"))
    closed = raise_warning(merchant, risk_point="merchant_refund_rate")
    services.warning_resolve(warning_id=closed.pk, actor=SYSTEM, reason="back under")
    raise_warning(merchant, risk_point="clustered_complaints", product_id="p-1", value="6", threshold="5")
    raise_warning(merchant, risk_point="clustered_complaints", product_id="p-2", value="6", threshold="5")

    counts = {w["risk_point"]: (w["open"], w["acknowledged"]) for w in api.get(DIAGNOSIS).json()["warnings"]}

    assert counts["complaint_rate"] == (1, 0)
    assert counts["negative_review_rate"] == (0, 1)
    assert counts["merchant_refund_rate"] == (0, 0)
    assert counts["clustered_complaints"] == (2, 0)


def test_violations_are_counted_per_tab(api, merchant):
    record_violation(merchant)
    appealed = record_violation(merchant, risk_point="negative_review_rate")
    services.appeal_submit(violation_id=appealed.pk, actor=Actor.merchant("m-alpha"), statement="No.")

    tabs = api.get(DIAGNOSIS).json()["violations"]

    assert tabs == {"new": 2, "pending": 1, "appealing": 1, "appeal_succeeded": 0, "appeal_failed": 0,
                    "upheld": 0, "withdrawn": 0}


def test_each_rate_has_a_warning_figure_with_provisional_days_and_a_violation_figure_of_stable_days(api, merchant):
    _thresholds()
    for i in range(30):  # 23 June back to 25 May: 30 stable days of 10 paid orders each
        DailyMetricFactory(merchant=merchant, day=LATEST_STABLE - timedelta(days=i), paid_orders=10,
                           verified_orders=10, complaints=1 if i < 15 else 0, negative_reviews=0,
                           merchant_refunds=1 if i < 8 else 0)
    DailyMetricFactory(merchant=merchant, day=LATEST_STABLE - timedelta(days=30), complaints=100)  # outside both
    DailyMetricFactory(merchant=merchant, day=date(2026, 6, 28), paid_orders=10, verified_orders=10, complaints=5,
                       negative_reviews=0, merchant_refunds=0, stable=False)  # provisional: the warning figure only

    body = api.get(DIAGNOSIS).json()
    rates = {r["rate"]: r for r in body["rates"]}

    assert (body["as_of"], body["stable_through"], body["provisional_from"]) == (
        "2026-06-30", "2026-06-23", "2026-06-24")
    complaint = rates["complaint_rate"]
    violation, warning = complaint["violation"], complaint["warning"]
    assert (violation["numerator"], violation["denominator"], violation["value"]) == (15, 300, "0.050000")
    assert (violation["window_start"], violation["window_end"], violation["line"]) == (
        "2026-05-25", "2026-06-23", "0.050000")
    assert violation["status"] == "at_or_above"
    # 1 June to 30 June: 23 stable days (15 of them with a complaint... those from 9 June) and 28 June.
    assert (warning["window_start"], warning["window_end"], warning["line"]) == ("2026-06-01", "2026-06-30", "0.040000")
    assert (warning["numerator"], warning["denominator"]) == (15 + 5, 230 + 10)
    assert complaint["status"] == "over_limit"
    assert rates["negative_review_rate"]["status"] == "ok"
    refund = rates["merchant_refund_rate"]
    assert (refund["violation"]["value"], refund["violation"]["status"]) == ("0.026667", "below")
    assert (refund["warning"]["value"], refund["warning"]["status"]) == ("0.033333", "at_or_above")
    assert refund["status"] == "warning"


def test_a_rate_on_too_few_orders_is_not_judged(api, merchant):
    _thresholds()
    DailyMetricFactory(merchant=merchant, day=LATEST_STABLE, paid_orders=10, complaints=5)

    assert api.get(DIAGNOSIS).json()["rates"][0]["status"] == "too_few_orders"


def test_what_needs_attention_lists_appealable_violations_and_unacknowledged_warnings(api, merchant):
    violation = record_violation(merchant)
    raise_warning(merchant, risk_point="negative_review_rate")
    acked = raise_warning(merchant, risk_point="merchant_refund_rate")
    services.warning_acknowledge(warning_id=acked.pk, actor=Actor.merchant("m-alpha"))

    attention = api.get(DIAGNOSIS).json()["attention"]

    assert [a["id"] for a in attention["appeals"]] == [str(violation.pk)]
    assert attention["appeals"][0]["appeal_deadline"] is None  # the window starts when the notice arrives
    services.violation_notice_delivered(violation_id=violation.pk, at=timezone.now(), channel="inbox")
    assert api.get(DIAGNOSIS).json()["attention"]["appeals"][0]["appeal_deadline"]
    assert [w["risk_point"] for w in attention["warnings"]] == ["negative_review_rate"]


def test_a_category_without_thresholds_says_so(api, merchant):
    merchant.category = "pets"  # no threshold versions at all
    merchant.save()
    DailyMetricFactory(merchant=merchant, day=LATEST_STABLE)

    rate = api.get(DIAGNOSIS).json()["rates"][0]
    assert (rate["status"], rate["limit"]) == ("no_threshold", None)


def test_labels_are_in_chinese_for_a_chinese_client(api, merchant):
    body = api.get(DIAGNOSIS, HTTP_ACCEPT_LANGUAGE="zh-hans").json()

    assert body["rates"][0]["rate_label"] == "投诉率"
    assert body["warnings"][0]["risk_point_label"] == "投诉率"
