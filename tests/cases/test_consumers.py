"""Consumers read the log by position from a checkpoint moved with their own writes: no loss, no repeat."""
import pytest
from django.contrib.auth.models import Group

from cases.consumers import process_new_events
from cases.eventstore import append
from cases.models import Checkpoint

pytestmark = pytest.mark.django_db


def _effect(event):
    """A consumer's own database write: one group per event (any table will do)."""
    Group.objects.create(name=f"effect-{event.position}")


def _effects():
    return sorted(Group.objects.filter(name__startswith="effect-").values_list("name", flat=True))


def test_a_consumer_handles_each_event_once_in_position_order():
    events = [append(f"s-{n % 2}", "thing.happened", {"v": 1, "n": n}) for n in range(5)]
    seen = []
    assert process_new_events("c", seen.append, batch_size=3) == 3
    assert process_new_events("c", seen.append, batch_size=3) == 2
    assert process_new_events("c", seen.append, batch_size=3) == 0
    assert [e.position for e in seen] == [e.position for e in events]
    assert Checkpoint.objects.get(consumer="c").position == events[-1].position


def test_a_crash_mid_batch_rolls_back_the_effects_and_the_checkpoint_so_a_retry_repeats_nothing():
    events = [append("s", "thing.happened", {"v": 1, "n": n}) for n in range(3)]
    calls = []

    def flaky(event):
        calls.append(event.position)
        _effect(event)
        if event.position == events[1].position and calls.count(event.position) == 1:
            raise RuntimeError("worker lost")

    with pytest.raises(RuntimeError):
        process_new_events("c", flaky)
    assert _effects() == []
    assert Checkpoint.objects.filter(consumer="c", position__gt=0).count() == 0
    assert process_new_events("c", flaky) == 3
    assert _effects() == sorted(f"effect-{e.position}" for e in events)
    assert process_new_events("c", flaky) == 0
    assert len(_effects()) == 3


def test_consumers_keep_their_own_checkpoints_and_may_filter_types():
    append("s", "a.happened", {"v": 1})
    wanted = append("s", "b.happened", {"v": 1})
    seen = []
    process_new_events("only-b", seen.append, types={"b.happened"})
    process_new_events("all", lambda e: None)
    assert [e.position for e in seen] == [wanted.position]
    assert Checkpoint.objects.get(consumer="only-b").position == Checkpoint.objects.get(consumer="all").position
