"""One aggregate style for every event-sourced thing (cases, penalties, reference data).

An aggregate wraps its projection rows. `apply(event, ctx)` is the only code that changes them: it
dispatches on the event's class to a handler declared with `@handles`, whose state changes go through
the django-fsm transitions declared on the models, and returns the rows it created or changed.
`commit()` is the one unit of work (apply, save the rows, append the event, in the caller's
transaction) used by every service; replay applies the same handlers to rows it rebuilds, so the live
tables and a rebuild cannot drift apart.
"""
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

import django_fsm
from django.utils import timezone

from riskcase.lib.bulk import insert_rows

from .actors import Actor
from .errors import ConcurrencyError, TransitionNotAllowed
from .store import append_batch, new_event
from .streams import stream_name

_AGGREGATES: dict[str, type["Aggregate"]] = {}


@dataclass(frozen=True)
class EventContext:
    """What an event says besides its data: when it happened and who did it (from its metadata)."""

    occurred_at: datetime
    actor: Actor


def handles(*event_classes):
    """Declare an aggregate method as the handler of these DomainEvent classes."""

    def mark(fn):
        fn._handles = event_classes
        return fn

    return mark


class Aggregate:
    """Base class. A subclass sets `kind` (its stream prefix) and `models` (its projection models, in
    dependency order), keeps its main row in `self.root`, and declares handlers with `@handles`.
    Handlers return the extra rows they touched (the root is always saved)."""

    kind: ClassVar[str] = ""
    models: ClassVar[list] = []
    _handlers: ClassVar[dict] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._handlers = {}
        for klass in reversed(cls.__mro__):
            for attr in vars(klass).values():
                for event_class in getattr(attr, "_handles", ()):
                    cls._handlers[event_class] = attr
        if cls.kind:
            _AGGREGATES[cls.kind] = cls

    def __init__(self, root=None):
        self.root = root

    @property
    def stream(self):
        return stream_name(self.kind, self.root.pk)

    @property
    def version(self):
        return self.root.version if self.root is not None else 0

    def apply(self, event, ctx):
        """Apply `event`; return the rows it created or changed (root first). A state that does not
        allow the event raises eventstore.errors.TransitionNotAllowed."""
        handler = self._handlers.get(type(event))
        if handler is None:
            raise TypeError(f"{type(self).__name__} does not handle {type(event).__name__}")
        try:
            extra = handler(self, event, ctx) or []
        except django_fsm.TransitionNotAllowed as exc:
            if isinstance(exc, TransitionNotAllowed):
                raise
            raise TransitionNotAllowed(state=getattr(self.root, "state", None), event=event.type) from exc
        self.root.version += 1
        return [self.root, *extra]


def aggregate_class(kind):
    return _AGGREGATES.get(kind)


def aggregate_classes():
    """{kind: aggregate class} of every registered aggregate (the apps register theirs when they load)."""
    return dict(_AGGREGATES)


def ensure_version(current, expected_version):
    """A stale writer (one that read another version than the current) gets ConcurrencyError."""
    if expected_version is not None and int(expected_version) != current:
        raise ConcurrencyError(expected=expected_version, actual=current)


@dataclass(frozen=True, eq=False)
class Change:
    """One event for `commit_batch` to apply to its aggregate: `commit`'s arguments. `causation_id` may be
    another Change of the same batch (its event's position)."""

    aggregate: Aggregate
    event: object
    actor: Actor
    expected_version: int | None = None
    correlation_id: str | None = None
    causation_id: "int | str | Change | None" = None
    occurred_at: datetime | None = None


def commit(aggregate, event, *, actor, expected_version=None, correlation_id=None, causation_id=None,
           occurred_at=None):
    """The unit of work: apply `event` to `aggregate`, save the rows it touched and append it, in the
    caller's transaction. Returns the RecordedEvent."""
    return commit_batch([Change(aggregate, event, actor=actor, expected_version=expected_version,
                                correlation_id=correlation_id, causation_id=causation_id,
                                occurred_at=occurred_at)])[0]


def commit_batch(changes):
    """`commit` of many Changes as one unit of work, in this order: each event applied by its aggregate's
    handler (so the domain rules are the same), the rows they touched written in bulk (one INSERT per
    model for the new rows, one UPDATE per model for the changed ones), the events appended with one
    `append_batch`. Returns their RecordedEvents."""
    new_events, touched, event_of = [], {}, {}
    for change in changes:
        aggregate = change.aggregate
        current = aggregate.version
        ensure_version(current, change.expected_version)
        ctx = EventContext(occurred_at=change.occurred_at or timezone.now(), actor=change.actor)
        for row in aggregate.apply(change.event, ctx):
            touched.setdefault(id(row), row)
        causation = change.causation_id
        if isinstance(causation, Change):
            causation = event_of[id(causation)]
        event_of[id(change)] = new = new_event(
            aggregate.stream, change.event, actor=change.actor, expected_version=current,
            occurred_at=ctx.occurred_at, correlation_id=change.correlation_id, causation_id=causation)
        new_events.append(new)
    _save(touched.values())
    return append_batch(new_events)


def _save(rows):
    """Write the rows: a model's one row as `save()` does, several in bulk (new ones first, in order)."""
    groups = {}
    for row in rows:
        groups.setdefault((type(row), row._state.adding), []).append(row)
    for (model, adding), group in groups.items():
        if len(group) == 1:
            group[0].save(force_insert=adding)
        elif adding:
            insert_rows(model, group)
        else:
            model.objects.bulk_update(group, [f.name for f in model._meta.concrete_fields if not f.primary_key])
