"""Warning (预警): open -> acknowledged -> resolved | escalated | dismissed, each allowed and refused."""
import pytest

from cases import services
from cases.errors import (
    ConcurrencyError,
    InvalidCommand,
    NotPermitted,
    TransitionNotAllowed,
    WarningAlreadyOpen,
)
from cases.models import Warning
from eventstore.actors import SYSTEM, Actor
from eventstore.store import read

pytestmark = pytest.mark.django_db


def _state(warning):
    return Warning.objects.get(pk=warning.pk).state


def test_a_raised_warning_is_open_and_explained(raise_warning):
    warning = raise_warning()
    stored = Warning.objects.get(pk=warning.pk)
    assert (stored.state, stored.version, str(stored.value), str(stored.threshold)) == ("open", 1, "0.045000", "0.040000")
    assert stored.explanation["numerator"] == 6
    assert [e.type for e in read(stored.stream)] == ["warning.raised"]


def test_only_one_open_warning_per_merchant_risk_point_and_product(raise_warning):
    first = raise_warning()
    with pytest.raises(WarningAlreadyOpen) as refused:
        raise_warning()
    assert refused.value.context["warning_id"] == first.pk
    raise_warning(product_id="p-1")  # another product is another key
    services.warning_resolve(warning_id=first.pk, reason="rate back under warn_at")
    raise_warning()  # once resolved, a new one may open
    assert Warning.objects.filter(state="open").count() == 2


def test_the_merchant_acknowledges_its_warning_and_no_one_elses(raise_warning, as_merchant):
    warning = raise_warning()
    with pytest.raises(NotPermitted):
        services.warning_acknowledge(warning_id=warning.pk, actor=Actor.merchant("m-2"))
    services.warning_acknowledge(warning_id=warning.pk, actor=as_merchant)
    assert _state(warning) == "acknowledged"
    with pytest.raises(TransitionNotAllowed):
        services.warning_acknowledge(warning_id=warning.pk, actor=as_merchant)


@pytest.mark.parametrize("acknowledged", [False, True])
def test_the_system_resolves_an_open_or_acknowledged_warning(raise_warning, as_merchant, acknowledged):
    warning = raise_warning()
    if acknowledged:
        services.warning_acknowledge(warning_id=warning.pk, actor=as_merchant)
    services.warning_resolve(warning_id=warning.pk, actor=SYSTEM, reason="rate back under warn_at")
    stored = Warning.objects.get(pk=warning.pk)
    assert (stored.state, stored.closed_reason, stored.closed_by) == ("resolved", "rate back under warn_at", "system")


def test_a_reviewer_dismisses_with_a_reason(raise_warning, reviewer):
    warning = raise_warning()
    with pytest.raises(InvalidCommand):
        services.warning_dismiss(warning_id=warning.pk, actor=Actor.reviewer(reviewer), reason="  ")
    services.warning_dismiss(warning_id=warning.pk, actor=Actor.reviewer(reviewer), reason="Data error.")
    assert _state(warning) == "dismissed"


def test_dismissing_needs_the_permission(raise_warning, auditor, outsider, as_merchant):
    warning = raise_warning()
    for actor in (Actor.reviewer(auditor), Actor.reviewer(outsider), as_merchant, SYSTEM):
        with pytest.raises(NotPermitted):
            services.warning_dismiss(warning_id=warning.pk, actor=actor, reason="no")
    assert _state(warning) == "open"


@pytest.mark.parametrize("close", ["resolve", "dismiss", "escalate"])
@pytest.mark.parametrize("then", ["acknowledge", "resolve", "dismiss"])
def test_a_closed_warning_refuses_every_transition(raise_warning, record_violation, reviewer, as_merchant, close, then):
    warning = raise_warning()
    actor = Actor.reviewer(reviewer)
    if close == "resolve":
        services.warning_resolve(warning_id=warning.pk, reason="fine")
    elif close == "dismiss":
        services.warning_dismiss(warning_id=warning.pk, actor=actor, reason="fine")
    else:
        record_violation()
    events = len(read(warning.stream))
    with pytest.raises(TransitionNotAllowed):
        if then == "acknowledge":
            services.warning_acknowledge(warning_id=warning.pk, actor=as_merchant)
        elif then == "resolve":
            services.warning_resolve(warning_id=warning.pk, reason="again")
        else:
            services.warning_dismiss(warning_id=warning.pk, actor=actor, reason="again")
    assert len(read(warning.stream)) == events


def test_a_stale_version_is_refused(raise_warning, reviewer, as_merchant):
    warning = raise_warning()
    services.warning_acknowledge(warning_id=warning.pk, actor=as_merchant, expected_version=1)
    with pytest.raises(ConcurrencyError):
        services.warning_dismiss(warning_id=warning.pk, actor=Actor.reviewer(reviewer), reason="x", expected_version=1)
    assert _state(warning) == "acknowledged"


def test_the_protected_state_cannot_be_set_directly(raise_warning):
    warning = Warning.objects.get(pk=raise_warning().pk)
    with pytest.raises(AttributeError):
        warning.state = "resolved"
    assert _state(warning) == "open"


def test_a_warning_raised_by_a_reviewer_needs_the_permission(merchant, auditor, reviewer):
    from .conftest import judgement

    with pytest.raises(NotPermitted):
        services.warning_raise(**judgement(risk_point="public_opinion"), actor=Actor.reviewer(auditor))
    warning = services.warning_raise(**judgement(risk_point="public_opinion"), actor=Actor.reviewer(reviewer))
    assert read(warning.stream)[0].metadata["actor_id"] == str(reviewer.pk)
