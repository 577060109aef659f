"""Consumers read the log by position from a checkpoint moved with their own writes: no loss, no repeat.
They register themselves and subscribe to event classes; the store does not know who listens."""
import dataclasses
from typing import ClassVar

import pytest
from django.contrib.auth.models import Group

from eventstore import consumers
from eventstore.consumers import drain, process_new_events, register_consumer
from eventstore.events import DomainEvent
from eventstore.models import Checkpoint
from eventstore.store import append, head_position

pytestmark = pytest.mark.django_db


@dataclasses.dataclass(frozen=True)
class ThingHappened(DomainEvent):
    type: ClassVar[str] = "test.thing_happened"
    n: int = 0


@dataclasses.dataclass(frozen=True)
class OtherHappened(DomainEvent):
    type: ClassVar[str] = "test.other_happened"


@pytest.fixture(autouse=True)
def only_test_consumers(monkeypatch):
    monkeypatch.setattr(consumers, "_CONSUMERS", {})


@pytest.fixture(autouse=True)
def start():
    """The test consumers start after the events the data migrations appended (the shipped reference data)."""
    head = head_position()
    for name in ("c", "all", "only-other"):
        Checkpoint.objects.create(consumer=name, position=head)
    return head


def _effect(event):
    """A consumer's own database write: one group per event (any table will do)."""
    Group.objects.create(name=f"effect-{event.position}")


def _effects():
    return sorted(Group.objects.filter(name__startswith="effect-").values_list("name", flat=True))


def test_a_consumer_handles_each_event_once_in_position_order():
    events = [append(f"s-{n % 2}", ThingHappened(n=n)) for n in range(5)]
    seen = []
    register_consumer("c", seen.append)
    assert process_new_events("c", batch_size=3) == 3
    assert process_new_events("c", batch_size=3) == 2
    assert process_new_events("c", batch_size=3) == 0
    assert [e.position for e in seen] == [e.position for e in events]
    assert [e.event.n for e in seen] == list(range(5))
    assert Checkpoint.objects.get(consumer="c").position == events[-1].position


def test_a_crash_mid_batch_rolls_back_the_effects_and_the_checkpoint_so_a_retry_repeats_nothing(start):
    events = [append("s", ThingHappened(n=n)) for n in range(3)]
    calls = []

    def flaky(event):
        calls.append(event.position)
        _effect(event)
        if event.position == events[1].position and calls.count(event.position) == 1:
            raise RuntimeError("worker lost")

    register_consumer("c", flaky)
    with pytest.raises(RuntimeError):
        process_new_events("c")
    assert _effects() == []
    assert Checkpoint.objects.get(consumer="c").position == start
    assert process_new_events("c") == 3
    assert _effects() == sorted(f"effect-{e.position}" for e in events)
    assert process_new_events("c") == 0
    assert len(_effects()) == 3


def test_consumers_keep_their_own_checkpoints_and_dispatch_on_event_classes():
    append("s", ThingHappened())
    wanted = append("s", OtherHappened())
    seen = []
    register_consumer("only-other", seen.append, types=[OtherHappened])
    register_consumer("all", lambda e: None)
    assert drain() == {"only-other": 2, "all": 2}
    assert [type(e.event) for e in seen] == [OtherHappened]
    assert [e.position for e in seen] == [wanted.position]
    assert Checkpoint.objects.get(consumer="only-other").position == Checkpoint.objects.get(consumer="all").position


def test_a_consumer_subscribes_to_classes_not_type_strings():
    with pytest.raises(TypeError):
        register_consumer("c", print, types=["test.other_happened"])


def test_a_batch_handler_gets_the_wanted_events_of_each_batch_at_once():
    events = [append("s", ThingHappened(n=n)) if n % 2 else append("s", OtherHappened()) for n in range(5)]
    batches = []
    register_consumer("only-other", types=[ThingHappened], batch_handler=batches.append)
    assert process_new_events("only-other", batch_size=3) == 3
    assert process_new_events("only-other", batch_size=3) == 2
    assert process_new_events("only-other", batch_size=3) == 0
    assert [[e.event.n for e in batch] for batch in batches] == [[1], [3]]
    assert Checkpoint.objects.get(consumer="only-other").position == events[-1].position


def test_a_batch_handler_is_not_called_for_a_batch_without_wanted_events():
    append("s", OtherHappened())
    batches = []
    register_consumer("c", types=[ThingHappened], batch_handler=batches.append)
    assert process_new_events("c") == 1
    assert batches == []


def test_a_crashed_batch_handler_rolls_back_the_whole_batch_and_its_checkpoint(start):
    events = [append("s", ThingHappened(n=n)) for n in range(3)]
    attempts = []

    def flaky(batch):
        attempts.append(len(batch))
        for event in batch:
            _effect(event)
        if len(attempts) == 1:
            raise RuntimeError("worker lost")

    register_consumer("c", batch_handler=flaky)
    with pytest.raises(RuntimeError):
        process_new_events("c")
    assert _effects() == [] and Checkpoint.objects.get(consumer="c").position == start
    assert process_new_events("c") == 3
    assert _effects() == sorted(f"effect-{e.position}" for e in events)
    assert process_new_events("c") == 0 and attempts == [3, 3]


def test_a_consumer_has_a_handler_or_a_batch_handler():
    with pytest.raises(TypeError):
        register_consumer("c")
    with pytest.raises(TypeError):
        register_consumer("c", print, batch_handler=print)
