"""Consumers of the event log: each handles the events after its checkpoint, in one transaction with it.

Apps register their consumers in `AppConfig.ready()` (`register_consumer`); the store never learns
who listens. An append queues one "drain the consumers" task after its transaction commits (at most
once per transaction), and beat drains every minute as a safety net.

A consumer's handler does its database writes inside the same transaction that moves its checkpoint,
so a crash or retry neither loses an event (the checkpoint did not move) nor repeats an effect (the
effect rolled back with it). Effects outside the database (a webhook, an e-mail) cannot join the
transaction: they are claimed in it and sent after commit, with an idempotency key. Appends are
serialised (eventstore.store), so reading by position never skips a late commit.

A consumer may instead declare a batch handler, given the wanted events of one batch at once (in position
order, in the same transaction as the checkpoint), when handling them together is cheaper than one by one
(the penalty ladder re-steps a merchant once for all its new violations of a night).
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
    handler: Callable[[RecordedEvent], None] | None
    types: frozenset  # of DomainEvent classes; empty: every event
    batch_handler: Callable[[list[RecordedEvent]], None] | None = None

    def wants(self, recorded):
        return not self.types or type(recorded.event) in self.types


_CONSUMERS: dict[str, Consumer] = {}


def register_consumer(name, handler=None, *, types=(), batch_handler=None):
    """Register `handler(recorded_event)` under `name` for events of the DomainEvent classes `types`, or
    `batch_handler(recorded_events)`, called once per batch with the wanted events of the batch (never with
    none). Dispatch is on the decoded event's class (`recorded.event`), never on type strings."""
    if (handler is None) == (batch_handler is None):
        raise TypeError(f"{name}: register either a handler or a batch handler")
    for cls in types:
        if not (isinstance(cls, type) and issubclass(cls, DomainEvent)):
            raise TypeError(f"{name}: consumers subscribe to DomainEvent classes, not {cls!r}")
    _CONSUMERS[name] = Consumer(name, handler, frozenset(types), batch_handler)


def registered():
    """The consumers in registration order (apps' order in INSTALLED_APPS)."""
    return list(_CONSUMERS.values())


def process_new_events(name, *, batch_size=100):
    """Pass up to `batch_size` events after consumer `name`'s checkpoint to its handler (those it
    subscribed to: one by one, or all at once to its batch handler), then move the checkpoint past them,
    in one transaction. Returns how many were read.

    Concurrent runs of one consumer queue on the checkpoint row (select_for_update).
    """
    consumer = _CONSUMERS[name]
    with transaction.atomic():
        Checkpoint.objects.get_or_create(consumer=name)
        checkpoint = Checkpoint.objects.select_for_update().get(consumer=name)
        events = read(after=checkpoint.position, limit=batch_size)
        wanted = [recorded for recorded in events if consumer.wants(recorded)]
        if consumer.batch_handler is not None:
            if wanted:
                consumer.batch_handler(wanted)
        else:
            for recorded in wanted:
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
