"""Consumers of the event log: each handles the events after its checkpoint, in one transaction with it.

Apps register their consumers in `AppConfig.ready()` (`register_consumer`); the store never learns
who listens. An append queues one "drain the consumers" task after its transaction commits (at most
once per transaction), and beat drains every minute as a safety net.

A consumer's handler does its database writes inside the same transaction that moves its checkpoint,
so a crash or retry neither loses an event (the checkpoint did not move) nor repeats an effect (the
effect rolled back with it). Effects outside the database (a webhook, an e-mail) cannot join the
transaction: they are claimed in it and sent after commit, with an idempotency key. Appends are
serialised (eventstore.store), so reading by position never skips a late commit.
"""
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from .events import DomainEvent
from .models import Checkpoint
from .store import RecordedEvent, read


@dataclass(frozen=True)
class Consumer:
    name: str
    handler: Callable[[RecordedEvent], None]
    types: frozenset  # of DomainEvent classes; empty: every event

    def wants(self, recorded):
        return not self.types or type(recorded.event) in self.types


_CONSUMERS: dict[str, Consumer] = {}


def register_consumer(name, handler, *, types=()):
    """Register `handler(recorded_event)` under `name` for events of the DomainEvent classes `types`.
    Dispatch is on the decoded event's class (`recorded.event`), never on type strings."""
    for cls in types:
        if not (isinstance(cls, type) and issubclass(cls, DomainEvent)):
            raise TypeError(f"{name}: consumers subscribe to DomainEvent classes, not {cls!r}")
    _CONSUMERS[name] = Consumer(name, handler, frozenset(types))


def registered():
    """The consumers in registration order (apps' order in INSTALLED_APPS)."""
    return list(_CONSUMERS.values())


def process_new_events(name, *, batch_size=100):
    """Pass up to `batch_size` events after consumer `name`'s checkpoint to its handler (those it
    subscribed to), then move the checkpoint past them. Returns how many were read.

    Concurrent runs of one consumer queue on the checkpoint row (select_for_update).
    """
    consumer = _CONSUMERS[name]
    with transaction.atomic():
        Checkpoint.objects.get_or_create(consumer=name)
        checkpoint = Checkpoint.objects.select_for_update().get(consumer=name)
        events = read(after=checkpoint.position, limit=batch_size)
        for recorded in events:
            if consumer.wants(recorded):
                consumer.handler(recorded)
        if events:
            checkpoint.position = events[-1].position
            checkpoint.save(update_fields=["position", "updated_at"])
        return len(events)


def drain(names=None, *, batch_size=100):
    """Run the named consumers (default: all, in registration order) up to the head of the log.
    Returns {name: events read}. Idempotent: checkpointed."""
    done = {}
    for consumer in registered():
        if names is not None and consumer.name not in names:
            continue
        total = 0
        while n := process_new_events(consumer.name, batch_size=batch_size):
            total += n
        done[consumer.name] = total
    return done


def lag():
    """{consumer: events between its checkpoint and the head of the log}."""
    from .models import Event

    head = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    positions = dict(Checkpoint.objects.values_list("consumer", "position"))
    return {c.name: head - positions.get(c.name, 0) for c in registered()}
