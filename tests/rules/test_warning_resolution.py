"""An open warning that the rule no longer finds is resolved by the system; a new rise warns again."""
from datetime import timedelta

from cases.evaluation import rules_evaluate
from cases.models import Warning
from cases.services import warning_raise
from metrics.models import DailyMetric


def test_an_open_warning_resolves_when_the_rate_falls_back_under_warn_at(make_merchant, make_metric, as_of):
    make_merchant("m1")
    make_metric("m1", as_of, paid=100, complaints=4)  # exactly at warn_at
    rules_evaluate(as_of)
    warning = Warning.objects.get()
    assert warning.state == "open"

    DailyMetric.objects.filter(merchant_id="m1").update(complaints=3)  # a recompute lowered it
    summary = rules_evaluate(as_of)

    warning.refresh_from_db()
    assert (warning.state, warning.closed_by) == ("resolved", "system")
    assert "no longer finds" in warning.closed_reason
    assert summary.warnings_resolved == 1


def test_a_warning_resolves_when_too_few_orders_remain_in_the_window(make_merchant, make_metric, as_of):
    make_merchant("m1")
    make_metric("m1", as_of - timedelta(days=29), paid=1000, complaints=45)  # warns, under the limit
    rules_evaluate(as_of)
    rules_evaluate(as_of + timedelta(days=1))  # that day left the 30-day window
    assert Warning.objects.get().state == "resolved"


def test_a_rate_rising_again_after_resolution_raises_a_new_warning(make_merchant, make_metric, as_of):
    make_merchant("m1")
    metric = make_metric("m1", as_of, paid=100, complaints=5)
    rules_evaluate(as_of)
    DailyMetric.objects.filter(pk=metric.pk).update(complaints=0)
    rules_evaluate(as_of)
    DailyMetric.objects.filter(pk=metric.pk).update(complaints=6)
    rules_evaluate(as_of)
    assert sorted(Warning.objects.values_list("state", flat=True)) == ["open", "resolved"]


def test_a_clustered_complaints_warning_resolves_once_its_three_days_pass(complaints_on, as_of):
    complaints_on(as_of, 5)
    rules_evaluate(as_of)
    rules_evaluate(as_of + timedelta(days=2))
    assert Warning.objects.get().state == "open"
    rules_evaluate(as_of + timedelta(days=3))
    assert Warning.objects.get().state == "resolved"


def test_a_warning_opened_by_a_reviewer_for_a_risk_point_without_a_rule_is_left_alone(
    make_merchant, as_of, reviewer_actor
):
    make_merchant("m1")
    warning_raise(merchant_id="m1", risk_point="public_opinion", window_start=as_of, window_end=as_of,
                  value=None, threshold=None, explanation={"v": 1, "note": "press report"}, as_of=as_of,
                  actor=reviewer_actor, statement="A press report about your shop is circulating.")
    rules_evaluate(as_of)
    assert Warning.objects.get().state == "open"


def test_evaluating_an_earlier_day_does_not_resolve_a_later_warning(make_merchant, make_metric, as_of):
    make_merchant("m1")
    make_metric("m1", as_of, paid=100, complaints=5)
    rules_evaluate(as_of)
    rules_evaluate(as_of - timedelta(days=1))  # a backfill: that day had no such rate
    assert Warning.objects.get().state == "open"
