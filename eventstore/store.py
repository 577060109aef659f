"""The event store: `append` to a stream with an expected version, `read` a stream or the whole log.

Every app uses these two functions; none writes the events table itself. Appends are serialised
(on PostgreSQL with `LOCK TABLE ... IN EXCLUSIVE MODE`, as pyeventsourcing does; SQLite has a
single writer anyway), so positions become visible in order and a consumer reading by position
never skips an event that committed late.
"""
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from riskcase.ops.enqueue import on_commit_once

from .actors import SYSTEM, Actor
from .errors import ConcurrencyError
from .events import DomainEvent, decode
from .models import Event, event_hash

__all__ = ["RecordedEvent", "append", "first_positions", "head_position", "last_positions", "lock_for_append", "openings",
           "read", "upcaster"]

ANY_VERSION = None  # expected_version=None: append at the end whatever the stream's version


@dataclass(frozen=True)
class RecordedEvent:
    """An event as stored, with its data upcast to the current schema of its type."""

    position: int
    stream: str
    version: int
    type: str
    data: dict[str, Any]
    metadata: dict[str, Any]
    occurred_at: datetime
    recorded_at: datetime
    prev_hash: str
    hash: str

    @property
    def event(self):
        """The DomainEvent instance (None for a type no app registers): consumers dispatch on its class."""
        return decode(self.type, self.data)

    @property
    def actor(self):
        return Actor(self.metadata.get("actor_kind", "system"), self.metadata.get("actor_id"))

    @classmethod
    def from_row(cls, row, upcast=True):
        data = _upcast(row.type, row.data) if upcast else row.data
        return cls(
            position=row.pk, stream=row.stream, version=row.version, type=row.type, data=data,
            metadata=row.metadata, occurred_at=row.occurred_at, recorded_at=row.recorded_at,
            prev_hash=row.prev_hash, hash=row.hash,
        )


# --- Upcasters: read old payload versions as the current one, never rewrite stored events ------

_UPCASTERS = {}


def upcaster(type_name, from_version):
    """Register `fn(data) -> data` turning `type_name` data of schema `from_version` into the next."""

    def register(fn):
        key = (type_name, from_version)
        if key in _UPCASTERS:
            raise ValueError(f"an upcaster for {type_name} v{from_version} is already registered")
        _UPCASTERS[key] = fn
        return fn

    return register


def _upcast(type_name, data):
    version = data.get("v", 1)
    while (type_name, version) in _UPCASTERS:
        data = dict(_UPCASTERS[(type_name, version)](dict(data)))
        if data.get("v", version) <= version:
            data["v"] = version + 1
        version = data["v"]
    return data


