"""The event types of the cases app: warnings (预警) and violations (违规) with their appeals (申诉).

A judgement (what was judged, on which numbers, under which threshold version) is one value object
carried by both opening events and produced by the rules (cases.judgement.Judgement).
"""
import dataclasses
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from eventstore.events import DomainEvent

from .judgement import Judgement

# --- Warning (预警) stream: "warning-<uuid>" ---------------------------------------------------

@dataclasses.dataclass(frozen=True)
class WarningRaised(DomainEvent):
    type: ClassVar[str] = "warning.raised"
    warning_id: uuid.UUID
    judgement: Judgement = dataclasses.field(metadata={"flatten": True})
    evidence_text: str = ""  # a warning raised by hand: the reviewer's internal description
    statement: str = ""  # ... and the statement of facts the merchant reads
    evidence_files: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # "shareable" as for violations


@dataclasses.dataclass(frozen=True)
class WarningAcknowledged(DomainEvent):
    type: ClassVar[str] = "warning.acknowledged"


@dataclasses.dataclass(frozen=True)
class WarningRectified(DomainEvent):
    """The merchant answered the warning with a rectification note (整改说明) and files."""

    type: ClassVar[str] = "warning.rectified"
    note: str
    files: list[dict[str, Any]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class WarningResolved(DomainEvent):
    type: ClassVar[str] = "warning.resolved"
    reason: str
    internal_note: str = ""  # reviewers and auditors only; `reason` is what the merchant reads


@dataclasses.dataclass(frozen=True)
class WarningEscalated(DomainEvent):
    type: ClassVar[str] = "warning.escalated"
    violation_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class WarningDismissed(DomainEvent):
    type: ClassVar[str] = "warning.dismissed"
    reason: str
    internal_note: str = ""  # reviewers and auditors only; `reason` is what the merchant reads


@dataclasses.dataclass(frozen=True)
class WarningAssigned(DomainEvent):
    type: ClassVar[str] = "warning.assigned"
    assignee_id: int | None


# --- Violation (违规) stream: "violation-<uuid>", its appeal included -------------------------

@dataclasses.dataclass(frozen=True)
class ViolationRecorded(DomainEvent):
    """Recorded. The appeal window opens when the notice reaches the merchant (ViolationNoticeDelivered);
    events recorded before that rule carry `appeal_deadline` (they counted the window from the recording)."""

    type: ClassVar[str] = "violation.recorded"
    violation_id: uuid.UUID
    judgement: Judgement = dataclasses.field(metadata={"flatten": True})
    appeal_deadline: datetime | None = None
    warning_id: uuid.UUID | None = None
    evidence_text: str = ""
    # each {"id", "path", "name", "size", "sha256"}, "shareable": true when the merchant may download it
    evidence_files: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    statement: str = ""  # the statement of facts the merchant reads (a case opened by hand)


@dataclasses.dataclass(frozen=True)
class ViolationNoticeDelivered(DomainEvent):
    """The notice of the violation reached the merchant (first successful delivery on any channel, or the
    merchant opening it): the appeal window runs from `delivered_at` to `appeal_deadline`."""

    type: ClassVar[str] = "violation.notice_delivered"
    delivered_at: datetime
    appeal_deadline: datetime
    channel: str


@dataclasses.dataclass(frozen=True)
class ViolationAssigned(DomainEvent):
    type: ClassVar[str] = "violation.assigned"
    assignee_id: int | None


@dataclasses.dataclass(frozen=True)
class ViolationWithdrawn(DomainEvent):
    type: ClassVar[str] = "violation.withdrawn"
    reason: str
    internal_note: str = ""  # reviewers and auditors only; `reason` is what the merchant reads


@dataclasses.dataclass(frozen=True)
class ViolationUpheld(DomainEvent):
    """The appeal window lapsed without an appeal."""

    type: ClassVar[str] = "violation.upheld"


@dataclasses.dataclass(frozen=True)
class AppealSubmitted(DomainEvent):
    type: ClassVar[str] = "violation.appeal_submitted"
    statement: str
    decision_due: datetime
    files: list[dict[str, Any]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class AppealDecided(DomainEvent):
    type: ClassVar[str] = "violation.appeal_decided"
    accepted: bool
    reasons: str
    internal_note: str = ""  # reviewers and auditors only; `reasons` is the statement the merchant reads


# --- Reference data: versions only ever added ---------------------------------------------------
# A rate threshold: stream "threshold:<category>:<risk point>" (the name it has always had).

@dataclasses.dataclass(frozen=True)
class ThresholdVersionAdded(DomainEvent):
    type: ClassVar[str] = "threshold.version_added"
    threshold_version_id: int
    category: str
    risk_point: str
    limit: Decimal
    warn_at: Decimal
    window_days: int
    min_orders: int
    effective_from: date
    note: str = ""
    # Added with the announcement of rule changes: the fields that differ from the version replaced
    # ({field, old, new, stricter}, cases.strictness) and the impact previewed (cases.impact); None in
    # events stored before (and in the shipped defaults' events), which are not announced.
    changes: list[dict] | None = None
    impact: dict | None = None


# The count rules' parameters of one category: stream "rule_parameters-<category>".

@dataclasses.dataclass(frozen=True)
class RuleParametersVersionAdded(DomainEvent):
    type: ClassVar[str] = "rule_parameters.version_added"
    rule_parameters_version_id: int
    category: str
    clustered_window_days: int
    clustered_warn_at: int
    clustered_limit: int
    unserved_window_days: int
    unserved_limit: int
    related_lookback_days: int
    effective_from: date
    note: str = ""
    product_min_orders: int = 20  # added with the product rules: events stored before it decode to the default
    changes: list[dict] | None = None  # as in ThresholdVersionAdded
    impact: dict | None = None
