"""Property: for any sequence of record / overturn / withdraw / time passing, the open ladder penalties equal
the ladder function applied, independently here, to the standing violations and the time (PostgreSQL)."""
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases import services as case_services
from cases.models import Violation
from enforcement import services
from enforcement.models import Penalty, PenaltyState
from eventstore.actors import Actor
from eventstore.errors import DomainError
from eventstore.replay import compare, rebuild
from tests.factories import MerchantFactory

from .conftest import drain_consumer, make_user

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.postgres]

# The shipped policy, written out again here so the test does not read the code it checks.
STEPS = {1: ("public_warning", 7), 2: ("restricted_promotion", 14), 3: ("throttling", 30), 4: ("throttling", 60),
         5: ("store_removal", None)}
WINDOW = 90

operation = st.one_of(
    st.tuples(st.just("record")),
    st.tuples(st.just("overturn"), st.integers(0, 9)),
    st.tuples(st.just("withdraw"), st.integers(0, 9)),
    st.tuples(st.just("wait"), st.integers(1, 40)),
)


def expected(records, now):
    """{violation id: (step, kind, state)} the ladder demands: standing = not overturned and recorded within
    the window; rung n in recording order; a rung is open while its term, counted from the violation's first
    penalty, runs (store removal: proposed, awaiting two seniors, no term)."""
    standing = [r for r in records if not r["overturned"] and r["at"] > now - timedelta(days=WINDOW)]
    result = {}
    for n, r in enumerate(standing, 1):
        kind, days = STEPS[min(n, 5)]
        if days is not None and r["at"] + timedelta(days=days) <= now:
            continue
        result[r["id"]] = (min(n, 5), kind, "proposed" if kind == "store_removal" else "active")
    return result


def live(merchant_id, now):
    services.penalties_expire_due(now=now)
    services.penalties_restep_all(now=now)
    return {p.violation_ids[0]: (p.step, p.kind, p.state) for p in Penalty.objects.filter(
        merchant_id=merchant_id, state__in=(PenaltyState.PROPOSED, PenaltyState.ACTIVE))}


EXAMPLES = iter(range(10_000))


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(operation, min_size=1, max_size=9))
def test_open_penalties_equal_the_ladder_of_the_standing_violations(ops):
    merchant_id = f"prop-{next(EXAMPLES)}"  # each example a merchant of its own; the log is kept whole
    MerchantFactory(merchant_id=merchant_id)
    decider = (get_user_model().objects.filter(username="ladder-property-reviewer").first()
               or make_user("ladder-property-reviewer", "approve_penalty", "lift_penalty", group="reviewer"))
    now = timezone.now()
    records = []
    for op in ops:
        with time_machine.travel(now, tick=False):
            if op[0] == "record":
                shift = timedelta(days=40 * len(records) + 1000)
                v = case_services.violation_record(
                    merchant_id=merchant_id, risk_point="complaint_rate", value="0.06", threshold="0.05", explanation={},
                    window_start=timezone.localdate() + shift, window_end=timezone.localdate() + shift,
                    as_of=timezone.localdate() + shift)
                records.append({"id": str(v.pk), "at": v.opened_at, "overturned": False})
            elif op[0] in ("overturn", "withdraw") and records:
                r = records[op[1] % len(records)]
                v = Violation.objects.get(pk=r["id"])
                if op[0] == "withdraw" and v.state in ("pending", "upheld"):
                    try:
                        case_services.violation_withdraw(violation_id=v.pk, actor=Actor.reviewer(decider),
                                                         reason="recorded in error")
                        r["overturned"] = True
                    except DomainError:
                        pass  # a store removal rests on it: two seniors must lift that first
                elif op[0] == "overturn" and v.state == "pending":
                    try:  # refused once the appeal window has closed: the violation then stands
                        case_services.appeal_submit(violation_id=v.pk, actor=Actor.merchant(merchant_id),
                                                    statement="not us")
                        case_services.appeal_decide(violation_id=v.pk, actor=Actor.reviewer(decider), accept=True,
                                                    reasons="agreed")
                        r["overturned"] = True
                    except DomainError:
                        pass
            elif op[0] == "wait":
                now += timedelta(days=op[1])
            drain_consumer()
        with time_machine.travel(now, tick=False):
            assert live(merchant_id, now) == expected(records, now)
    # Penalties and restrictions replay to the live rows (after a flush by an earlier transactional test the
    # reference rows (policy versions and their steps) come back without their events, so only the penalties
    # and the restrictions are compared here).
    assert [d for d in compare(rebuild()) if d.model in ("enforcement.Penalty", "enforcement.Restriction")] == []
