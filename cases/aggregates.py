"""The case aggregates: how each event changes a warning or a violation (with its appeal). The only
code that does; the services commit through eventstore.aggregates.commit and replay applies the same
handlers, so the live tables and a rebuild cannot drift apart. State changes go through the
transitions declared on the models.
"""
import uuid

from eventstore.aggregates import Aggregate, handles
from eventstore.errors import TransitionNotAllowed
from eventstore.reference import ReferenceStream

from . import events as ev
from .models import (
    Appeal,
    AppealDecision,
    AppealEvidence,
    RuleParameterVersion,
    ThresholdVersion,
    Violation,
    ViolationEvidence,
    Warning,
    WarningEvidence,
)


def _case_fields(judgement, ctx):
    return dict(judgement.as_fields(), opened_at=ctx.occurred_at)


def _evidence(model, files, **owner):
    return [
        model(id=uuid.UUID(f["id"]), file=f["path"], name=f["name"], size=f["size"], sha256=f["sha256"], **owner,
              **({"shareable": bool(f.get("shareable"))} if model in (ViolationEvidence, WarningEvidence) else {}),
              **({"from_merchant": bool(f.get("from_merchant"))} if model is WarningEvidence else {}))
        for f in files
    ]


# Reference data first: cases point to the threshold version they cite (replay's dependency order).
class ThresholdVersions(ReferenceStream):
    """The versions of one category's threshold for one rate: stream "threshold:<category>:<risk point>"."""

    kind = "threshold"
    models = [ThresholdVersion]

    @classmethod
    def stream_for(cls, key):
        return f"{cls.kind}:{key}"  # the name these streams were given before eventstore.streams

    @classmethod
    def key_of(cls, event):
        return f"{event.category}:{event.risk_point}"

    @handles(ev.ThresholdVersionAdded)
    def _added(self, event, ctx):
        return [ThresholdVersion(
            id=event.threshold_version_id, category=event.category, risk_point=event.risk_point,
            limit=event.limit, warn_at=event.warn_at, window_days=event.window_days, min_orders=event.min_orders,
            effective_from=event.effective_from, note=event.note, created_by_id=ctx.actor.user_id,
        )]


class RuleParameterVersions(ReferenceStream):
    """The versions of one category's count-rule parameters: stream "rule_parameters-<category>"."""

    kind = "rule_parameters"
    models = [RuleParameterVersion]

    @classmethod
    def key_of(cls, event):
        return event.category

    @handles(ev.RuleParametersVersionAdded)
    def _added(self, event, ctx):
        fields = {f: getattr(event, f) for f in RuleParameterVersion.PARAMETERS}
        return [RuleParameterVersion(
            id=event.rule_parameters_version_id, category=event.category, effective_from=event.effective_from,
            note=event.note, created_by_id=ctx.actor.user_id, **fields,
        )]


class ViolationCase(Aggregate):
    """A violation (违规) and its appeal (申诉): stream "violation-<uuid>"."""

    kind = "violation"
    models = [Violation, Appeal, AppealEvidence, ViolationEvidence]

    def __init__(self, root=None, appeal=None):
        super().__init__(root)
        self.appeal = appeal

    @classmethod
    def load(cls, violation):
        return cls(violation, Appeal.objects.filter(pk=violation.pk).first())

    @handles(ev.ViolationRecorded)
    def _recorded(self, event, ctx):
        if self.root is not None:
            raise TransitionNotAllowed(event=event.type)
        self.root = Violation(
            id=event.violation_id, recorded_by_kind=ctx.actor.kind, recorded_by_id=ctx.actor.user_id,
            # Recorded before notices were tracked: notified at recording. Since then: when the notice arrives.
            notified_at=ctx.occurred_at if event.appeal_deadline else None, appeal_deadline=event.appeal_deadline,
            evidence_text=event.evidence_text, statement=event.statement,
            **_case_fields(event.judgement, ctx),
        )
        return _evidence(ViolationEvidence, event.evidence_files, violation_id=self.root.pk)

    @handles(ev.ViolationNoticeDelivered)
    def _notice_delivered(self, event, ctx):
        if self.root.notified_at is not None:
            raise TransitionNotAllowed(state=self.root.state, event=event.type)
        self.root.notified_at = event.delivered_at
        self.root.appeal_deadline = event.appeal_deadline

    @handles(ev.ViolationAssigned)
    def _assigned(self, event, ctx):
        self.root.assignee_id = event.assignee_id

    @handles(ev.ViolationWithdrawn)
    def _withdrawn(self, event, ctx):
        self.root.withdraw(event, ctx)

    @handles(ev.ViolationUpheld)
    def _upheld(self, event, ctx):
        self.root.uphold(event, ctx)

    @handles(ev.AppealSubmitted)
    def _appeal_submitted(self, event, ctx):
        if self.appeal is not None:
            raise TransitionNotAllowed(event=event.type)
        self.root.start_appeal(event, ctx)
        self.appeal = Appeal(
            violation_id=self.root.pk, submitted_by=str(ctx.actor), statement=event.statement,
            submitted_at=ctx.occurred_at, decision_due=event.decision_due,
        )
        return [self.appeal, *_evidence(AppealEvidence, event.files, appeal_id=self.root.pk)]

    @handles(ev.AppealDecided)
    def _appeal_decided(self, event, ctx):
        (self.root.accept_appeal if event.accepted else self.root.reject_appeal)(event, ctx)
        appeal = self.appeal
        appeal.decision = AppealDecision.ACCEPTED if event.accepted else AppealDecision.REJECTED
        appeal.reasons = event.reasons
        appeal.internal_note = event.internal_note
        appeal.decided_by_id = ctx.actor.user_id
        appeal.decided_at = ctx.occurred_at
        return [appeal]


# After ViolationCase: a warning's row points to the violation it escalated to (replay's dependency order).
class WarningCase(Aggregate):
    """A warning (预警): stream "warning-<uuid>"."""

    kind = "warning"
    models = [Warning, WarningEvidence]

    @handles(ev.WarningRaised)
    def _raised(self, event, ctx):
        if self.root is not None:
            raise TransitionNotAllowed(event=event.type)
        self.root = Warning(id=event.warning_id, evidence_text=event.evidence_text, statement=event.statement,
                            **_case_fields(event.judgement, ctx))
        return _evidence(WarningEvidence, event.evidence_files, warning_id=self.root.pk)

    @handles(ev.WarningAcknowledged)
    def _acknowledged(self, event, ctx):
        self.root.acknowledge(event, ctx)

    @handles(ev.WarningRectified)
    def _rectified(self, event, ctx):
        if self.root.state not in ("open", "acknowledged") or self.root.rectified_at is not None:
            raise TransitionNotAllowed(state=self.root.state, event=event.type)
        self.root.rectification_note = event.note
        self.root.rectified_at = ctx.occurred_at
        return _evidence(WarningEvidence, event.files, warning_id=self.root.pk)

    @handles(ev.WarningResolved)
    def _resolved(self, event, ctx):
        self.root.resolve(event, ctx)

    @handles(ev.WarningEscalated)
    def _escalated(self, event, ctx):
        self.root.escalate(event, ctx)

    @handles(ev.WarningDismissed)
    def _dismissed(self, event, ctx):
        self.root.dismiss(event, ctx)

    @handles(ev.WarningAssigned)
    def _assigned(self, event, ctx):
        self.root.assignee_id = event.assignee_id
