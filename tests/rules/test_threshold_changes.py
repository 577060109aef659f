"""Adding a threshold version is itself recorded, by whom, and only by those allowed to."""
from datetime import date

import pytest

from cases.errors import NotPermitted
from cases.models import ThresholdVersion
from cases.thresholds import threshold_version_add
from eventstore.actors import SYSTEM, Actor
from eventstore.store import read
from tests.factories import StaffUserFactory
from tests.notice import recorded_ahead_of


def test_a_new_version_appends_a_threshold_version_added_event(db, reviewer_actor):
    with recorded_ahead_of(date(2026, 7, 1)):
        version = threshold_version_add(category="beauty", risk_point="merchant_refund_rate", limit="0.035",
                                        window_days=14, min_orders=50, effective_from=date(2026, 7, 1),
                                        actor=reviewer_actor, note="tighter for the summer")
    shipped, event = read("threshold:beauty:merchant_refund_rate")  # the shipped default's event first
    assert shipped.data["threshold_version_id"] != version.pk
    assert (event.type, event.version) == ("threshold.version_added", 2)
    assert event.type == "threshold.version_added"
    assert event.actor == reviewer_actor
    assert event.data == {
        "v": 1, "threshold_version_id": version.pk, "category": "beauty", "risk_point": "merchant_refund_rate",
        "limit": "0.035", "warn_at": "0.028000", "window_days": 14, "min_orders": 50,
        "effective_from": "2026-07-01", "note": "tighter for the summer",
        "changes": [{"field": "limit", "old": "0.040000", "new": "0.035", "stricter": True},
                    {"field": "warn_at", "old": "0.032000", "new": "0.028000", "stricter": True},
                    {"field": "min_orders", "old": 30, "new": 50, "stricter": False},
                    {"field": "window_days", "old": 30, "new": 14, "stricter": True}],
        "impact": version.impact,
    }
    assert version.impact["as_of"] == "2026-06-23" and version.impact["violation"] == 0


def test_the_system_may_add_a_version_without_a_reviewer(db):
    version = threshold_version_add(category="food", risk_point="complaint_rate", limit="0.05",
                                    effective_from=date(2026, 7, 1), actor=SYSTEM)
    assert version.created_by_id is None


def test_a_reviewer_without_the_permission_is_refused_and_nothing_is_recorded(db):
    clerk = StaffUserFactory(is_superuser=False)
    before = ThresholdVersion.objects.count()
    events = read("threshold:food:complaint_rate")
    with pytest.raises(NotPermitted):
        threshold_version_add(category="food", risk_point="complaint_rate", limit="0.05",
                              effective_from=date(2026, 7, 1), actor=Actor.reviewer(clerk))
    assert ThresholdVersion.objects.count() == before
    assert read("threshold:food:complaint_rate") == events
