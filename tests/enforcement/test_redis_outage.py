"""Redis is a cache, never the truth: with our own redis-server killed, paused and restarted, the
restrictions are read from the database, a lift committed during the outage is a success, and the cache
is right again after the reconciler's run (the bound in the README: breaker seconds + reconcile interval)."""
from datetime import timedelta

import pytest
import time_machine
from django.test import TestCase
from django.utils import timezone

from enforcement import cache, selectors, services, tasks
from enforcement.models import Penalty, PenaltyKind, Restriction
from eventstore.actors import Actor
from riskcase.ops import redisguard
from tests.factories import ServiceTokenFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def short_timeouts(settings, own_redis):
    settings.RISKCASE_REDIS_SOCKET_TIMEOUT = 0.2
    settings.RISKCASE_REDIS_BREAKER_SECONDS = 5
    redisguard.reset()


def lift(penalty, reviewer):
    with TestCase.captureOnCommitCallbacks(execute=True):  # the on-commit put runs, as after a commit
        services.penalty_lift(penalty_id=penalty.pk, actor=Actor.reviewer(reviewer), reason="refunded")


def test_the_restrictions_endpoint_answers_from_the_database_when_redis_refuses(client, record, own_redis):
    record()
    token = ServiceTokenFactory()
    own_redis.kill()

    response = client.get("/api/v1/restrictions/m1/", HTTP_AUTHORIZATION=f"Bearer {token.raw}")

    assert response.status_code == 200
    assert response.json() == Restriction.objects.get(merchant_id="m1").document()
    assert response.json()["public_warning"] is True


def test_a_lift_while_redis_is_paused_succeeds_without_waiting_on_redis(record, reviewer, own_redis):
    record()
    selectors.restriction_document("m1")
    warning = Penalty.objects.get(kind=PenaltyKind.PUBLIC_WARNING)

    own_redis.pause()
    lift(warning, reviewer)  # the on-commit put times out after the socket timeout; the command succeeds
    assert Penalty.objects.get(pk=warning.pk).state == "lifted"
    assert redisguard.is_open()
    assert selectors.restriction_document("m1")["public_warning"] is False  # from the table
    assert cache.reconcile() is None  # nothing can be repaired yet, and the mark does not move

    own_redis.resume()
    with time_machine.travel(timezone.now() + timedelta(seconds=6)):
        cache.reconcile()
        assert selectors.restriction_document("m1") == Restriction.objects.get(merchant_id="m1").document()


def test_a_lift_while_redis_is_down_is_in_the_cache_after_the_reconciler(record, reviewer, own_redis):
    """Redis comes back with the data it had saved before the lift: the reader sees the old document
    until the reconciler's next run (beat, every RISKCASE_RESTRICTIONS_RECONCILE_SECONDS), then the new."""
    record()
    assert selectors.restriction_document("m1")["public_warning"] is True
    assert cache.reconcile() == 1  # the mark now stands at the current position
    redisguard.call(lambda r: r.save())  # the snapshot Redis will restart from
    warning = Penalty.objects.get(kind=PenaltyKind.PUBLIC_WARNING)

    own_redis.kill()
    lift(warning, reviewer)
    assert Penalty.objects.get(pk=warning.pk).state == "lifted"
    assert selectors.restriction_document("m1")["public_warning"] is False  # from the table

    own_redis.start()
    with time_machine.travel(timezone.now() + timedelta(seconds=6)):  # the breaker's seconds have passed
        assert cache.get("m1")["public_warning"] is True  # the stale document the reconciler is for
        assert cache.reconcile() == 1
        assert selectors.restriction_document("m1") == Restriction.objects.get(merchant_id="m1").document()
        assert selectors.restriction_document("m1")["public_warning"] is False
        assert cache.reconcile() == 0  # nothing newer since


def test_a_redis_restarted_empty_is_refilled_from_the_database(record, own_redis):
    record()
    selectors.restriction_document("m1")
    own_redis.kill()
    assert selectors.restriction_document("m1")["public_warning"] is True
    own_redis.start()
    with time_machine.travel(timezone.now() + timedelta(seconds=6)):
        assert cache.get("m1") is None
        assert selectors.restriction_document("m1")["public_warning"] is True
        assert cache.get("m1") == Restriction.objects.get(merchant_id="m1").document()


def test_an_older_document_never_replaces_a_newer_one(record, reviewer):
    record()
    before = Restriction.objects.get(merchant_id="m1").document()
    lift(Penalty.objects.get(kind=PenaltyKind.PUBLIC_WARNING), reviewer)
    after = Restriction.objects.get(merchant_id="m1").document()

    assert cache.put(before) is False  # a reader that read the row before the lift committed, putting late
    assert cache.get("m1") == after


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_lift_in_admin_with_redis_and_the_broker_down_answers_success(client, record, reviewer, own_redis,
                                                                        monkeypatch, caplog):
    """The reviewer is told the lift happened (it committed), not shown a 500 (issue 16, items 2 and 7)."""
    import logging

    from django.urls import reverse

    from riskcase.celery import app

    record()
    warning = Penalty.objects.get(kind=PenaltyKind.PUBLIC_WARNING)
    monkeypatch.setattr(app.conf, "broker_url", own_redis.url)
    monkeypatch.setattr(app.conf, "task_always_eager", False)
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    monkeypatch.delattr(tasks.deliver_webhooks, "apply_async")  # the real publish, to a dead broker
    own_redis.kill()
    client.force_login(reviewer)

    with caplog.at_level(logging.WARNING):
        done = client.post(reverse("admin:enforcement_penalty_lift", args=[warning.pk]),
                           {"reason": "Refunded.", "expected_version": warning.version})

    assert done.status_code == 302
    assert done["Location"] == reverse("admin:enforcement_penalty_change", args=[warning.pk])
    assert Penalty.objects.get(pk=warning.pk).state == "lifted"
    assert selectors.restriction_document("m1")["public_warning"] is False
    assert any("beat" in r.getMessage() for r in caplog.records if r.name == "riskcase.ops.enqueue")
    app._pool = None
    app.amqp._producer_pool = None
