"""Webhook delivery under failure (issue 16, item 3; issue 11, item 8): a receiver failing for ever ends in
`dead` deliveries that no longer block the merchant and can be replayed from admin; one scheduled retry per
endpoint however often beat runs; a slow receiver gets no second copy while one is in flight, and nothing is
locked while it is sent; URLs to private addresses and redirects are refused."""
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from enforcement import tasks, webhooks
from enforcement.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from tests.celery_worker import wait_for
from tests.enforcement.receiver import SECRET
from tests.loopback import http_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_attempts(settings):
    settings.RISKCASE_WEBHOOK_MAX_ATTEMPTS = 3
    return settings


def run_beat_for(minutes, start=None):
    start = start or timezone.now()
    for minute in range(0, minutes, 2):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            tasks.deliver_webhooks()


def test_a_receiver_failing_for_ever_ends_in_dead_deliveries_that_admin_can_replay(
        receiver, record, three_attempts, admin_client):
    receiver["fail"] = 10 ** 6
    endpoint = WebhookEndpoint.objects.create(name="ads", url=receiver["url"], secret=SECRET)
    record()
    record()

    run_beat_for(60)

    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {DeliveryState.DEAD}
    assert all(d.attempts == 3 for d in WebhookDelivery.objects.all())  # the second was tried too: not blocked
    assert receiver["attempts"] == 3 * WebhookDelivery.objects.count()
    listing = admin_client.get("/admin/enforcement/webhookdelivery/?state__exact=dead")
    assert listing.status_code == 200 and "HTTP 500" in listing.content.decode()

    receiver["fail"] = 0
    first = WebhookDelivery.objects.order_by("position").first()
    response = admin_client.post("/admin/enforcement/webhookdelivery/",
                                 {"action": "replay_from_here", "_selected_action": [first.pk]})
    assert response.status_code == 302
    tasks.deliver_webhooks()

    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {DeliveryState.DELIVERED}
    positions = [m["event_position"] for m in receiver["received"]]
    assert positions == sorted(positions) == list(WebhookDelivery.objects.order_by("position")
                                                  .values_list("position", flat=True))
    assert {m["key"] for m in receiver["received"]} == {
        f"{endpoint.pk}-{p}" for p in WebhookDelivery.objects.values_list("position", flat=True)}


def test_a_delivery_older_than_the_maximum_age_dies_on_its_next_failure(receiver, record, settings):
    settings.RISKCASE_WEBHOOK_MAX_AGE_HOURS = 1
    receiver["fail"] = 10 ** 6
    WebhookEndpoint.objects.create(name="ads", url=receiver["url"], secret=SECRET)
    record()
    tasks.deliver_webhooks()
    assert WebhookDelivery.objects.get().state == DeliveryState.PENDING

    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        tasks.deliver_webhooks()

    assert WebhookDelivery.objects.get().state == DeliveryState.DEAD


def test_beat_running_every_minute_keeps_one_scheduled_retry_per_endpoint(receiver, record, monkeypatch):
    scheduled = []
    monkeypatch.setattr(tasks.deliver_webhooks, "apply_async",
                        lambda **kw: scheduled.append(kw) if "kwargs" in kw else None)  # retries only
    receiver["fail"] = 10 ** 6
    ads = WebhookEndpoint.objects.create(name="ads", url=receiver["url"], secret=SECRET)
    search = WebhookEndpoint.objects.create(name="search", url=receiver["url"], secret=SECRET)
    record()
    record()
    record()

    for _ in range(10):  # beat, and on-commit triggers, many times before any retry is due
        tasks.deliver_webhooks()

    assert sorted(kw["kwargs"]["endpoint_id"] for kw in scheduled) == sorted([ads.pk, search.pk])

    # The scheduled retry of one endpoint runs when due, and schedules that endpoint's next one only.
    [ads_retry] = [kw for kw in scheduled if kw["kwargs"]["endpoint_id"] == ads.pk]
    with time_machine.travel(ads_retry["eta"] + timedelta(seconds=1), tick=False):
        tasks.deliver_webhooks(**ads_retry["kwargs"])
        assert [kw["kwargs"]["endpoint_id"] for kw in scheduled[2:]] == [ads.pk]
        # The same message delivered twice (a redelivery): the duplicate schedules nothing more.
        tasks.deliver_webhooks(**ads_retry["kwargs"])
        assert len(scheduled) == 3


