"""Restriction changes reach a signed receiver from a real Celery worker (Redis broker, PostgreSQL), in order
per merchant and after retries."""

import pytest

from enforcement import consumers
from enforcement.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from eventstore.models import Event
from tests.celery_worker import wait_for
from tests.enforcement.receiver import SECRET
from tests.factories import MerchantFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]



@pytest.fixture
def enforcement_cache():
    """Unlike the rest of the enforcement tests: the real cache (Redis at REDIS_URL)."""
    return None


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """Unlike the rest of the enforcement tests: tasks queued on commit go to the real broker, the drain of
    the consumers after each appending commit included."""
    from eventstore.tasks import drain_consumers

    monkeypatch.delattr(drain_consumers, "delay")
    monkeypatch.delattr(drain_consumers, "apply_async")


def _all_delivered():
    """Every restriction change in the log has a delivery, and each was delivered."""
    changes = Event.objects.filter(type__in=[c.type for c in consumers.RESTRICTION_CHANGES]).count()
    delivered = WebhookDelivery.objects.filter(state=DeliveryState.DELIVERED).count()
    return changes > 0 and WebhookDelivery.objects.count() == delivered == changes


def test_the_worker_delivers_each_restriction_change_signed_and_in_order_per_merchant(
        celery_worker, receiver, record):
    WebhookEndpoint.objects.create(name="ads", url=receiver["url"], secret=SECRET)
    MerchantFactory(merchant_id="m2")
    for merchant_id in ("m1", "m2", "m1", "m2", "m1"):  # warnings, then restricted promotion, then throttling
        record(merchant_id=merchant_id)

    wait_for("every delivery to be made", _all_delivered)

    assert receiver["rejected"] == []
    deliveries = list(WebhookDelivery.objects.order_by("position"))
    assert len(receiver["received"]) == len(deliveries) >= 5
    for merchant_id in ("m1", "m2"):
        got = [m["event_position"] for m in receiver["received"] if m["restrictions"]["merchant_id"] == merchant_id]
        assert got == [d.position for d in deliveries if d.merchant_id == merchant_id]
        assert got == sorted(got) and len(got) == len(set(got))
    last_m1 = [m for m in receiver["received"] if m["restrictions"]["merchant_id"] == "m1"][-1]["restrictions"]
    assert last_m1["public_warning"] is True and last_m1["can_advertise"] is False
    assert last_m1["traffic_weight"] == "0.50"
    assert {m["key"] for m in receiver["received"]} == {f"{d.endpoint_id}-{d.position}" for d in deliveries}


def test_a_receiver_answering_500_gets_the_change_later_from_the_workers_retries(celery_worker, receiver, record):
    receiver["fail"] = 2
    WebhookEndpoint.objects.create(name="ads", url=receiver["url"], secret=SECRET)

    record()  # a public warning: one restriction change

    wait_for("the retried delivery to arrive", _all_delivered)

    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 3
    assert receiver["attempts"] == 3
    assert [m["event_position"] for m in receiver["received"]] == [delivery.position]
    assert receiver["received"][0]["restrictions"]["public_warning"] is True
    assert delivery.last_error == ""
