"""The state machines as declared on the models: exactly these transitions, from exactly these states."""
import pytest
from django_fsm import can_proceed

from cases.models import Violation, ViolationState, Warning, WarningState

WARNING_ALLOWED = {
    "acknowledge": {"open"},
    "resolve": {"open", "acknowledged"},
    "escalate": {"open", "acknowledged"},
    "dismiss": {"open", "acknowledged"},
}
VIOLATION_ALLOWED = {
    "start_appeal": {"pending"},
    "accept_appeal": {"appealing"},
    "reject_appeal": {"appealing"},
    "uphold": {"pending"},
    "withdraw": {"pending", "appealing", "upheld", "appeal_failed"},
}


@pytest.mark.parametrize("transition", sorted(WARNING_ALLOWED))
@pytest.mark.parametrize("state", WarningState.values)
def test_warning_transitions(state, transition):
    warning = Warning(state=state)
    assert can_proceed(getattr(warning, transition)) == (state in WARNING_ALLOWED[transition])


@pytest.mark.parametrize("transition", sorted(VIOLATION_ALLOWED))
@pytest.mark.parametrize("state", ViolationState.values)
def test_violation_transitions(state, transition):
    violation = Violation(state=state)
    assert can_proceed(getattr(violation, transition)) == (state in VIOLATION_ALLOWED[transition])


def test_the_tables_name_every_declared_transition():
    assert {t.name for t in Warning().get_all_state_transitions()} == set(WARNING_ALLOWED)
    assert {t.name for t in Violation().get_all_state_transitions()} == set(VIOLATION_ALLOWED)
