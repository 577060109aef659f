"""Clustered complaints on one product: >= 5 in [A-2, A] warns, >= 10 is a violation."""
from datetime import timedelta
from decimal import Decimal

import pytest

from cases.rules import VIOLATION, WARNING
from cases.rules.clustered_complaints import ClusteredComplaintsRule
from cases.thresholds import rule_parameters_version_add
from eventstore.actors import SYSTEM
from tests.notice import recorded_ahead_of


def kinds(findings):
    return sorted(f.kind for f in findings)


@pytest.mark.parametrize(("count", "expected"), [
    (4, []), (5, [WARNING]), (6, [WARNING]), (9, [WARNING]), (10, [VIOLATION, WARNING]), (11, [VIOLATION, WARNING]),
])
def test_complaints_on_one_product_at_and_around_the_thresholds(make_merchant, make_complaint, as_of, count, expected):
    make_merchant("m1")
    for i in range(count):
        make_complaint("m1", product_id="p1", filed=as_of - timedelta(days=i % 3))
    findings = ClusteredComplaintsRule().evaluate(as_of)
    assert kinds(findings) == expected
    for finding in findings:
        assert (finding.product_id, finding.value) == ("p1", Decimal(count))
        assert finding.threshold == (Decimal(10) if finding.kind == VIOLATION else Decimal(5))
        assert (finding.window_start, finding.window_end) == (as_of - timedelta(days=2), as_of)


def test_complaints_filed_before_the_three_days_or_after_as_of_do_not_count(make_merchant, make_complaint, as_of):
    make_merchant("m1")
    for _ in range(4):
        make_complaint("m1", filed=as_of - timedelta(days=2))
    make_complaint("m1", filed=as_of - timedelta(days=3))
    make_complaint("m1", filed=as_of + timedelta(days=1))
    assert ClusteredComplaintsRule().evaluate(as_of) == []
    make_complaint("m1", filed=as_of)
    assert kinds(ClusteredComplaintsRule().evaluate(as_of)) == [WARNING]


def test_complaints_on_different_products_are_not_pooled(make_merchant, make_complaint, as_of):
    make_merchant("m1")
    for i in range(8):
        make_complaint("m1", product_id=f"p{i % 2}", filed=as_of)
    assert ClusteredComplaintsRule().evaluate(as_of) == []


def test_several_complaints_on_one_order_each_count(make_merchant, make_complaint, as_of):
    from metrics.models import Complaint

    make_merchant("m1")
    first = make_complaint("m1", filed=as_of)
    for n in range(4):
        Complaint.objects.create(complaint_id=f"again-{n}", order_id=first.order_id, merchant_id=first.merchant_id,
                                 reason="quality",
                                 filed_at=first.filed_at, filed_day=first.filed_day)
    assert kinds(ClusteredComplaintsRule().evaluate(as_of)) == [WARNING]


def test_the_counts_are_the_category_parameters_in_force(make_merchant, make_complaint, as_of):
    with recorded_ahead_of(as_of):
        rule_parameters_version_add(category="food", clustered_warn_at=2, clustered_limit=3, effective_from=as_of,
                                    actor=SYSTEM)
    make_merchant("m1")
    for _ in range(3):
        make_complaint("m1", filed=as_of)
    assert [(f.kind, f.threshold) for f in sorted(ClusteredComplaintsRule().evaluate(as_of), key=lambda f: f.kind)] == [
        (VIOLATION, Decimal(3)), (WARNING, Decimal(2))
    ]