@pytest.fixture
def slow_receiver():
    """A receiver that holds each delivery until `release` is set (or 30 s pass)."""
    state = {"attempts": 0, "lock": threading.Lock(), "release": threading.Event()}

    def respond(path, headers, body):
        with state["lock"]:
            state["attempts"] += 1
        state["release"].wait(30)
        return 200

    with http_server(respond) as base:
        state["url"] = f"{base}/"
        yield state
        state["release"].set()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_slow_receiver_gets_no_second_copy_and_nothing_is_locked_while_it_is_sent(slow_receiver, record):
    WebhookEndpoint.objects.create(name="ads", url=f"{slow_receiver['url']}hook",
                                   secret=SECRET)
    record()
    tasks.consumers.run_webhooks()
    results = []

    def worker():
        try:
            results.append(webhooks.deliver_pending())
        finally:
            connection.close()

    first = threading.Thread(target=worker)
    first.start()
    wait_for("the first copy to reach the receiver", lambda: slow_receiver["attempts"] == 1)

    assert webhooks.deliver_pending() == (0, 0)  # another worker: the copy in flight is left alone
    delivery = WebhookDelivery.objects.select_for_update(nowait=True).filter(state=DeliveryState.SENDING)
    from django.db import transaction
    with transaction.atomic():
        assert len(list(delivery)) == 1  # not locked: the claim was committed before sending

    slow_receiver["release"].set()
    first.join(30)
    assert results == [(1, 0)]
    assert slow_receiver["attempts"] == 1
    assert WebhookDelivery.objects.get().state == DeliveryState.DELIVERED


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/hook", "http://localhost/hook", "http://10.1.2.3/",
                                 "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://192.168.0.9/",
                                 "ftp://93.184.215.14/", "http://0.0.0.0/"])
def test_a_webhook_url_to_a_private_address_is_refused_in_admin(url, settings):
    settings.RISKCASE_WEBHOOK_ALLOWED_NETWORKS = []
    endpoint = WebhookEndpoint(name="x", url=url, secret="s")
    with pytest.raises(ValidationError) as refused:
        endpoint.full_clean()
    assert "url" in refused.value.message_dict


def test_a_public_address_is_accepted_and_an_allow_listed_network_too(settings):
    settings.RISKCASE_WEBHOOK_ALLOWED_NETWORKS = []
    WebhookEndpoint(name="x", url="https://93.184.215.14/hook", secret="s").full_clean()
    settings.RISKCASE_WEBHOOK_ALLOWED_NETWORKS = ["10.1.0.0/16"]
    WebhookEndpoint(name="x", url="http://10.1.2.3/hook", secret="s").full_clean()


def test_an_endpoint_that_points_inside_is_not_sent_to(receiver, record, settings):
    WebhookEndpoint.objects.create(name="ads", url=receiver["url"], secret=SECRET)  # saved without validation
    settings.RISKCASE_WEBHOOK_ALLOWED_NETWORKS = []
    record()
    tasks.deliver_webhooks()
    assert receiver["attempts"] == 0
    assert "public addresses" in WebhookDelivery.objects.get().last_error


def test_a_redirect_is_not_followed(receiver, record):
    with http_server(lambda path, headers, body: (307, {"Location": receiver["url"]})) as redirecting:
        WebhookEndpoint.objects.create(name="ads", url=f"{redirecting}/", secret=SECRET)
        record()
        tasks.deliver_webhooks()
    assert receiver["attempts"] == 0
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.PENDING and "redirects are not followed" in delivery.last_error


def test_queues_waiting_for_a_retry_never_hide_a_queue_that_is_due(receiver, monkeypatch):
    monkeypatch.setattr(webhooks, "BATCH", 3)
    down = WebhookEndpoint.objects.create(name="down", url="https://93.184.215.14/", secret=SECRET)
    up = WebhookEndpoint.objects.create(name="up", url=receiver["url"], secret=SECRET)
    later = timezone.now() + timedelta(minutes=5)
    for i in range(5):  # five merchants' queues of the endpoint that is down, all waiting for their retry
        WebhookDelivery.objects.create(endpoint=down, merchant_id=f"m{i}", position=i + 1, payload={},
                                       attempts=3, next_attempt_at=later)
    WebhookDelivery.objects.create(endpoint=up, merchant_id="m9", position=100, payload={"merchant_id": "m9"})

    assert webhooks.deliver_pending() == (1, 0)
    assert [m["event_position"] for m in receiver["received"]] == [100]
