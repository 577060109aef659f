"""Threshold versions: the one in force on the as-of day judges, and adding one is validated."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from cases.models import ThresholdVersion
from cases.rules import WARNING
from cases.rules.complaint_rate import ComplaintRateRule
from cases.thresholds import (
    InvalidThreshold,
    in_force,
    threshold_in_force,
    threshold_version_add,
    thresholds_in_force,
)
from tests.notice import recorded_ahead_of


def test_the_shipped_defaults_are_in_force(db):
    version = threshold_in_force("beauty", "negative_review_rate", date(2026, 6, 30))
    assert (version.limit, version.warn_at, version.window_days, version.min_orders) == (
        Decimal("0.06"), Decimal("0.048"), 30, 30
    )
    assert len(thresholds_in_force(date(2026, 6, 30))) == 18


def test_a_version_applies_from_its_effective_day_not_before(make_merchant, make_metric, as_of, reviewer_actor):
    make_merchant("m1", category="food")
    make_metric("m1", as_of, paid=100, complaints=3)  # 3%: under food's default warn_at of 4%
    with recorded_ahead_of(as_of):
        threshold_version_add(category="food", risk_point="complaint_rate", limit="0.03",
                              effective_from=as_of + timedelta(days=1), actor=reviewer_actor)
        assert ComplaintRateRule().evaluate(as_of) == []
        threshold_version_add(category="food", risk_point="complaint_rate", limit="0.0375",
                              effective_from=as_of, actor=reviewer_actor)
    (warning,) = ComplaintRateRule().evaluate(as_of)
    assert (warning.kind, warning.threshold) == (WARNING, Decimal("0.03"))
    assert warning.threshold_version_id == threshold_in_force("food", "complaint_rate", as_of).pk


def test_the_latest_effective_version_wins_for_every_category_in_one_query(
    db, reviewer_actor, django_assert_num_queries
):
    later = date(2026, 6, 1)
    threshold_version_add(category="retail", risk_point="complaint_rate", limit="0.07",
                          effective_from=later, actor=reviewer_actor)
    with django_assert_num_queries(1):
        versions = thresholds_in_force(later)
    assert versions[("retail", "complaint_rate")].limit == Decimal("0.07")
    assert thresholds_in_force(later - timedelta(days=1))[("retail", "complaint_rate")].limit == Decimal("0.05")
    assert in_force(later).count() == 18


def test_warn_at_defaults_to_exactly_eight_tenths_of_the_limit(db, reviewer_actor):
    version = threshold_version_add(category="hotel_travel", risk_point="complaint_rate", limit="0.05",
                                    effective_from=date(2026, 7, 1), actor=reviewer_actor)
    version.refresh_from_db()
    assert version.warn_at == Decimal("0.04")
    assert version.created_by_id == int(reviewer_actor.id)


@pytest.mark.parametrize("changes", [
    {"category": "spaceships"},
    {"risk_point": "clustered_complaints"},
    {"limit": "0"},
    {"limit": "1.5"},
    {"limit": "abc"},
    {"limit": "0.0000001"},
    {"warn_at": "0.06"},
    {"warn_at": "0"},
    {"window_days": 0},
    {"window_days": 40000},  # more than the column holds: a field error, not a database error
    {"window_days": True},
    {"min_orders": 0},
    {"note": "x" * 501},
])
def test_an_invalid_version_is_refused_and_nothing_is_stored(db, reviewer_actor, changes):
    before = ThresholdVersion.objects.count()
    arguments = {"category": "food", "risk_point": "complaint_rate", "limit": "0.05",
                 "effective_from": date(2026, 7, 1), **changes}
    with pytest.raises(InvalidThreshold):
        threshold_version_add(actor=reviewer_actor, **arguments)
    assert ThresholdVersion.objects.count() == before


def test_a_second_version_on_the_same_day_is_refused(db, reviewer_actor):
    arguments = {"category": "food", "risk_point": "complaint_rate", "effective_from": date(2026, 7, 1)}
    threshold_version_add(limit="0.05", actor=reviewer_actor, **arguments)
    with pytest.raises(InvalidThreshold):
        threshold_version_add(limit="0.06", actor=reviewer_actor, **arguments)
