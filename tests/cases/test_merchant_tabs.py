"""The merchant-facing tabs: new in the last 7 days, pending, appealing, appeal succeeded, appeal failed,
and in effect (upheld) and withdrawn, so no violation falls out of every tab once it is a week old."""
import pytest
import time_machine

from cases import services
from cases.selectors import merchant_tab_counts, merchant_violations
from eventstore.actors import Actor

pytestmark = pytest.mark.django_db


def test_each_violation_shows_in_the_tabs_its_state_and_age_put_it_in(record_violation, colleague):
    with time_machine.travel("2026-05-01 00:00:00+00:00", tick=False):
        lapsed = record_violation(risk_point="clustered_complaints")
        withdrawn = record_violation(risk_point="related_entity")
        services.violation_withdraw(violation_id=withdrawn.pk, actor=Actor.reviewer(colleague), reason="error")
    with time_machine.travel("2026-05-20 00:00:00+00:00", tick=False):
        services.violation_uphold_lapsed()
    with time_machine.travel("2026-06-01 00:00:00+00:00", tick=False):
        old = record_violation(risk_point="service_not_provided")
    with time_machine.travel("2026-06-07 00:00:00+00:00", tick=False):
        appealing = record_violation(risk_point="complaint_rate")
        succeeded = record_violation(risk_point="negative_review_rate")
        failed = record_violation(risk_point="merchant_refund_rate")
        for v in (appealing, succeeded, failed):
            services.appeal_submit(violation_id=v.pk, actor=Actor.merchant("m-1"), statement="Not us.")
        for v, accept in ((succeeded, True), (failed, False)):
            services.appeal_decide(violation_id=v.pk, actor=Actor.reviewer(colleague), accept=accept, reasons="r")
    with time_machine.travel("2026-06-09 00:00:00+00:00", tick=False):
        def tab(name):
            return {v.pk for v in merchant_violations(merchant_id="m-1", tab=name)}

        assert tab("new") == {appealing.pk, succeeded.pk, failed.pk}
        assert tab("pending") == {old.pk}
        assert tab("appealing") == {appealing.pk}
        assert tab("appeal_succeeded") == {succeeded.pk}
        assert tab("appeal_failed") == {failed.pk}
        assert tab("upheld") == {lapsed.pk}
        assert tab("withdrawn") == {withdrawn.pk}
        assert merchant_tab_counts(merchant_id="m-1") == {
            "new": 3, "pending": 1, "appealing": 1, "appeal_succeeded": 1, "appeal_failed": 1, "upheld": 1,
            "withdrawn": 1}
        assert merchant_tab_counts(merchant_id="m-2")["new"] == 0


def test_a_tab_lists_violations_with_their_appeals_in_one_query(record_violation, django_assert_num_queries):
    for risk_point in ("complaint_rate", "negative_review_rate", "merchant_refund_rate"):
        v = record_violation(risk_point=risk_point)
        services.appeal_submit(violation_id=v.pk, actor=Actor.merchant("m-1"), statement="Not us.")
    with django_assert_num_queries(1):
        statements = [v.appeal.statement for v in merchant_violations(merchant_id="m-1", tab="appealing")]
    assert statements == ["Not us."] * 3
