"""Issue 13 item 1: a penalty re-stepped (the merchant's standing violations changed) is its own notice, which
cannot be switched off, beside the penalty imposed in its place."""
from cases import services as case_services
from eventstore.actors import Actor
from notifications.messages import render
from notifications.models import Kind, Notification, Preference
from tests.cases.conftest import make_user

from .conftest import run_consumers


def test_a_withdrawn_first_violation_re_steps_the_second_and_the_merchant_is_told(record, staff):
    first = record()
    record()
    run_consumers(enforcement=True)
    Preference.objects.create(user=staff, channels={Kind.PENALTY_RE_STEPPED: []})  # cannot be switched off
    case_services.violation_withdraw(violation_id=first.pk, actor=Actor.reviewer(make_user("rita", "reviewer")),
                                     reason="duplicate of a ticket")
    run_consumers(enforcement=True)
    kinds = list(Notification.objects.filter(user=staff).order_by("position").values_list("kind", flat=True))
    assert kinds.count(Kind.PENALTY_RE_STEPPED) == 1
    assert kinds.index(Kind.PENALTY_RE_STEPPED) < len(kinds) - 1  # the new rung's penalty_imposed follows
    notice = Notification.objects.get(user=staff, kind=Kind.PENALTY_RE_STEPPED)
    assert notice.context["step"] == 2 and notice.context["cause"] == "re_stepped"
    subject, body = render(notice, "zh-hans")
    assert subject.startswith("【处罚重新定级】") and "第 2 级处罚" in body
    subject, body = render(notice, "en")
    assert subject.startswith("[Penalty re-stepped]") and "at step 2" in body
    assert Preference.objects.get(user=staff).wants(Kind.PENALTY_RE_STEPPED, "email")
