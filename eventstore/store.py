"""The event store: `append` to a stream with an expected version, `read` a stream or the whole log.

Every app uses these two functions; none writes the events table itself. Appends are serialised
(on PostgreSQL with `LOCK TABLE ... IN EXCLUSIVE MODE`, as pyeventsourcing does; SQLite has a
single writer anyway), so positions become visible in order and a consumer reading by position
never skips an event that committed late.
"""
import functools
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connections, router, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from riskcase.lib.bulk import insert_rows
from riskcase.ops.enqueue import on_commit_once

from .actors import SYSTEM, Actor
from .errors import ConcurrencyError
from .events import DomainEvent, decode
from .models import CURRENT_HASH_SCHEME, Event

__all__ = ["NewEvent", "RecordedEvent", "append", "append_batch", "first_positions", "head_position", "last_positions",
           "lock_for_append", "openings",
           "new_event", "read", "upcaster"]

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

    @functools.cached_property
    def event(self):
        """The DomainEvent instance (None for a type no app registers): consumers dispatch on its class.
        Decoded once (a frozen dataclass, so every reader shares it safely)."""
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
    if type(value) in (str, int, bool, type(None)):
        return
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


def _next_positions(connection, count):
    """The positions the events being appended get, in order, taken before the insert so their hashes cover them.

    Called under the append lock: on PostgreSQL the table's own sequence (a rolled-back append leaves
    a hole in the positions, which is why the audit follows `prev_position`, not consecutive numbers);
    on SQLite (one writer) the next rowids AUTOINCREMENT would give, never one a deleted event had."""
    table = Event._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                           [table, count])
            return sorted(position for (position,) in cursor.fetchall())
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"COALESCE((SELECT MAX(id) FROM {connection.ops.quote_name(table)}), 0)) + 1",
            [table],
        )
        first = cursor.fetchone()[0]
        return list(range(first, first + count))


def _next_position(connection):
    """The position one event being appended gets (see `_next_positions`)."""
    return _next_positions(connection, 1)[0]


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


@dataclass(frozen=True, eq=False)
class NewEvent:
    """One event to append (`append_batch`): built by `new_event`, which checks it."""

    stream: str
    type: str
    data: dict[str, Any]
    actor: Actor
    expected_version: int | None
    occurred_at: datetime | None
    correlation_id: str
    causation_id: "int | str | NewEvent | None"


def new_event(stream, event, data=None, *, actor=SYSTEM, expected_version=ANY_VERSION, occurred_at=None,
              correlation_id=None, causation_id=None):
    """A NewEvent for `append_batch`, with `append`'s arguments. `causation_id` may be another NewEvent of the
    same batch: it becomes that event's position."""
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
    return NewEvent(stream=stream, type=type_name, data=data, actor=actor, expected_version=expected_version,
                    occurred_at=occurred_at, correlation_id=correlation_id or uuid.uuid4().hex,
                    causation_id=causation_id)


def append(stream, event, data=None, *, actor=SYSTEM, expected_version=ANY_VERSION, occurred_at=None,
           correlation_id=None, causation_id=None):
    """Append one event to `stream` and return it as a RecordedEvent.

    `event` is a DomainEvent, or a dotted type name with `data` (a dict with "v").
    `expected_version` is the stream version the writer decided on (0 for a new stream); if the
    stream has moved on, ConcurrencyError, and nothing is written. None appends at the end (for
    writers that did not read the stream, such as a threshold change). Runs inside the caller's
    transaction when there is one, so the event commits with the state change it describes.
    """
    return append_batch([new_event(stream, event, data, actor=actor, expected_version=expected_version,
                                   occurred_at=occurred_at, correlation_id=correlation_id,
                                   causation_id=causation_id)])[0]


def _stream_heads(using, streams):
    """{stream: (version, hash) of its latest event} for these streams (one query per 500 streams)."""
    latest = Event.objects.using(using).filter(stream=OuterRef("stream")).order_by("-version").values("version")[:1]
    heads, streams = {}, sorted(streams)
    for i in range(0, len(streams), 500):
        rows = (Event.objects.using(using).filter(stream__in=streams[i:i + 500], version=Subquery(latest))
                .values_list("stream", "version", "hash"))
        heads.update((stream, (version, hash_)) for stream, version, hash_ in rows)
    return heads


def append_batch(new_events):
    """Append NewEvents (`new_event`) in this order, in one unit: one lock, one read of the streams' heads,
    the positions taken at once, the hashes chained in Python, one bulk INSERT (COPY on PostgreSQL). Returns their RecordedEvents.

    Exactly what `append` of each in turn would store (the same versions, chains, `prev_position` links and
    metadata), with one `recorded_at` for the batch. A stream whose version is not the one an event expects
    raises ConcurrencyError and nothing is written.
    """
    new_events = list(new_events)
    if not new_events:
        return []
    using = router.db_for_write(Event)
    connection = connections[using]
    with transaction.atomic(using=using):
        _lock_appends(connection)
        heads = _stream_heads(using, {e.stream for e in new_events})
        read_versions = {stream: version for stream, (version, _) in heads.items()}
        versions = dict(read_versions)
        for new in new_events:  # before taking positions: a stale writer takes none
            current = versions.get(new.stream, 0)
            if new.expected_version is not None and new.expected_version != current:
                raise ConcurrencyError(stream=new.stream, expected=new.expected_version, actual=current)
            versions[new.stream] = current + 1
        positions = _next_positions(connection, len(new_events))
        prev_position = Event.objects.using(using).order_by("-pk").values_list("pk", flat=True).first() or 0
        now = timezone.now()
        rows, position_of = [], {}
        for new, position in zip(new_events, positions, strict=True):
            current, prev_hash = heads.get(new.stream, (0, ""))
            causation = new.causation_id
            if isinstance(causation, NewEvent):
                causation = position_of[id(causation)]
            row = Event(
                id=position, prev_position=prev_position, stream=new.stream, version=current + 1, type=new.type,
                data=new.data, occurred_at=new.occurred_at or now, recorded_at=now, prev_hash=prev_hash,
                hash_scheme=CURRENT_HASH_SCHEME,
                metadata={"actor_kind": new.actor.kind, "actor_id": new.actor.id,
                          "correlation_id": new.correlation_id,
                          "causation_id": None if causation is None else str(causation)},
            )
            row.hash = row.compute_hash()
            heads[new.stream] = (row.version, row.hash)
            position_of[id(new)] = prev_position = position
            rows.append(row)
        try:
            with transaction.atomic(using=using):
                if len(rows) == 1:
                    rows[0].save(using=using, force_insert=True)
                else:
                    insert_rows(Event, rows, using=using)
        except IntegrityError as exc:  # a concurrent writer took a version (no table lock on SQLite)
            first = new_events[0]
            raise ConcurrencyError(stream=first.stream, expected=first.expected_version,
                                   actual=read_versions.get(first.stream, 0)) from exc
        from .tasks import drain_consumers  # the Celery app is configured after the models load

        on_commit_once(drain_consumers, using=using)
    return [RecordedEvent.from_row(row) for row in rows]


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
