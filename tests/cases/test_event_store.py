"""The event store: append with an expected version, read by stream and by position, upcasting."""
import pytest

from cases.errors import ConcurrencyError
from eventstore.actors import SYSTEM, Actor
from eventstore.models import Event
from eventstore.store import _UPCASTERS, append, read, upcaster

pytestmark = pytest.mark.django_db


def test_appends_number_versions_per_stream_and_positions_globally():
    a1 = append("s-a", "thing.happened", {"v": 1, "n": 1}, expected_version=0)
    b1 = append("s-b", "thing.happened", {"v": 1, "n": 2}, expected_version=0)
    a2 = append("s-a", "thing.happened", {"v": 1, "n": 3}, expected_version=1)
    assert (a1.version, b1.version, a2.version) == (1, 1, 2)
    assert a1.position < b1.position < a2.position
    assert [e.data["n"] for e in read("s-a")] == [1, 3]
    assert [e.position for e in read(after=a1.position)] == [b1.position, a2.position]


def test_a_stale_writer_gets_a_concurrency_error_and_writes_nothing():
    append("s", "thing.happened", {"v": 1}, expected_version=0)
    append("s", "thing.happened", {"v": 1}, expected_version=1)
    with pytest.raises(ConcurrencyError):
        append("s", "thing.happened", {"v": 1, "late": True}, expected_version=1)
    assert Event.objects.filter(stream="s").count() == 2


def test_a_new_stream_expected_at_version_zero_only():
    append("s", "thing.happened", {"v": 1}, expected_version=0)
    with pytest.raises(ConcurrencyError):
        append("s", "thing.happened", {"v": 1}, expected_version=0)


def test_metadata_records_the_actor_and_the_correlation():
    event = append("s", "thing.happened", {"v": 1}, actor=Actor.merchant("m-1"), correlation_id="c-1",
                   causation_id=7)
    assert event.metadata == {"actor_kind": "merchant", "actor_id": "m-1", "correlation_id": "c-1",
                              "causation_id": "7"}
    assert event.actor == Actor.merchant("m-1")


def test_each_event_is_hashed_and_chained_to_the_previous_one_of_its_stream():
    first = append("s", "thing.happened", {"v": 1, "n": 1}, actor=SYSTEM)
    append("other", "thing.happened", {"v": 1})
    second = append("s", "thing.happened", {"v": 1, "n": 2})
    assert first.prev_hash == "" and len(first.hash) == 64
    assert second.prev_hash == first.hash
    stored = Event.objects.get(pk=second.position)
    assert stored.compute_hash() == stored.hash


@pytest.mark.parametrize("payload", [{"v": 1, "rate": 0.05}, {"v": 1, 5: "x"}, {"n": 1}])
def test_payloads_that_would_not_hash_the_same_everywhere_are_refused(payload):
    before = Event.objects.count()
    with pytest.raises(TypeError):
        append("s", "thing.happened", payload)
    assert Event.objects.count() == before


def test_old_payload_versions_are_upcast_on_read_and_kept_as_stored():
    append("s", "thing.renamed", {"v": 1, "name": "old"})

    @upcaster("thing.renamed", 1)
    def _v1_to_v2(data):
        return {"v": 2, "title": data["name"]}

    try:
        assert read("s")[0].data == {"v": 2, "title": "old"}
        assert read("s", upcast=False)[0].data == {"v": 1, "name": "old"}
    finally:
        _UPCASTERS.pop(("thing.renamed", 1))
