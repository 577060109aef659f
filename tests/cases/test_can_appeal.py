"""One rule says whether a violation can be appealed now (cases.abilities): the service refuses exactly
when the rule says no, with the rule's error, and the API and the page show the rule's answer."""
import pytest
import time_machine

from cases import services
from cases.abilities import appeal_refusal, can_appeal
from cases.errors import AppealAlreadySubmitted, AppealWindowClosed, TransitionNotAllowed
from cases.models import Violation
from eventstore.actors import Actor

pytestmark = pytest.mark.django_db


def _try_appeal(violation):
    try:
        services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant("m-1"), statement="Not us.")
    except (AppealAlreadySubmitted, AppealWindowClosed, TransitionNotAllowed) as error:
        return type(error)
    return None


def test_the_service_refuses_exactly_when_the_rule_says_no(record_violation, colleague):
    with time_machine.travel("2026-06-01 00:00:00+00:00", tick=False):
        open_one = record_violation(risk_point="complaint_rate")
        appealed = record_violation(risk_point="negative_review_rate")
        services.appeal_submit(violation_id=appealed.pk, actor=Actor.merchant("m-1"), statement="No.")
        withdrawn = record_violation(risk_point="merchant_refund_rate")
        services.violation_withdraw(violation_id=withdrawn.pk, actor=Actor.reviewer(colleague), reason="error")
        lapsing = record_violation(risk_point="service_not_provided")
    cases = {"open": open_one, "appealed": appealed, "withdrawn": withdrawn, "lapsing": lapsing}
    expected = {"open": None, "appealed": AppealAlreadySubmitted, "withdrawn": TransitionNotAllowed,
                "lapsing": AppealWindowClosed}
    for name, violation in cases.items():
        when = "2026-06-20 00:00:00+00:00" if name == "lapsing" else "2026-06-02 00:00:00+00:00"
        with time_machine.travel(when, tick=False):
            fresh = Violation.objects.select_related("appeal").get(pk=violation.pk)
            appeal = getattr(fresh, "appeal", None)  # a missing reverse one-to-one raises AttributeError
            refusal = appeal_refusal(fresh, appeal=appeal)
            assert (type(refusal) if refusal else None) is expected[name], name
            assert can_appeal(fresh, appeal=appeal) is (expected[name] is None), name
            assert _try_appeal(fresh) is expected[name], name
