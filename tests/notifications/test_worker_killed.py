"""Exactly once with a real Celery worker (Redis broker, PostgreSQL) killed in the middle of a batch: every
(event, recipient, channel) has one delivery row, each ends sent, and the gateway sees every idempotency key;
a message is sent a second time only if the worker died between sending it and recording it, with the same key."""
import os
import signal
from collections import Counter

import pytest

from notifications.models import Channel, Delivery, DeliveryState, Notification, Preference
from notifications.tasks import send_notifications
from tests.celery_worker import running_worker, wait_for, wait_until_idle
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

STAFF = 12


@pytest.fixture(autouse=True)
def no_broker():
    """Unlike the other notification tests: tasks queued on commit go to the real broker."""


def test_a_worker_killed_mid_batch_leaves_nothing_lost_and_nothing_doubled(record, merchant, gateway, monkeypatch,
                                                                          tmp_path):
    monkeypatch.setenv("RISKCASE_SMS_GATEWAY_URL", gateway["url"] + "/sms")  # the workers' settings
    monkeypatch.setenv("RISKCASE_NOTIFY_LEASE_SECONDS", "3")
    for n in range(STAFF):
        user = MembershipFactory(merchant=merchant, user=UserFactory(username=f"s{n}")).user
        Preference.objects.create(user=user, phone=f"+8613800000{n:03d}")
    gateway["delay"] = 0.4  # a batch takes ~5 s: the kill lands in its middle

    (tmp_path / "first").mkdir()
    with running_worker(tmp_path / "first", concurrency=1) as worker:
        record()
        send_notifications.delay()  # the notifications consumer, then the batch, on the worker
        wait_for("a few messages of the batch", lambda: len(gateway["requests"]) >= 3)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    assert len(gateway["requests"]) < STAFF, "the worker finished before it was killed: not a mid-batch kill"
    assert Delivery.objects.filter(state=DeliveryState.SENDING).exists()  # its claims, until their lease ends

    (tmp_path / "second").mkdir()
    with running_worker(tmp_path / "second") as worker:
        send_notifications.delay()  # waits for the dead worker's lease, then takes its claims over
        wait_for("every delivery to be sent",
                 lambda: Delivery.objects.filter(state=DeliveryState.SENT).count() == STAFF)
        wait_until_idle(worker.name)

    deliveries = list(Delivery.objects.all())
    assert len(deliveries) == STAFF == Notification.objects.count()  # one per (event, recipient, channel)
    assert {d.channel for d in deliveries} == {Channel.SMS}
    keys = Counter(r["body"]["idempotency_key"] for r in gateway["requests"])
    assert set(keys) == {d.idempotency_key for d in deliveries}  # nothing lost
    assert sum(n - 1 for n in keys.values()) <= 1  # at most the one in flight at the kill, under the same key
    assert {r["body"]["to"] for r in gateway["requests"]} == {f"+8613800000{n:03d}" for n in range(STAFF)}
