"""Operators see more than up or down: /metrics (Prometheus text, service token only) and /healthz/ready,
which names what is degraded: Redis, a stuck consumer, dead webhook deliveries, an overdue nightly run."""
from datetime import timedelta

import pytest
from django.utils import timezone
from knox.models import AuthToken
from prometheus_client.parser import text_string_to_metric_families

from enforcement.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from eventstore.models import Checkpoint
from metrics.ingest import ingest_lines
from metrics.models import RecomputeRun
from tests.factories import MembershipFactory, MerchantFactory, ServiceTokenFactory

pytestmark = pytest.mark.django_db


def scrape(client):
    token = ServiceTokenFactory(scopes=["metrics:read"])
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token.raw}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.content.decode()) for s in family.samples}


def test_metrics_need_a_service_token(client):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    user = MembershipFactory(merchant=MerchantFactory(merchant_id="m-alpha")).user
    _, raw = AuthToken.objects.create(user=user)
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 401


def test_a_service_token_without_the_metrics_scope_cannot_scrape(client):
    """The ads system's token reads restrictions; it is refused the operational metrics (403, nothing read)."""
    ads = ServiceTokenFactory(scopes=["restrictions:read", "ingest", "cases:read", "transparency:read"])
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {ads.raw}")
    assert response.status_code == 403 and "metrics:read" in response.content.decode()
    assert b"riskcase_" not in response.content
    prometheus = ServiceTokenFactory(scopes=["metrics:read"])
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {prometheus.raw}").status_code == 200


def test_the_migration_lets_the_tokens_issued_before_still_scrape():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("metrics.migrations.0010_metrics_read_scope")
    old = ServiceTokenFactory(scopes=["ingest", "restrictions:read"])
    migration.may_still_scrape(apps, None)
    old.refresh_from_db()
    assert old.scopes == ["ingest", "restrictions:read", "metrics:read"]


def _dead_delivery():
    endpoint = WebhookEndpoint.objects.create(name="ads", url="https://93.184.215.14/", secret="s")
    return WebhookDelivery.objects.create(endpoint=endpoint, merchant_id="m1", position=1, payload={},
                                          state=DeliveryState.DEAD, attempts=20, last_error="HTTP 500")


def test_metrics_report_the_backlog_dead_deliveries_consumer_lag_and_the_nightly_run(client):
    _dead_delivery()
    Checkpoint.objects.create(consumer="enforcement.webhooks", position=0)
    finished = timezone.now()
    RecomputeRun.objects.create(as_of=finished.date(), start=finished.date(), shards=4, rows=12,
                                finished_at=finished)

    samples = scrape(client)

    assert samples[("riskcase_webhook_deliveries", (("state", "dead"),))] == 1
    assert samples[("riskcase_webhook_deliveries", (("state", "pending"),))] == 0
    assert ("riskcase_consumer_lag_events", (("consumer", "enforcement.webhooks"),)) in samples
    assert samples[("riskcase_nightly_last_success_timestamp_seconds", ())] == pytest.approx(finished.timestamp())
    assert samples[("riskcase_nightly_last_rows", ())] == 12
    assert samples[("riskcase_appeals_past_sla", ())] == 0
    assert samples[("riskcase_notification_deliveries", (("state", "failed"),))] == 0
    assert samples[("riskcase_rule_change_announcements_unfinished", ())] == 0


def test_metrics_report_failed_notices_and_an_unfinished_announcement(client):
    from notifications.models import Announcement, Delivery, DeliveryState, Kind, Notification

    user = MembershipFactory(merchant=MerchantFactory(merchant_id="m-alpha")).user
    notice = Notification.objects.create(merchant_id="m-alpha", user=user, key="event-1", kind=Kind.WARNING_RAISED)
    Delivery.objects.create(notification=notice, channel="email", state=DeliveryState.FAILED, attempts=8)
    Delivery.objects.create(notification=notice, channel="sms")
    Announcement.objects.create(position=7, told_through="m-alpha")
    Announcement.objects.create(position=3, finished_at=timezone.now())

    samples = scrape(client)

    assert samples[("riskcase_notification_deliveries", (("state", "failed"),))] == 1
    assert samples[("riskcase_notification_deliveries", (("state", "pending"),))] == 1
    assert samples[("riskcase_rule_change_announcements_unfinished", ())] == 1


@pytest.mark.redis
def test_metrics_count_ingested_lines_and_rejects_from_every_process(client):
    before = scrape(client)
    ingest_lines(['{"type": "order_paid"}', "not json"], source="api")
    after = scrape(client)
    key = ("riskcase_ingest_lines_total", (("result", "bad"), ("source", "api")))
    assert after[key] - before.get(key, 0) == 2


def test_the_metrics_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    for i in range(30):
        endpoint = WebhookEndpoint.objects.create(name=f"e{i}", url="https://93.184.215.14/", secret="s")
        WebhookDelivery.objects.create(endpoint=endpoint, merchant_id="m1", position=i, payload={})
    token = ServiceTokenFactory(scopes=["metrics:read"])
    with django_assert_max_num_queries(12):
        assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token.raw}").status_code == 200


def test_readiness_is_ok_when_nothing_needs_a_look(client):
    RecomputeRun.objects.create(as_of=timezone.now().date(), start=timezone.now().date(), shards=1,
                                finished_at=timezone.now())
    response = client.get("/healthz/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readiness_names_dead_deliveries_a_stuck_consumer_and_an_overdue_nightly_run(client, settings):
    settings.RISKCASE_CONSUMER_LAG_ALERT = 0
    _dead_delivery()
    from tests.factories import record_violation

    record_violation(MerchantFactory(merchant_id="m-late"))  # an event, so a consumer at 0 is behind
    Checkpoint.objects.update_or_create(consumer="enforcement.violations", defaults={"position": 0})
    RecomputeRun.objects.create(as_of=timezone.now().date(), start=timezone.now().date(), shards=1,
                                finished_at=timezone.now() - timedelta(hours=30))

    response = client.get("/healthz/ready")

    assert response.status_code == 200  # degraded, not down: the load balancer keeps the process
    body = response.json()
    assert body["status"] == "degraded"
    assert set(body["degraded"]) >= {"webhooks", "consumer:enforcement.violations", "nightly"}
    assert "1 dead deliveries" in body["degraded"]["webhooks"]


def test_readiness_names_redis_when_it_is_down(client, settings, closed_port):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port}/0"
    RecomputeRun.objects.create(as_of=timezone.now().date(), start=timezone.now().date(), shards=1,
                                finished_at=timezone.now())
    body = client.get("/healthz/ready").json()
    assert body["status"] == "degraded" and "redis" in body["degraded"]
