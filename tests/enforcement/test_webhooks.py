"""A receiver on loopback that fails for a while, then recovers, gets every change once and in order."""
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from enforcement import tasks, webhooks
from enforcement.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from tests.enforcement.receiver import SECRET

pytestmark = pytest.mark.django_db


def test_a_receiver_down_for_a_while_gets_every_change_once_in_order(receiver, record, decide_appeal):
    receiver["fail"] = 3
    WebhookEndpoint.objects.create(name="ads", url=receiver["url"], secret=SECRET)
    first = record()
    record()
    record()
    decide_appeal(first, accept=True)
    now = timezone.now()
    for minute in range(0, 120, 2):  # beat's safety net, for two hours
        with time_machine.travel(now + timedelta(minutes=minute), tick=False):
            tasks.deliver_webhooks()
    positions = [m["event_position"] for m in receiver["received"]]
    assert positions == sorted(positions) and len(positions) == len(set(positions))
    assert len(positions) == WebhookDelivery.objects.count() >= 4
    assert not WebhookDelivery.objects.exclude(state=DeliveryState.DELIVERED).exists()
    assert receiver["rejected"] == []
    # The overturn re-steps the two that stand (rungs 1 and 2): the last change told still warns publicly
    # and restricts promotion, and the step-3 throttling is gone.
    last = receiver["received"][-1]["restrictions"]
    assert (last["public_warning"], last["can_advertise"], last["traffic_weight"]) == (True, False, "1.00")
    assert WebhookDelivery.objects.order_by("position").first().attempts == 4


def test_signature_covers_timestamp_and_body():
    assert webhooks.sign("k", "1", b"{}") != webhooks.sign("k", "2", b"{}")