def _check_json(value, where="data"):
    """Only what every database stores and hashes identically: no floats, no non-string keys."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: keys must be strings, not {key!r}")
            _check_json(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, f"{where}[{index}]")
    elif not (value is None or isinstance(value, (str, bool, int))):
        raise TypeError(f"{where}: {type(value).__name__} is not stored in events (use text for decimals)")


def _lock_appends(connection):
    if connection.vendor == "postgresql":
        # Held to commit: the next writer takes its position only after this one is visible.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(Event._meta.db_table)} IN EXCLUSIVE MODE")


def first_positions(streams):
    """{stream: position of its first event}: the order in which streams were opened."""
    return dict(Event.objects.filter(stream__in=list(streams), version=1).values_list("stream", "pk"))


def openings(streams):
    """{stream: (position, correlation id) of its first event}: when each stream was opened, and by which
    unit of work (events appended by one command, or one evaluation, share a correlation id)."""
    rows = Event.objects.filter(stream__in=list(streams), version=1).values_list("stream", "pk", "metadata")
    return {stream: (pk, (metadata or {}).get("correlation_id") or str(pk)) for stream, pk, metadata in rows}


def last_positions(streams):
    """{stream: position of its latest event} for these streams (one query)."""
    from django.db.models import Max

    return dict(Event.objects.filter(stream__in=list(streams)).values("stream").annotate(last=Max("pk"))
                .values_list("stream", "last"))


def head_position():
    return Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def lock_for_append():
    """Take the append lock now, inside the caller's transaction, before any row lock.

    A transaction that locks rows and then appends must take this lock first: otherwise it could
    hold a row that another transaction (already holding the append lock) waits for, while
    itself waiting for the append lock, a deadlock. The services call it first thing. It is
    held until the transaction ends; taking it again is free. No-op on SQLite (one writer).
    """
    if not transaction.get_connection(router.db_for_write(Event)).in_atomic_block:
        raise transaction.TransactionManagementError("lock_for_append() needs an atomic block")
    _lock_appends(connections[router.db_for_write(Event)])


def append(stream, event, data=None, *, actor=SYSTEM, expected_version=ANY_VERSION, occurred_at=None,
           correlation_id=None, causation_id=None):
    """Append one event to `stream` and return it as a RecordedEvent.

    `event` is a DomainEvent, or a dotted type name with `data` (a dict with "v").
    `expected_version` is the stream version the writer decided on (0 for a new stream); if the
    stream has moved on, ConcurrencyError, and nothing is written. None appends at the end (for
    writers that did not read the stream, such as a threshold change). Runs inside the caller's
    transaction when there is one, so the event commits with the state change it describes.
    """
    if isinstance(event, DomainEvent):
        if data is not None:
            raise TypeError("pass either a DomainEvent or a type name with data")
        type_name, data = event.type, event.to_data()
    else:
        type_name = event
        if not isinstance(data, dict) or "v" not in data:
            raise TypeError('event data must be a dict with a schema version "v"')
    if not isinstance(actor, Actor):
        raise TypeError("actor must be an eventstore.actors.Actor")
    _check_json(data)
    metadata = {
        "actor_kind": actor.kind,
        "actor_id": actor.id,
        "correlation_id": correlation_id or uuid.uuid4().hex,
        "causation_id": None if causation_id is None else str(causation_id),
    }
    using = router.db_for_write(Event)
    connection = connections[using]
    with transaction.atomic(using=using):
        _lock_appends(connection)
        last = Event.objects.using(using).filter(stream=stream).order_by("-version").values("version", "hash").first()
        current = last["version"] if last else 0
        if expected_version is not None and expected_version != current:
            raise ConcurrencyError(stream=stream, expected=expected_version, actual=current)
        now = timezone.now()
        row = Event(
            stream=stream, version=current + 1, type=type_name, data=data, metadata=metadata,
            occurred_at=occurred_at or now, recorded_at=now, prev_hash=last["hash"] if last else "",
        )
        row.hash = event_hash(
            stream=row.stream, version=row.version, type=row.type, data=row.data, metadata=row.metadata,
            occurred_at=row.occurred_at, prev_hash=row.prev_hash,
        )
        try:
            with transaction.atomic(using=using):
                row.save(using=using, force_insert=True)
        except IntegrityError as exc:  # a concurrent writer took this version (no table lock on SQLite)
            raise ConcurrencyError(stream=stream, expected=expected_version, actual=current) from exc
        from .tasks import drain_consumers  # the Celery app is configured after the models load

        on_commit_once(drain_consumers, using=using)
    return RecordedEvent.from_row(row)


def read(stream=None, *, streams=None, after=0, until=None, limit=None, types=None, upcast=True):
    """Events of one stream in version order, or of the whole log (or of `streams`) in position order
    after `after` and up to `until`.

    `types` keeps only those DomainEvent classes; `upcast=False` returns the data exactly as stored (audit).
    """
    rows = Event.objects.all()
    if stream is not None:
        rows = rows.filter(stream=stream).order_by("version")
    else:
        if streams is not None:
            rows = rows.filter(stream__in=list(streams))
        rows = rows.filter(pk__gt=after).order_by("pk")
    if until is not None:
        rows = rows.filter(pk__lte=until)
    if types is not None:
        rows = rows.filter(type__in=[cls.type for cls in types])
    if limit is not None:
        rows = rows[:limit]
    return [RecordedEvent.from_row(row, upcast=upcast) for row in rows]
