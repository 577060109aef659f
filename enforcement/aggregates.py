"""The penalty aggregate: how each penalty event changes its Penalty row, through the transitions
declared on the model. Services commit through eventstore.aggregates.commit; replay applies the same
handlers (so a corrupt stream fails to replay instead of folding into nonsense)."""
from decimal import Decimal

from eventstore.aggregates import Aggregate, handles
from eventstore.errors import TransitionNotAllowed
from eventstore.reference import ReferenceStream

from .events import (
    PenaltyApproved,
    PenaltyConfirmed,
    PenaltyExpired,
    PenaltyImposed,
    PenaltyLiftApproved,
    PenaltyLifted,
    PenaltyProposed,
    PolicyVersionAdded,
)
from .models import (
    DEFAULT_PROTECTIVE_REVIEW_HOURS,
    Penalty,
    PenaltyState,
    PolicyStep,
    PolicyVersion,
    default_product_steps,
    default_severity_order,
)


class PolicyVersions(ReferenceStream):
    """The versions of the penalty ladder: one stream, "policy-ladder"; each event adds a version and its steps."""

    kind = "policy"
    models = [PolicyVersion, PolicyStep]
    KEY = "ladder"

    @classmethod
    def key_of(cls, event):
        return cls.KEY

    @handles(PolicyVersionAdded)
    def _added(self, e, ctx):
        product_steps = e.product_steps if e.product_steps is not None else default_product_steps()
        version = PolicyVersion(
            id=e.policy_version_id, effective_from=e.effective_from, window_days=e.window_days,
            clustered_ban_at=e.clustered_ban_at, note=e.note, product_steps=product_steps,
            protective_review_hours=(e.protective_review_hours if e.protective_review_hours is not None
                                     else DEFAULT_PROTECTIVE_REVIEW_HOURS),
            severity_order=e.severity_order if e.severity_order is not None else default_severity_order())
        return [version, *(
            PolicyStep(id=s["id"], policy_id=version.pk, number=s["number"], kind=s["kind"],
                       duration_days=s["duration_days"], traffic_weight=Decimal(s["traffic_weight"]),
                       fallback_kind=s["fallback_kind"])
            for s in e.steps
        )]


class PenaltyAggregate(Aggregate):
    kind = "penalty"
    models = [Penalty]

    @classmethod
    def load(cls, penalty):
        return cls(penalty)

    @handles(PenaltyProposed)
    def _proposed(self, e, ctx):
        if self.root is not None:
            raise TransitionNotAllowed(event=e.type)
        self.root = Penalty(
            id=e.penalty_id, merchant_id=e.merchant_id, product_id=e.product_id, kind=e.kind, step=e.step,
            violation_ids=list(e.violation_ids), policy_version_id=e.policy_version_id,
            duration_days=e.duration_days, traffic_weight=Decimal(e.traffic_weight),
            approvals_needed=e.approvals_needed, senior_only=e.senior_only, approved_by=[], lift_approved_by=[],
            state=PenaltyState.PROPOSED, proposed_at=ctx.occurred_at, proposed_by=str(ctx.actor),
            term_from=e.term_from, protective=e.protective, review_due_at=e.review_due_at,
            discretionary=e.discretionary, statement=e.statement, internal_note=e.internal_note,
        )

    @handles(PenaltyApproved)
    def _approved(self, e, ctx):
        self.root.record_approval(e.reviewer_id)

    @handles(PenaltyLiftApproved)
    def _lift_approved(self, e, ctx):
        self.root.record_lift_approval(e.reviewer_id)

    @handles(PenaltyImposed)
    def _imposed(self, e, ctx):
        self.root.impose(e.starts_at, e.ends_at)

    @handles(PenaltyLifted)
    def _lifted(self, e, ctx):
        self.root.lift(cause=e.cause, reason=e.reason, internal_note=e.internal_note or self.root.internal_note,
                       at=ctx.occurred_at, by=str(ctx.actor))

    @handles(PenaltyConfirmed)
    def _confirmed(self, e, ctx):
        self.root.confirm(e.reviewer_id)

    @handles(PenaltyExpired)
    def _expired(self, e, ctx):
        self.root.expire(at=ctx.occurred_at, by=str(ctx.actor))
