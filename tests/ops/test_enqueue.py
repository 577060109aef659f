"""Reactions are queued after commit once per transaction, and a broker that is down neither fails nor
holds up the command that committed (riskcase/ops/enqueue.py)."""
import logging

import pytest
from django.db import transaction

from enforcement import tasks
from riskcase.celery import app
from riskcase.ops import enqueue


def test_a_transaction_queues_each_reaction_once_however_many_events_it_appends(
        monkeypatch, django_capture_on_commit_callbacks, db):
    sent = []
    monkeypatch.setattr(tasks.deliver_webhooks, "apply_async", lambda **kw: sent.append(("deliver", kw)))
    monkeypatch.setattr(tasks.expire_penalties, "apply_async", lambda **kw: sent.append(("expire", kw)))

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for _ in range(5):
            enqueue.on_commit_once(tasks.deliver_webhooks)
            enqueue.on_commit_once(tasks.expire_penalties)
        assert sent == []  # nothing before the commit

    assert sorted(name for name, _ in sent) == ["deliver", "expire"]
    assert all(kw == {"retry": False, "ignore_result": True} for _, kw in sent)


@pytest.mark.redis
def test_a_broker_that_refuses_connections_is_logged_not_raised(own_redis, monkeypatch, caplog):
    monkeypatch.setattr(app.conf, "broker_url", own_redis.url)
    monkeypatch.setattr(app.conf, "task_always_eager", False)
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    own_redis.kill()

    with caplog.at_level(logging.WARNING, logger="riskcase.ops.enqueue"):
        enqueue._publish(tasks.expire_penalties)  # returns: no exception, no endless retry

    assert any("could not queue enforcement.tasks.expire_penalties" in r.getMessage() for r in caplog.records)
    app._pool = None  # drop the pool on the dead port before the settings come back
    app.amqp._producer_pool = None


@pytest.mark.redis
def test_a_hanging_broker_is_waited_on_once_then_skipped_for_the_breakers_seconds(own_redis, monkeypatch, caplog):
    from riskcase.ops import redisguard

    monkeypatch.setattr(app.conf, "broker_url", own_redis.url)
    monkeypatch.setattr(app.conf, "task_always_eager", False)
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    own_redis.pause()

    with caplog.at_level(logging.WARNING, logger="riskcase.ops.enqueue"):
        enqueue._publish(tasks.expire_penalties)  # waits the socket timeout, then gives up
        assert redisguard.is_open()
        enqueue._publish(tasks.reconcile_restrictions)  # does not wait at all

    said = [r.getMessage() for r in caplog.records]
    assert any("could not queue enforcement.tasks.expire_penalties" in m for m in said)
    assert any("Redis is down: enforcement.tasks.reconcile_restrictions not queued" in m for m in said)
    own_redis.resume()
    app._pool = None
    app.amqp._producer_pool = None
