"""After any sequence of commands (allowed or refused), replaying the log gives the live projections."""
import contextlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from cases import services
from cases.errors import DomainError
from cases.models import Violation, Warning
from eventstore.actors import SYSTEM, Actor
from eventstore.audit import verify_chains
from eventstore.models import Event
from eventstore.replay import compare, rebuild
from tests.factories import MerchantFactory

from .conftest import make_user

pytestmark = pytest.mark.django_db

MERCHANTS = ("m-1", "m-2")
RISK_POINTS = ("complaint_rate", "negative_review_rate", "clustered_complaints")


def test_replay_equals_the_projections_after_random_commands():
    for merchant_id in MERCHANTS:
        MerchantFactory(merchant_id=merchant_id)
    reviewers = [make_user("rita", "reviewer"), make_user("colin", "reviewer")]

    class Cases(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.window_end = date(2026, 1, 1)

        def _pick(self, model, index, **filters):
            ids = list(model.objects.filter(**filters).order_by("opened_at", "pk").values_list("pk", flat=True))
            return ids[index % len(ids)] if ids else None

        def _try(self, command, **kwargs):
            with contextlib.suppress(DomainError):  # refused commands leave no trace; the invariant checks it
                command(**kwargs)

        @rule(merchant=st.sampled_from(MERCHANTS), risk_point=st.sampled_from(RISK_POINTS),
              product=st.sampled_from(["", "p-1"]), value=st.decimals("0", "1", places=7))
        def raise_warning(self, merchant, risk_point, product, value):
            self._try(services.warning_raise, merchant_id=merchant, risk_point=risk_point, product_id=product,
                      window_start=date(2026, 1, 1), window_end=date(2026, 1, 30), value=value,
                      threshold=Decimal("0.04"), explanation={"v": 1}, as_of=date(2026, 1, 30))

        @rule(merchant=st.sampled_from(MERCHANTS), risk_point=st.sampled_from(RISK_POINTS),
              product=st.sampled_from(["", "p-1"]), fresh=st.booleans())
        def record_violation(self, merchant, risk_point, product, fresh):
            if fresh:
                self.window_end += timedelta(days=31)
            self._try(services.violation_record, merchant_id=merchant, risk_point=risk_point, product_id=product,
                      window_start=self.window_end - timedelta(days=29), window_end=self.window_end,
                      value=Decimal("0.06"), threshold=Decimal("0.05"), explanation={"v": 1},
                      as_of=self.window_end + timedelta(days=7))

        @rule(index=st.integers(0, 50), by_merchant=st.booleans())
        def acknowledge(self, index, by_merchant):
            warning_id = self._pick(Warning, index)
            if warning_id:
                merchant = Warning.objects.get(pk=warning_id).merchant_id
                actor = Actor.merchant(merchant) if by_merchant else Actor.reviewer(reviewers[0])
                self._try(services.warning_acknowledge, warning_id=warning_id, actor=actor)

        @rule(index=st.integers(0, 50), dismiss=st.booleans(), who=st.integers(0, 1))
        def close_warning(self, index, dismiss, who):
            warning_id = self._pick(Warning, index)
            if warning_id and dismiss:
                self._try(services.warning_dismiss, warning_id=warning_id, actor=Actor.reviewer(reviewers[who]),
                          reason="dismissed")
            elif warning_id:
                self._try(services.warning_resolve, warning_id=warning_id, actor=SYSTEM, reason="back under")

        @rule(index=st.integers(0, 50), who=st.integers(0, 2), warning=st.booleans())
        def assign(self, index, who, warning):
            case_id = self._pick(Warning if warning else Violation, index)
            if case_id:
                assignee = None if who == 2 else reviewers[who].pk
                self._try(services.case_assign, case_id=case_id, assignee_id=assignee,
                          actor=Actor.reviewer(reviewers[0]))

        @rule(index=st.integers(0, 50), with_file=st.booleans(), as_owner=st.booleans(), pending=st.booleans())
        def appeal(self, index, with_file, as_owner, pending):
            violation_id = self._pick(Violation, index, **({"state": "pending"} if pending else {}))
            if violation_id:
                merchant = Violation.objects.get(pk=violation_id).merchant_id if as_owner else "m-9"
                files = [ContentFile(b"%PDF-1.4 evidence", name="e.pdf")] if with_file else []
                self._try(services.appeal_submit, violation_id=violation_id, actor=Actor.merchant(merchant),
                          statement="Not us.", files=files)

        @rule(index=st.integers(0, 50), accept=st.booleans(), who=st.integers(0, 1), stale=st.booleans(),
              appealing=st.booleans())
        def decide(self, index, accept, who, stale, appealing):
            violation_id = self._pick(Violation, index, **({"state": "appealing"} if appealing else {}))
            if violation_id:
                version = Violation.objects.get(pk=violation_id).version - (1 if stale else 0)
                self._try(services.appeal_decide, violation_id=violation_id, actor=Actor.reviewer(reviewers[who]),
                          accept=accept, reasons="reasons", expected_version=version)

        @rule(index=st.integers(0, 50))
        def withdraw(self, index):
            violation_id = self._pick(Violation, index)
            if violation_id:
                self._try(services.violation_withdraw, violation_id=violation_id,
                          actor=Actor.reviewer(reviewers[1]), reason="error")

        @rule(days=st.integers(0, 10))
        def lapse(self, days):
            services.violation_uphold_lapsed(now=timezone.now() + timedelta(days=days))

        @invariant()
        def replay_equals_projections(self):
            differences = compare(rebuild())
            assert differences == [], [str(d) for d in differences]

        def teardown(self):
            assert verify_chains() == []

    run_state_machine_as_test(Cases, settings=settings(
        max_examples=40, stateful_step_count=30, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    ))
    # The run is not vacuous: every kind of event was produced along the way.
    produced = set(Event.objects.values_list("type", flat=True))
    assert {"warning.raised", "warning.escalated", "violation.recorded", "violation.appeal_submitted",
            "violation.appeal_decided", "violation.withdrawn", "violation.upheld"} <= produced
