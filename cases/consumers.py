"""Consumers of the event log: handle the events after a checkpoint, in one transaction with it.

A consumer's handler does its database writes inside the same transaction that moves its
checkpoint, so a crash or retry neither loses an event (the checkpoint did not move) nor
repeats an effect (the effect rolled back with it). Effects outside the database (a webhook)
cannot join the transaction: send them with the event's position as an idempotency key.
Appends are serialised (cases.eventstore), so reading by position never skips a late commit.
"""
from django.db import transaction

from .eventstore import read
from .models import Checkpoint


def process_new_events(consumer, handler, *, types=None, batch_size=100):
    """Pass up to `batch_size` events after `consumer`'s checkpoint to `handler(event)` (those
    of `types` only, if given), then move the checkpoint past them. Returns how many were read.

    Concurrent runs of one consumer queue on the checkpoint row (select_for_update).
    """
    with transaction.atomic():
        Checkpoint.objects.get_or_create(consumer=consumer)
        checkpoint = Checkpoint.objects.select_for_update().get(consumer=consumer)
        events = read(after=checkpoint.position, limit=batch_size)
        for event in events:
            if types is None or event.type in types:
                handler(event)
        if events:
            checkpoint.position = events[-1].position
            checkpoint.save(update_fields=["position", "updated_at"])
        return len(events)
