"""Related entity: a merchant sharing its entity_id with a merchant holding an upheld violation is warned."""
from datetime import timedelta

import pytest
from django.utils import timezone

from cases.evaluation import rules_evaluate
from cases.models import Violation, Warning
from cases.rules.related_entity import RelatedEntityRule
from cases.services import (
    SYSTEM,
    appeal_decide,
    appeal_submit,
    violation_record,
    violation_uphold_lapsed,
    violation_withdraw,
)
from eventstore.actors import Actor


def record(merchant_id, as_of):
    return violation_record(
        merchant_id=merchant_id, risk_point="complaint_rate", window_start=as_of - timedelta(days=36),
        window_end=as_of - timedelta(days=7), value="0.1", threshold="0.05", explanation={"v": 1},
        as_of=as_of, actor=SYSTEM,
    )


def uphold_all():
    violation_uphold_lapsed(now=timezone.now() + timedelta(days=30))


@pytest.fixture
def family(make_merchant):
    make_merchant("parent", entity_id="E1")
    make_merchant("sibling", entity_id="E1")
    make_merchant("stranger", entity_id="E2")
    make_merchant("loner", entity_id="")


def warned(as_of):
    return sorted(f.merchant_id for f in RelatedEntityRule().evaluate(as_of))


def test_a_merchant_of_the_same_entity_as_one_with_an_upheld_violation_is_warned(family, as_of):
    record("parent", as_of)
    assert warned(as_of) == []  # pending: not upheld yet
    uphold_all()
    assert warned(as_of) == ["sibling"]
    (finding,) = RelatedEntityRule().evaluate(as_of)
    assert (finding.kind, finding.value, finding.threshold) == ("warning", None, None)
    assert finding.detail["related"] == [{"merchant_id": "parent", "violation_id": str(Violation.objects.get().pk)}]


def test_an_appeal_that_failed_counts_as_upheld(family, as_of, reviewer_actor):
    violation = record("parent", as_of)
    appeal_submit(violation_id=violation.pk, actor=Actor.merchant("parent"), statement="we disagree")
    appeal_decide(violation_id=violation.pk, actor=reviewer_actor, accept=False, reasons="the numbers stand")
    assert warned(as_of) == ["sibling"]


@pytest.mark.parametrize(("days_ago", "counts"), [(179, True), (180, False)])
def test_only_violations_judged_in_the_last_180_days_count(family, as_of, days_ago, counts):
    record("parent", as_of - timedelta(days=days_ago))
    uphold_all()
    assert warned(as_of) == (["sibling"] if counts else [])


def test_an_empty_entity_links_nobody_and_other_entities_are_not_related(make_merchant, as_of):
    make_merchant("a", entity_id="")
    make_merchant("b", entity_id="")
    make_merchant("c", entity_id="E9")
    record("a", as_of)
    uphold_all()
    assert warned(as_of) == []


def test_the_warning_is_raised_once_and_resolved_when_the_related_violation_is_withdrawn(
    family, as_of, reviewer_actor
):
    violation = record("parent", as_of)
    uphold_all()
    rules_evaluate(as_of)
    rules_evaluate(as_of)
    warning = Warning.objects.get(risk_point="related_entity")
    assert (warning.merchant_id, warning.state, warning.value) == ("sibling", "open", None)
    violation_withdraw(violation_id=violation.pk, actor=reviewer_actor, reason="recorded in error")
    rules_evaluate(as_of)
    warning.refresh_from_db()
    assert warning.state == "resolved"
