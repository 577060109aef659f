"""The event types of enforcement: a penalty (处罚) stream "penalty-<uuid>" on the cases event store."""
import dataclasses
import uuid
from datetime import date, datetime
from typing import ClassVar

from eventstore.events import DomainEvent


@dataclasses.dataclass(frozen=True)
class PenaltyProposed(DomainEvent):
    """A step of the ladder chosen for a merchant (or one product); imposed at once or after approval."""

    type: ClassVar[str] = "penalty.proposed"
    penalty_id: uuid.UUID
    merchant_id: str
    product_id: str
    kind: str
    step: int
    violation_ids: list[str]
    policy_version_id: int | None
    duration_days: int | None
    traffic_weight: str
    approvals_needed: int
    senior_only: bool
    # Added with the ladder as a pure function (issue 12); older events decode with these defaults.
    term_from: datetime | None = None  # the term counts from here: when the violation was first penalised
    protective: bool = False  # a severity ban imposed at once, for a reviewer to confirm within its SLA
    review_due_at: datetime | None = None
    discretionary: bool = False  # chosen by a reviewer for a serious case, with a statement of reasons
    statement: str = ""  # the merchant-facing statement of reasons
    internal_note: str = ""  # for reviewers and auditors only


@dataclasses.dataclass(frozen=True)
class PenaltyApproved(DomainEvent):
    type: ClassVar[str] = "penalty.approved"
    reviewer_id: int


@dataclasses.dataclass(frozen=True)
class PenaltyLiftApproved(DomainEvent):
    """A senior reviewer agrees to lift (or veto) a store removal; a second, different senior lifts it."""

    type: ClassVar[str] = "penalty.lift_approved"
    reviewer_id: int
    reason: str
    internal_note: str = ""


@dataclasses.dataclass(frozen=True)
class PenaltyImposed(DomainEvent):
    type: ClassVar[str] = "penalty.imposed"
    starts_at: datetime
    ends_at: datetime | None


@dataclasses.dataclass(frozen=True)
class PenaltyLifted(DomainEvent):
    """Lifted before its end: `cause` is appeal_won, violation_withdrawn, re_stepped, left_window,
    re_evaluated (older events) or reviewer. `reason` is what the merchant is told; `internal_note` is for
    reviewers and auditors only."""

    type: ClassVar[str] = "penalty.lifted"
    cause: str
    reason: str
    internal_note: str = ""


@dataclasses.dataclass(frozen=True)
class PenaltyConfirmed(DomainEvent):
    """A reviewer confirms a protective severity ban within its SLA (it stays until its term ends)."""

    type: ClassVar[str] = "penalty.confirmed"
    reviewer_id: int
    internal_note: str = ""


@dataclasses.dataclass(frozen=True)
class PenaltyExpired(DomainEvent):
    type: ClassVar[str] = "penalty.expired"


@dataclasses.dataclass(frozen=True)
class PolicyVersionAdded(DomainEvent):
    """A version of the penalty ladder (处罚阶梯), in force from its day: stream "policy-ladder". `steps` are
    {id, number, kind, duration_days, traffic_weight (text), fallback_kind}, the PolicyStep rows."""

    type: ClassVar[str] = "policy.version_added"
    policy_version_id: int
    effective_from: date
    window_days: int
    clustered_ban_at: int
    steps: list[dict]
    note: str = ""
    # The product ladder's steps {number, kind, duration_days, traffic_weight (text)}; None in events stored
    # before it existed, which mean the shipped default (enforcement.policy.DEFAULT_PRODUCT_STEPS).
    product_steps: list[dict] | None = None
    # Issue 12 "configurable per policy version": None in events stored before, which mean the shipped values
    # (enforcement.models.DEFAULT_PROTECTIVE_REVIEW_HOURS, DEFAULT_SEVERITY_ORDER).
    protective_review_hours: int | None = None
    severity_order: list[str] | None = None
    # As in cases.events.ThresholdVersionAdded: the changes against the version replaced and the impact.
    changes: list[dict] | None = None
    impact: dict | None = None
