"""Reference data (thresholds, rule parameters, the penalty policy): versions that are only ever added.

A reference stream holds every version of one thing ("threshold:food:complaint_rate", "policy-ladder"):
each event adds a version's rows, none changes or removes one, so a past judgement can always cite the
numbers it used. The stream's version is the number of its events (no row carries it). Services commit
through eventstore.aggregates.commit like every aggregate; replay applies the same handlers.

`backfill_row` appends an event for a version written without one (the shipped defaults of the data
migrations), with a migration's historical Event model and the same hash chain as `store.append`.
"""
import uuid

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Max
from django.utils import timezone

from .actors import SYSTEM, Actor
from .aggregates import Aggregate
from .errors import NotPermitted, TransitionNotAllowed
from .models import CURRENT_HASH_SCHEME, Event, event_hash
from .store import _check_json, _next_position
from .streams import stream_name


class ReferenceStream(Aggregate):
    """Base of the reference-data aggregates. A subclass sets `kind` and `models`, and its handlers
    return the rows the event adds; `key_of(event)` names the stream the event belongs to."""

    def __init__(self, key=None, version=0):
        super().__init__(None)
        self.key = key
        self._version = version

    @classmethod
    def stream_for(cls, key):
        return stream_name(cls.kind, key)

    @classmethod
    def key_of(cls, event):
        raise NotImplementedError

    @classmethod
    def load(cls, key):
        """The stream as it stands (its version read from the store)."""
        version = Event.objects.filter(stream=cls.stream_for(key)).aggregate(v=Max("version"))["v"] or 0
        return cls(key, version)

    @property
    def stream(self):
        return self.stream_for(self.key)

    @property
    def version(self):
        return self._version

    def apply(self, event, ctx):
        handler = self._handlers.get(type(event))
        if handler is None:
            raise TypeError(f"{type(self).__name__} does not handle {type(event).__name__}")
        key = self.key_of(event)
        if self.key is not None and key != self.key:
            raise TransitionNotAllowed(event=event.type)
        self.key = key
        rows = handler(self, event, ctx) or []
        self._version += 1
        return rows


def backfill_row(event_model, stream, event, *, actor=SYSTEM, occurred_at=None):
    """Append `event` (a DomainEvent) to `stream` with `event_model`, a migration's historical Event
    model: the row `store.append` would write (same metadata, same hash chain, under the hash scheme
    the historical table has), without the consumers' drain (they read the log from their checkpoint
    anyway)."""
    data = event.to_data()
    _check_json(data)
    last = event_model.objects.filter(stream=stream).order_by("-version").values("version", "hash").first()
    now = timezone.now()
    row = event_model(
        stream=stream, version=(last["version"] if last else 0) + 1, type=event.type, data=data,
        metadata={"actor_kind": actor.kind, "actor_id": actor.id, "correlation_id": uuid.uuid4().hex,
                  "causation_id": None},
        occurred_at=occurred_at or now, recorded_at=now, prev_hash=last["hash"] if last else "",
    )
    if any(field.name == "hash_scheme" for field in event_model._meta.fields):  # after eventstore 0002
        row.id = _next_position(connections[event_model.objects.db])
        row.prev_position = event_model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        row.hash_scheme = CURRENT_HASH_SCHEME
        row.hash = Event.compute_hash(row)
    else:  # the table has no scheme yet: its database default 1 marks the row
        row.hash = event_hash(stream=row.stream, version=row.version, type=row.type, data=row.data,
                              metadata=row.metadata, occurred_at=row.occurred_at, prev_hash=row.prev_hash)
    row.save(force_insert=True)
    return row


class InvalidReferenceData(ValidationError):
    """A version that cannot be added: `message_dict` says which fields are wrong and why."""


def author_id(actor, permission, refusal):
    """The user id a version records as its author: None for the system, the reviewer's id when they
    are active and hold `permission`; anyone else gets NotPermitted(refusal)."""
    if not isinstance(actor, Actor):
        raise TypeError("actor must be an eventstore.actors.Actor")
    if actor.is_system:
        return None
    user = get_user_model().objects.filter(pk=actor.user_id, is_active=True).first() if actor.is_reviewer else None
    if user is None or not user.has_perm(permission):
        raise NotPermitted(refusal)
    return user.pk


def next_ids(model, count=1):
    """The primary keys the next `count` rows of `model` get, taken before the rows exist (their event
    carries them, so replay rebuilds the same keys): from the table's own sequence on PostgreSQL, so
    rows inserted without an id never collide with them; the next rowids on SQLite (one writer)."""
    using = router.db_for_write(model)
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [model._meta.db_table, model._meta.pk.column, count])
            return sorted(row[0] for row in cursor.fetchall())
    last = model.objects.using(using).aggregate(last=Max("pk"))["last"] or 0
    return list(range(last + 1, last + 1 + count))


def next_id(model):
    return next_ids(model)[0]
