"""Issue 17: the downstream webhooks consumer queues a batch of restriction changes in a fixed number of queries
(enforcement.consumers.handle_penalty_events), each delivery with the document as of its own event, exactly as
one event at a time."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enforcement import consumers
from enforcement.models import Penalty, Restriction, WebhookDelivery, WebhookEndpoint
from eventstore.consumers import process_new_events
from eventstore.models import Checkpoint
from eventstore.store import read
from eventstore.streams import stream_name
from metrics.models import Merchant
from tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db


def _changes(record, decide_appeal, merchants):
    """Per merchant: three violations (public warning, restricted promotion, throttling imposed in turn), then
    the first overturned on appeal (the ladder re-stepped: lifts and impositions): penalty events of several
    merchants interleaved in the log."""
    for i in range(merchants):
        if not Merchant.objects.filter(merchant_id=f"m-{i}").exists():
            MerchantFactory(merchant_id=f"m-{i}")
    firsts = [record(merchant_id=f"m-{i}") for i in range(merchants)]
    for _round in range(2):
        for i in range(merchants):
            record(merchant_id=f"m-{i}")
    for violation in firsts:
        decide_appeal(violation, accept=True)


def _queued():
    return sorted(WebhookDelivery.objects.values_list("endpoint_id", "position", "merchant_id", "payload"),
                  key=lambda row: (row[1], row[0]))


def _run(batch_size):
    """The webhooks consumer from the start of the log; (its deliveries, the queries of its batches)."""
    WebhookDelivery.objects.all().delete()
    Checkpoint.objects.filter(consumer=consumers.WEBHOOKS).delete()
    with CaptureQueriesContext(connection) as queries:
        while process_new_events(consumers.WEBHOOKS, batch_size=batch_size):
            pass
    return _queued(), len(queries)


def test_a_batch_queues_what_one_event_at_a_time_queues(record, decide_appeal):
    WebhookEndpoint.objects.create(name="ads", url="https://ads.example/hook", secret="s" * 40)
    WebhookEndpoint.objects.create(name="search", url="https://search.example/hook", secret="t" * 40)
    WebhookEndpoint.objects.create(name="old", url="https://old.example/hook", secret="u" * 40, active=False)
    _changes(record, decide_appeal, merchants=3)
    one_by_one, _ = _run(batch_size=1)
    together, _ = _run(batch_size=1000)
    assert together == one_by_one
    assert len({position for _e, position, _m, _p in together}) >= 3 * 4  # each merchant's changes, each told
    assert {endpoint for endpoint, *_rest in together} == set(
        WebhookEndpoint.objects.filter(active=True).values_list("pk", flat=True))
    # Each document is the one as of its event: a merchant's first change warns publicly and nothing more.
    first = next(payload for _e, _p, merchant_id, payload in together if merchant_id == "m-0")
    assert (first["public_warning"], first["can_advertise"]) == (True, True)


def test_the_queries_of_a_batch_do_not_grow_with_its_events(record, decide_appeal):
    WebhookEndpoint.objects.create(name="ads", url="https://ads.example/hook", secret="s" * 40)
    _changes(record, decide_appeal, merchants=1)
    few, few_queries = _run(batch_size=1000)
    _changes(record, decide_appeal, merchants=5)  # m-0 already exists: m-1..m-4 are new, m-0 gets more
    many, many_queries = _run(batch_size=1000)
    assert len(many) > 3 * len(few)
    assert many_queries == few_queries


def test_penalties_that_ended_before_a_batch_are_not_folded_again(record, decide_appeal, monkeypatch):
    """A merchant's history grows with every penalty it ever had; a batch reads only the penalties that were
    not over before its first change, and still tells each change with the whole document."""
    WebhookEndpoint.objects.create(name="ads", url="https://ads.example/hook", secret="s" * 40)
    _changes(record, decide_appeal, merchants=1)  # penalties imposed, then some lifted by the re-step
    _run(batch_size=1000)
    ended = {stream_name("penalty", pk) for pk in
             Penalty.objects.filter(merchant_id="m-0", state__in=consumers.ENDED).values_list("pk", flat=True)}
    assert ended
    record(merchant_id="m-0")  # a new change of the same merchant
    folded = []

    def reading(**kwargs):
        folded.extend(kwargs["streams"])
        return read(**kwargs)

    monkeypatch.setattr(consumers, "read", reading)
    before = WebhookDelivery.objects.count()
    while process_new_events(consumers.WEBHOOKS, batch_size=1000):
        pass
    assert WebhookDelivery.objects.count() > before
    assert folded and not ended & set(folded)
    # The last document told is the merchant's restrictions now, its penalties in force all counted.
    last = WebhookDelivery.objects.order_by("-position").first()
    assert last.payload == Restriction.objects.get(merchant_id="m-0").document()
