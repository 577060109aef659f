"""The event-class registry: every app's events are small frozen dataclasses with past-tense, dotted names.

Each type's stored data is `{"v": <schema version>, ...fields}`; dates, datetimes, decimals and
UUIDs are stored as text so the canonical JSON (and so the hash chain) is the same on every
database. A payload that must change gets a new schema version and an upcaster
(eventstore.store.upcaster), never a rewrite of stored events.
"""
import dataclasses
import functools
import types
import typing
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import ClassVar

REGISTRY: dict[str, type["DomainEvent"]] = {}


_PLAIN = (str, int, bool, type(None))  # stored as they are (the common case: checked first)


def _encode(value):
    if type(value) in _PLAIN:
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("event datetimes must be aware")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
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


@functools.cache
def _hints(cls):
    """A class's resolved type hints: fixed once it is defined, so resolved once (decoding is per event)."""
    return typing.get_type_hints(cls)


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
        """The stored payload. A field declared with `metadata={"flatten": True}` holds a value object
        (a dataclass) whose fields are stored at the top level, so a payload keeps its shape when its
        fields are gathered into one value."""
        data = {"v": self.schema}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.metadata.get("flatten"):
                for inner in dataclasses.fields(value):
                    data[inner.name] = _encode(getattr(value, inner.name))
            else:
                data[f.name] = _encode(value)
        return data

    @classmethod
    def from_data(cls, data):
        hints = _hints(cls)
        kwargs = {}
        for f in dataclasses.fields(cls):
            if f.metadata.get("flatten"):
                inner_cls = hints[f.name]
                inner_hints = _hints(inner_cls)
                kwargs[f.name] = inner_cls(**{i.name: _decode(inner_hints[i.name], data.get(i.name))
                                              for i in dataclasses.fields(inner_cls)})
            elif f.name in data:
                kwargs[f.name] = _decode(hints[f.name], data.get(f.name))
        return cls(**kwargs)


def decode(type_name, data):
    """The dataclass instance for a stored (type, upcasted data), or None for a foreign type."""
    cls = REGISTRY.get(type_name)
    return None if cls is None else cls.from_data(data)
