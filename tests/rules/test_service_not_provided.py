"""Orders not served as agreed: >= 3 service_not_provided complaints in [A-6, A] on one merchant."""
from datetime import timedelta
from decimal import Decimal

import pytest

from cases.rules import VIOLATION
from cases.rules.service_not_provided import ServiceNotProvidedRule


@pytest.mark.parametrize(("count", "fires"), [(2, False), (3, True), (4, True)])
def test_service_not_provided_complaints_at_and_around_three(make_merchant, make_complaint, as_of, count, fires):
    make_merchant("m1")
    for i in range(count):
        make_complaint("m1", product_id=f"p{i}", filed=as_of - timedelta(days=2 * i), reason="service_not_provided")
    findings = ServiceNotProvidedRule().evaluate(as_of)
    assert len(findings) == (1 if fires else 0)
    if fires:
        (violation,) = findings
        assert (violation.kind, violation.product_id, violation.value, violation.threshold) == (
            VIOLATION, "", Decimal(count), Decimal(3)
        )
        assert (violation.window_start, violation.window_end) == (as_of - timedelta(days=6), as_of)


def test_other_reasons_and_complaints_outside_the_seven_days_do_not_count(make_merchant, make_complaint, as_of):
    make_merchant("m1")
    make_complaint("m1", filed=as_of, reason="service_not_provided")
    make_complaint("m1", filed=as_of - timedelta(days=6), reason="service_not_provided")
    make_complaint("m1", filed=as_of - timedelta(days=7), reason="service_not_provided")
    make_complaint("m1", filed=as_of, reason="quality")
    make_complaint("m2", filed=as_of, reason="service_not_provided")
    assert ServiceNotProvidedRule().evaluate(as_of) == []
