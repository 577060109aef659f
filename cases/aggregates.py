"""The aggregates: how each event changes the projection rows. The only code that does.

`apply(case, event, ctx)` is called by the services (before they save the rows and append the
event, in one transaction) and by replay (on rows it rebuilds from the log), so the live tables
and a rebuild cannot drift apart. State changes go through the transitions declared on the models.
"""
import uuid
from dataclasses import dataclass
from datetime import datetime

import django_fsm

from . import events as ev
from .actors import Actor
from .errors import TransitionNotAllowed
from .models import Appeal, AppealDecision, AppealEvidence, Violation, ViolationEvidence, Warning


@dataclass(frozen=True)
class EventContext:
    """What an event says besides its data: when it happened and who did it (from its metadata)."""

    occurred_at: datetime
    actor: Actor


@dataclass
class Case:
    """A warning or violation with the rows that hang off it (a violation's appeal)."""

    root: Warning | Violation | None = None
    appeal: Appeal | None = None

    @classmethod
    def load_violation(cls, violation):
        return cls(root=violation, appeal=Appeal.objects.filter(pk=violation.pk).first())


_HANDLERS = {}


def _on(event_type):
    def register(fn):
        _HANDLERS[event_type] = fn
        return fn

    return register


def apply(case, event, ctx):
    """Apply `event` to `case` and return the rows it created or changed (root first).

    Raises cases.errors.TransitionNotAllowed when the case's state does not allow the event.
    """
    handler = _HANDLERS.get(type(event))
    if handler is None:
        raise TypeError(f"no aggregate handles {type(event).__name__}")
    try:
        extra = handler(case, event, ctx) or []
    except django_fsm.TransitionNotAllowed as exc:
        if isinstance(exc, TransitionNotAllowed):
            raise
        raise TransitionNotAllowed(state=case.root.state, event=event.type) from exc
    case.root.version += 1
    return [case.root, *extra]


def _case_fields(event, ctx):
    return dict(
        merchant_id=event.merchant_id, risk_point=event.risk_point, product_id=event.product_id,
        window_start=event.window_start, window_end=event.window_end, value=event.value,
        threshold=event.threshold, threshold_version_id=event.threshold_version_id,
        explanation=event.explanation, as_of=event.as_of, opened_at=ctx.occurred_at,
    )


def _evidence(model, files, **owner):
    return [
        model(id=uuid.UUID(f["id"]), file=f["path"], name=f["name"], size=f["size"], sha256=f["sha256"], **owner)
        for f in files
    ]


# --- Warning ---------------------------------------------------------------------------------

@_on(ev.WarningRaised)
def _warning_raised(case, event, ctx):
    if case.root is not None:
        raise TransitionNotAllowed(event=event.type)
    case.root = Warning(id=event.warning_id, **_case_fields(event, ctx))


@_on(ev.WarningAcknowledged)
def _warning_acknowledged(case, event, ctx):
    case.root.acknowledge(event, ctx)


@_on(ev.WarningResolved)
def _warning_resolved(case, event, ctx):
    case.root.resolve(event, ctx)


@_on(ev.WarningEscalated)
def _warning_escalated(case, event, ctx):
    case.root.escalate(event, ctx)


@_on(ev.WarningDismissed)
def _warning_dismissed(case, event, ctx):
    case.root.dismiss(event, ctx)


@_on(ev.WarningAssigned)
@_on(ev.ViolationAssigned)
def _assigned(case, event, ctx):
    case.root.assignee_id = event.assignee_id


# --- Violation and its appeal ------------------------------------------------------------------

@_on(ev.ViolationRecorded)
def _violation_recorded(case, event, ctx):
    if case.root is not None:
        raise TransitionNotAllowed(event=event.type)
    case.root = Violation(
        id=event.violation_id, recorded_by_kind=ctx.actor.kind, recorded_by_id=ctx.actor.user_id,
        notified_at=ctx.occurred_at, appeal_deadline=event.appeal_deadline, evidence_text=event.evidence_text,
        **_case_fields(event, ctx),
    )
    return _evidence(ViolationEvidence, event.evidence_files, violation_id=case.root.pk)


@_on(ev.ViolationWithdrawn)
def _violation_withdrawn(case, event, ctx):
    case.root.withdraw(event, ctx)


@_on(ev.ViolationUpheld)
def _violation_upheld(case, event, ctx):
    case.root.uphold(event, ctx)


@_on(ev.AppealSubmitted)
def _appeal_submitted(case, event, ctx):
    if case.appeal is not None:
        raise TransitionNotAllowed(event=event.type)
    case.root.start_appeal(event, ctx)
    case.appeal = Appeal(
        violation_id=case.root.pk, submitted_by=str(ctx.actor), statement=event.statement,
        submitted_at=ctx.occurred_at, decision_due=event.decision_due,
    )
    return [case.appeal, *_evidence(AppealEvidence, event.files, appeal_id=case.root.pk)]


@_on(ev.AppealDecided)
def _appeal_decided(case, event, ctx):
    (case.root.accept_appeal if event.accepted else case.root.reject_appeal)(event, ctx)
    appeal = case.appeal
    appeal.decision = AppealDecision.ACCEPTED if event.accepted else AppealDecision.REJECTED
    appeal.reasons = event.reasons
    appeal.decided_by_id = ctx.actor.user_id
    appeal.decided_at = ctx.occurred_at
    return [appeal]


HANDLED_TYPES = frozenset(cls.type for cls in _HANDLERS)
STREAM_PREFIXES = {"warning": Warning, "violation": Violation}
