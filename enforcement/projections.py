"""Fold penalty events into the Penalty and Restriction projections; the same code runs live and in replay."""
from decimal import Decimal

from cases.events import decode

from .models import Penalty, PenaltyState, Restriction
from .policy import restrictions_for
from .events import (
    PenaltyApproved,
    PenaltyExpired,
    PenaltyImposed,
    PenaltyLiftApproved,
    PenaltyLifted,
    PenaltyProposed,
)


def apply(penalty, event):
    """Apply one recorded penalty event to `penalty` (a new unsaved Penalty for the first)."""
    e = decode(event.type, event.data)
    if isinstance(e, PenaltyProposed):
        penalty.id = e.penalty_id
        penalty.merchant_id = e.merchant_id
        penalty.product_id = e.product_id
        penalty.kind = e.kind
        penalty.step = e.step
        penalty.violation_ids = list(e.violation_ids)
        penalty.policy_version_id = e.policy_version_id
        penalty.duration_days = e.duration_days
        penalty.traffic_weight = Decimal(e.traffic_weight)
        penalty.approvals_needed = e.approvals_needed
        penalty.senior_only = e.senior_only
        penalty.approved_by = []
        penalty.lift_approved_by = []
        penalty.state = PenaltyState.PROPOSED
        penalty.proposed_at = event.occurred_at
        penalty.proposed_by = str(event.actor)
    elif isinstance(e, PenaltyApproved):
        penalty.approved_by = [*penalty.approved_by, e.reviewer_id]
    elif isinstance(e, PenaltyLiftApproved):
        penalty.lift_approved_by = [*penalty.lift_approved_by, e.reviewer_id]
    elif isinstance(e, PenaltyImposed):
        penalty.state = PenaltyState.ACTIVE
        penalty.starts_at = e.starts_at
        penalty.ends_at = e.ends_at
    elif isinstance(e, PenaltyLifted):
        penalty.state = PenaltyState.LIFTED
        penalty.closed_at = event.occurred_at
        penalty.closed_by = str(event.actor)
        penalty.closed_reason = f"{e.cause}: {e.reason}" if e.reason else e.cause
    elif isinstance(e, PenaltyExpired):
        penalty.state = PenaltyState.EXPIRED
        penalty.closed_at = event.occurred_at
        penalty.closed_by = str(event.actor)
    penalty.version = event.version
    return penalty


def restriction_for(merchant_id, position, penalties=None):
    """The Restriction row a merchant's active penalties imply, at event `position`."""
    if penalties is None:
        penalties = Penalty.objects.filter(merchant_id=merchant_id, state=PenaltyState.ACTIVE)
    fields = restrictions_for(penalties)
    return Restriction(merchant_id=merchant_id, position=position, **fields)
