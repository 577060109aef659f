"""Issue 13 item 7: before a version is recorded, its impact from the stored metrics as of the last night: how
many merchants of the category it would warn, put in violation, or move up the ladder, with their ids; kept in
the version's event. Checked against an independent computation, at 1,000 merchants."""
import random
import time
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import timezone

from cases.impact import IMPACT_LIST_CAP, threshold_impact
from cases.models import ThresholdVersion
from cases.thresholds import rule_parameters_version_add, threshold_version_add
from eventstore.actors import SYSTEM
from eventstore.store import read
from metrics.cohorts import exact_rate
from metrics.models import DailyMetric, Merchant, RecomputeRun
from tests.notice import recorded_ahead_of

pytestmark = pytest.mark.django_db

MERCHANTS = 1000
OLD = (Fraction(4, 100), Fraction(5, 100))  # food's shipped complaint-rate warn_at and limit
NEW = (Fraction(24, 1000), Fraction(3, 100))  # limit 0.03, warn_at 0.8 x 0.03


def _metric(merchant_id, day, as_of, paid, complaints):
    return DailyMetric(merchant_id=merchant_id, day=day, paid_orders=paid, verified_orders=paid, complaints=complaints,
                       negative_reviews=0, merchant_refunds=0, complaint_rate=exact_rate(complaints, paid),
                       negative_review_rate=exact_rate(0, paid), merchant_refund_rate=exact_rate(0, paid),
                       stable=(as_of - day).days >= 7, as_of=as_of)


@pytest.fixture
def last_night():
    """1,000 food merchants (and 50 beauty ones, never counted) with a stable day and a provisional one, and the
    nightly run that stored them; returns (as of, {merchant: (stable paid, complaints, recent paid, complaints)})."""
    as_of = timezone.localdate() - timedelta(days=1)
    rng = random.Random(13)
    merchants, metrics, facts = [], [], {}
    for n in range(MERCHANTS + 50):
        merchant_id, category = (f"f-{n:04d}", "food") if n < MERCHANTS else (f"b-{n:04d}", "beauty")
        merchants.append(Merchant(merchant_id=merchant_id, name=merchant_id, category=category, entity_id="",
                                  occurred_at=timezone.now()))
        stable = (rng.randint(20, 200), rng.randint(0, 12))
        recent = (rng.randint(0, 50), rng.randint(0, 4))
        stable = (stable[0], min(stable[1], stable[0]))
        recent = (recent[0], min(recent[1], recent[0]))
        metrics += [_metric(merchant_id, as_of - timedelta(days=10), as_of, *stable)]
        if recent[0]:
            metrics += [_metric(merchant_id, as_of - timedelta(days=2), as_of, *recent)]
        if category == "food":
            facts[merchant_id] = (*stable, *recent)
    Merchant.objects.bulk_create(merchants)
    DailyMetric.objects.bulk_create(metrics)
    RecomputeRun.objects.create(as_of=as_of, start=as_of - timedelta(days=40), shards=1, rows=len(metrics),
                                finished_at=timezone.now())
    return as_of, facts


def _expected(facts, new, old, min_orders=30):
    """The rate rule's judgement, recomputed here in fractions: the warning figure pools the window ending at A
    (both days), the violation figure only the stable days (the window ending at A - 7)."""
    groups = {"warn": set(), "violation": set(), "ladder_up": set()}
    for merchant_id, (paid, complaints, recent_paid, recent_complaints) in facts.items():
        def violates(limit, paid=paid, complaints=complaints):
            return paid >= min_orders and Fraction(complaints, paid) >= limit
        warning_paid = paid + recent_paid
        warned = warning_paid >= min_orders and Fraction(complaints + recent_complaints, warning_paid) >= new[0]
        if violates(new[1]):
            groups["violation"].add(merchant_id)
            if not violates(old[1]):
                groups["ladder_up"].add(merchant_id)
        elif warned:
            groups["warn"].add(merchant_id)
    return groups


def test_the_impact_counts_equal_an_independent_computation_and_are_kept_in_the_event(last_night):
    as_of, facts = last_night
    expected = _expected(facts, NEW, OLD)
    assert all(expected.values()) and expected["ladder_up"] < expected["violation"]  # the data tells them apart
    effective = timezone.localdate() + timedelta(days=7)
    started = time.perf_counter()
    version = threshold_version_add(category="food", risk_point="complaint_rate", limit="0.03",
                                    effective_from=effective, actor=SYSTEM)
    elapsed = time.perf_counter() - started
    impact = version.impact
    assert impact["as_of"] == as_of.isoformat()
    assert {g: impact[g] for g in expected} == {g: len(ids) for g, ids in expected.items()}
    for group, ids in expected.items():
        assert impact["merchants"][group] == sorted(ids)[:IMPACT_LIST_CAP]
    assert impact["capped"] == any(len(ids) > IMPACT_LIST_CAP for ids in expected.values())
    assert read("threshold:food:complaint_rate")[-1].data["impact"] == impact
    print(f"\nimpact of a threshold version over {MERCHANTS} merchants, recorded with it: {elapsed:.2f} s")
    assert elapsed < 10


def test_the_preview_is_the_same_evaluation_without_recording(last_night):
    as_of, facts = last_night
    proposed = ThresholdVersion(category="food", risk_point="complaint_rate", limit=Decimal("0.03"),
                                warn_at=Decimal("0.024"), window_days=30, min_orders=30,
                                effective_from=timezone.localdate() + timedelta(days=7))
    previous = ThresholdVersion.objects.get(category="food", risk_point="complaint_rate")
    started = time.perf_counter()
    impact = threshold_impact(proposed, previous)
    elapsed = time.perf_counter() - started
    assert impact["violation"] == len(_expected(facts, NEW, OLD)["violation"])
    assert not ThresholdVersion.objects.filter(category="food", limit=Decimal("0.03")).exists()
    print(f"\nimpact preview over {MERCHANTS} merchants: {elapsed:.2f} s")


def test_the_impact_of_rule_parameters_counts_the_count_rules(make_merchant, make_complaint):
    as_of = timezone.localdate() - timedelta(days=1)
    RecomputeRun.objects.create(as_of=as_of, start=as_of, shards=1, rows=0, finished_at=timezone.now())
    for merchant_id, complaints in (("m1", 3), ("m2", 2), ("m3", 1)):
        make_merchant(merchant_id)
        for _ in range(complaints):
            make_complaint(merchant_id, filed=as_of)
    with recorded_ahead_of(timezone.localdate()):  # warn at 2, violation at 3 (shipped 5 and 10): stricter
        version = rule_parameters_version_add(category="food", clustered_warn_at=2, clustered_limit=3,
                                              effective_from=timezone.localdate() + timedelta(days=7), actor=SYSTEM,
                                              impact_as_of=as_of)
    assert {g: version.impact["merchants"][g] for g in ("warn", "violation", "ladder_up")} == {
        "warn": ["m2"], "violation": ["m1"], "ladder_up": ["m1"]}
