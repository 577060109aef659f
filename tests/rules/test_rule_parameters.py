"""The count rules' parameters are versioned per category like the thresholds: the version in force on A
judges, the case cites it, the rules read it in one query, and adding one is validated and recorded."""
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.errors import NotPermitted
from cases.evaluation import rules_evaluate
from cases.models import RuleParameterVersion, Violation
from cases.rules import VIOLATION, WARNING
from cases.rules.clustered_complaints import ClusteredComplaintsRule
from cases.rules.related_entity import RelatedEntityRule
from cases.rules.service_not_provided import ServiceNotProvidedRule
from cases.thresholds import InvalidRuleParameters, rule_parameters_in_force, rule_parameters_version_add
from eventstore.actors import SYSTEM, Actor
from eventstore.store import read
from tests.factories import StaffUserFactory
from tests.notice import recorded_ahead_of

SHIPPED = {"clustered_window_days": 3, "clustered_warn_at": 5, "clustered_limit": 10, "unserved_window_days": 7,
           "unserved_limit": 3, "related_lookback_days": 180, "product_min_orders": 20}


def test_the_shipped_defaults_are_in_force_for_every_category(db, as_of):
    in_force = rule_parameters_in_force(as_of)
    assert sorted(in_force) == sorted(["food", "beauty", "leisure", "hotel_travel", "life_services", "retail"])
    for version in in_force.values():
        assert {name: getattr(version, name) for name in RuleParameterVersion.PARAMETERS} == SHIPPED
        assert version.effective_from == date(2000, 1, 1)


def test_a_version_applies_from_its_effective_day_and_the_finding_cites_it(make_merchant, make_complaint, as_of):
    make_merchant("m1", category="food")
    for _ in range(2):
        make_complaint("m1", filed=as_of, reason="service_not_provided")
    assert ServiceNotProvidedRule().evaluate(as_of) == []  # 2 < the shipped 3
    with recorded_ahead_of(as_of + timedelta(days=1)):
        later = rule_parameters_version_add(category="food", unserved_limit=2,
                                            effective_from=as_of + timedelta(days=1), actor=SYSTEM)
    assert ServiceNotProvidedRule().evaluate(as_of) == []  # not in force yet on A
    (finding,) = ServiceNotProvidedRule().evaluate(as_of + timedelta(days=1))
    assert (finding.kind, finding.threshold, finding.numerator) == (VIOLATION, 2, 2)
    explanation = finding.explanation()
    assert explanation["rule_parameters_version_id"] == later.pk
    assert explanation["parameters"] == {"window_days": 7, "limit": 2}


def test_each_category_is_judged_by_its_own_version(make_merchant, make_complaint, as_of):
    make_merchant("food-1", category="food")
    make_merchant("beauty-1", category="beauty")
    for merchant_id in ("food-1", "beauty-1"):
        for _ in range(2):
            make_complaint(merchant_id, filed=as_of - timedelta(days=1), product_id="p1")
    with recorded_ahead_of(as_of):
        beauty = rule_parameters_version_add(category="beauty", clustered_warn_at=2, clustered_limit=4,
                                             clustered_window_days=2, effective_from=as_of, actor=SYSTEM)
    (finding,) = ClusteredComplaintsRule().evaluate(as_of)
    assert (finding.merchant_id, finding.kind, finding.window_start) == ("beauty-1", WARNING, as_of - timedelta(days=1))
    assert finding.explanation()["rule_parameters_version_id"] == beauty.pk
    # A window of one day no longer reaches the complaints filed the day before.
    rule_parameters_version_add(category="beauty", clustered_warn_at=2, clustered_limit=4, clustered_window_days=1,
                                effective_from=as_of + timedelta(days=1), actor=SYSTEM)
    assert ClusteredComplaintsRule().evaluate(as_of + timedelta(days=1)) == []


def test_the_related_entity_lookback_is_the_category_version_in_force(make_merchant, as_of, reviewer_actor):
    from cases import services
    from tests.factories import MerchantFactory

    MerchantFactory(merchant_id="old", category="food", entity_id="E1")
    make_merchant("new", category="food", entity_id="E1")
    violation = services.violation_record(
        merchant_id="old", risk_point="complaint_rate", value="0.06", threshold="0.05",
        window_start=as_of - timedelta(days=99),
        window_end=as_of - timedelta(days=70), as_of=as_of - timedelta(days=69), explanation={}, actor=SYSTEM)
    Violation.objects.filter(pk=violation.pk).update(state="upheld")
    (finding,) = RelatedEntityRule().evaluate(as_of)  # 70 days ago, within the shipped 180
    version = rule_parameters_version_add(category="food", related_lookback_days=60, effective_from=as_of,
                                          actor=reviewer_actor)
    assert RelatedEntityRule().evaluate(as_of) == []
    assert RelatedEntityRule().evaluate(as_of - timedelta(days=1)) != []
    assert finding.explanation()["rule_parameters_version_id"] != version.pk


