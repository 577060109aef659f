"""The event types of the cases app: small frozen dataclasses with past-tense, dotted names.

Each type's stored data is `{"v": <schema version>, ...fields}`; dates, datetimes, decimals and
UUIDs are stored as text so the canonical JSON (and so the hash chain) is the same on every
database. A payload that must change gets a new schema version and an upcaster
(cases.eventstore.upcaster), never a rewrite of stored events.
"""
import dataclasses
import types
import typing
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, ClassVar

REGISTRY: dict[str, type["DomainEvent"]] = {}


def _encode(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("event datetimes must be aware")
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, float):
        raise TypeError("floats are not stored in events: use Decimal")
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


def _decode(kind, value):
    if value is None:
        return None
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    base = args[0] if args and typing.get_origin(kind) in (typing.Union, types.UnionType) else kind
    if base is datetime:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    if base is date:
        return date.fromisoformat(value)
    if base is Decimal:
        return Decimal(value)
    if base is uuid.UUID:
        return uuid.UUID(value)
    return value


@dataclasses.dataclass(frozen=True)
class DomainEvent:
    """Base of every event type: `type` is the stored name, `schema` the payload version."""

    type: ClassVar[str] = ""
    schema: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.type:
            if cls.type in REGISTRY:
                raise TypeError(f"event type {cls.type} registered twice")
            REGISTRY[cls.type] = cls

    def to_data(self):
        data = {"v": self.schema}
        for f in dataclasses.fields(self):
            data[f.name] = _encode(getattr(self, f.name))
        return data

    @classmethod
    def from_data(cls, data):
        hints = typing.get_type_hints(cls)
        kwargs = {f.name: _decode(hints[f.name], data.get(f.name)) for f in dataclasses.fields(cls) if f.name in data}
        return cls(**kwargs)


def decode(type_name, data):
    """The dataclass instance for a stored (type, upcasted data), or None for a foreign type."""
    cls = REGISTRY.get(type_name)
    return None if cls is None else cls.from_data(data)


# --- Warning (预警) stream: "warning-<uuid>" ---------------------------------------------------

@dataclasses.dataclass(frozen=True)
class WarningRaised(DomainEvent):
    type: ClassVar[str] = "warning.raised"
    warning_id: uuid.UUID
    merchant_id: str
    risk_point: str
    product_id: str
    window_start: date
    window_end: date
    value: Decimal | None
    threshold: Decimal | None
    threshold_version_id: int | None
    explanation: dict[str, Any]
    as_of: date


@dataclasses.dataclass(frozen=True)
class WarningAcknowledged(DomainEvent):
    type: ClassVar[str] = "warning.acknowledged"


@dataclasses.dataclass(frozen=True)
class WarningResolved(DomainEvent):
    type: ClassVar[str] = "warning.resolved"
    reason: str


@dataclasses.dataclass(frozen=True)
class WarningEscalated(DomainEvent):
    type: ClassVar[str] = "warning.escalated"
    violation_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class WarningDismissed(DomainEvent):
    type: ClassVar[str] = "warning.dismissed"
    reason: str


@dataclasses.dataclass(frozen=True)
class WarningAssigned(DomainEvent):
    type: ClassVar[str] = "warning.assigned"
    assignee_id: int | None


# --- Violation (违规) stream: "violation-<uuid>", its appeal included -------------------------

@dataclasses.dataclass(frozen=True)
class ViolationRecorded(DomainEvent):
    """Recorded and notified: the appeal window opens now and closes at `appeal_deadline`."""

    type: ClassVar[str] = "violation.recorded"
    violation_id: uuid.UUID
    merchant_id: str
    risk_point: str
    product_id: str
    window_start: date
    window_end: date
    value: Decimal | None
    threshold: Decimal | None
    threshold_version_id: int | None
    explanation: dict[str, Any]
    as_of: date
    appeal_deadline: datetime
    warning_id: uuid.UUID | None = None
    evidence_text: str = ""
    evidence_files: list[dict[str, Any]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class ViolationAssigned(DomainEvent):
    type: ClassVar[str] = "violation.assigned"
    assignee_id: int | None


@dataclasses.dataclass(frozen=True)
class ViolationWithdrawn(DomainEvent):
    type: ClassVar[str] = "violation.withdrawn"
    reason: str


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