def test_the_rules_read_the_parameters_in_one_query_whatever_the_number_of_merchants(make_merchant, make_complaint,
                                                                                     as_of):
    def queries():
        rules = (ClusteredComplaintsRule(), ServiceNotProvidedRule(), RelatedEntityRule())
        with CaptureQueriesContext(connection) as captured:
            found = [f for rule in rules for f in rule.evaluate(as_of)]
        return len(captured.captured_queries), len(found)

    make_merchant("m0", category="food")
    for _ in range(5):
        make_complaint("m0", filed=as_of, reason="service_not_provided")
    few = queries()
    for n in range(1, 8):
        make_merchant(f"m{n}", category=["food", "beauty", "retail"][n % 3])
        for _ in range(5):
            make_complaint(f"m{n}", filed=as_of, reason="service_not_provided", product_id=f"p{n}")
    many = queries()
    assert many[1] > few[1]
    assert many[0] == few[0] == 6  # per rule: the parameters in force, then its one counting statement


def test_the_evaluation_records_a_violation_citing_the_parameters_version(make_merchant, make_complaint, as_of,
                                                                          admin_client):
    make_merchant("m1", category="food")
    for _ in range(3):
        make_complaint("m1", filed=as_of, reason="service_not_provided")
    rules_evaluate(as_of)
    violation = Violation.objects.get(risk_point="service_not_provided")
    version = rule_parameters_in_force(as_of)["food"]
    assert violation.explanation["rule_parameters_version_id"] == version.pk
    assert violation.explanation["parameters"] == {"window_days": 7, "limit": 3}
    page = admin_client.get(reverse("admin:cases_violation_change", args=[violation.pk])).content.decode()
    assert f"Rule parameters version #{version.pk}." in page


def test_adding_a_version_is_recorded_with_its_author(db, reviewer_actor):
    version = rule_parameters_version_add(category="retail", clustered_limit=12, effective_from=date(2026, 7, 1),
                                          actor=reviewer_actor, note="busier season")  # relaxes: at once
    shipped, event = read("rule_parameters-retail")
    assert shipped.data["rule_parameters_version_id"] != version.pk
    assert (event.type, event.version, event.actor) == ("rule_parameters.version_added", 2, reviewer_actor)
    assert event.data == {
        "v": 1, "rule_parameters_version_id": version.pk, "category": "retail", "clustered_window_days": 3,
        "clustered_warn_at": 5, "clustered_limit": 12, "unserved_window_days": 7, "unserved_limit": 3,
        "related_lookback_days": 180, "effective_from": "2026-07-01", "note": "busier season",
        "product_min_orders": 20,
        "changes": [{"field": "clustered_limit", "old": 10, "new": 12, "stricter": False}],
        "impact": version.impact,
    }
    assert version.created_by_id == reviewer_actor.user_id


@pytest.mark.parametrize(("arguments", "field"), [
    ({"category": "toys"}, "category"),
    ({"clustered_warn_at": 11}, "clustered_warn_at"),
    ({"unserved_limit": 0}, "unserved_limit"),
    ({"related_lookback_days": "180"}, "related_lookback_days"),
    ({"clustered_window_days": 2.5}, "clustered_window_days"),
    ({"related_lookback_days": 40000}, "related_lookback_days"),
    ({"note": "x" * 501}, "note"),
    ({"effective_from": "2026-07-01"}, "effective_from"),
    ({"effective_from": date(2000, 1, 1)}, "effective_from"),  # the shipped default's day
])
def test_a_bad_version_is_refused_with_the_field_that_is_wrong(db, reviewer_actor, arguments, field):
    before = RuleParameterVersion.objects.count(), len(read(streams=["rule_parameters-food"]))
    with pytest.raises(InvalidRuleParameters) as refused:
        rule_parameters_version_add(**{"category": "food", "effective_from": date(2026, 7, 1), **arguments},
                                    actor=reviewer_actor)
    assert list(refused.value.message_dict) == [field]
    assert (RuleParameterVersion.objects.count(), len(read(streams=["rule_parameters-food"]))) == before


def test_a_reviewer_without_the_permission_is_refused_and_nothing_is_recorded(db):
    clerk = StaffUserFactory(is_superuser=False)
    events = read("rule_parameters-food")
    with pytest.raises(NotPermitted):
        rule_parameters_version_add(category="food", clustered_limit=12, effective_from=date(2026, 7, 1),
                                    actor=Actor.reviewer(clerk))
    assert read("rule_parameters-food") == events
    assert not RuleParameterVersion.objects.filter(effective_from=date(2026, 7, 1)).exists()
