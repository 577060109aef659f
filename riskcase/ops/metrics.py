"""Operators' numbers: `GET /metrics` for Prometheus (prometheus-client), and what is degraded (readiness).

Gauges are read from the database at scrape time (a few aggregate queries, no per-row work), so every web
process answers the same whatever process did the work; the ingest counters live in Redis (HINCRBY from
whichever process ingested), which Prometheus treats as a counter reset if Redis loses them. The endpoint
takes a service token like the other platform endpoints (`Authorization: Bearer ...`).
"""
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Max, Min
from django.http import HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CollectorRegistry, CounterMetricFamily, GaugeMetricFamily
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.request import Request

from riskcase.ops import redisguard

INGEST_KEY = "riskcase:metrics:ingest-lines"
RESULTS = ("new", "duplicate", "conflicting", "superseded", "bad")


def record_ingest(report, source):
    """Add an ingest's line counts to the shared counters (nothing happens if Redis is down)."""
    counts = {f"{source}:{r}": getattr(report, r) for r in RESULTS if getattr(report, r)}
    if not counts:
        return

    def incr(r):
        pipe = r.pipeline(transaction=False)
        for field, n in counts.items():
            pipe.hincrby(INGEST_KEY, field, n)
        return pipe.execute()

    redisguard.call(incr)


def nightly_overdue_after():
    return timedelta(hours=float(getattr(settings, "RISKCASE_NIGHTLY_OVERDUE_HOURS", 26)))


def consumer_lag_limit():
    return int(getattr(settings, "RISKCASE_CONSUMER_LAG_ALERT", 1000))


def snapshot(now=None):
    """Everything the gauges and the readiness detail report, from a handful of aggregate queries."""
    from cases.selectors import overdue_appeals
    from enforcement.models import DeliveryState, WebhookDelivery
    from eventstore.models import Checkpoint, Event
    from metrics.models import RecomputeRun
    from notifications.models import Announcement
    from notifications.models import Delivery as Notice
    from notifications.models import DeliveryState as NoticeState

    now = now or timezone.now()
    head = Event.objects.aggregate(head=Max("pk"))["head"] or 0  # the global position
    checkpoints = dict(Checkpoint.objects.values_list("consumer", "position"))
    oldest_open = (WebhookDelivery.objects.filter(state__in=(DeliveryState.PENDING, DeliveryState.SENDING))
                   .aggregate(at=Min("queued_at"))["at"])
    last_run = RecomputeRun.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()
    return {
        "now": now,
        "event_head": head,
        "consumer_lag": {name: max(head - pos, 0) for name, pos in checkpoints.items()},
        "deliveries": _by_state(WebhookDelivery, DeliveryState),
        "oldest_open_delivery_seconds": (now - oldest_open).total_seconds() if oldest_open else 0.0,
        "appeals_past_sla": overdue_appeals(now).count(),
        "notification_deliveries": _by_state(Notice, NoticeState),
        "announcements_unfinished": Announcement.objects.filter(finished_at__isnull=True).count(),
        "nightly": last_run,
    }


def _by_state(model, states):
    """{state: rows of `model` in it} for every state of the `states` choices, zeros included (one query)."""
    counts = dict(model.objects.values_list("state").annotate(n=Count("pk")).order_by())
    return {state: counts.get(state, 0) for state in states.values}


def _labelled(name, documentation, label, values):
    """A gauge with one sample per {label value: value}."""
    gauge = GaugeMetricFamily(name, documentation, labels=[label])
    for key, value in values.items():
        gauge.add_metric([key], value)
    return gauge


def degraded(snap=None):
    """{what: why} for everything an operator should look at now; empty when all is well."""
    snap = snap or snapshot()
    problems = {}
    if settings.REDIS_URL and (redisguard.is_open() or redisguard.call(lambda r: r.ping(), False) is False):
        problems["redis"] = "down: restrictions from the database, throttles open, reactions wait for beat"
    for name, lag in snap["consumer_lag"].items():
        if lag > consumer_lag_limit():
            problems[f"consumer:{name}"] = f"{lag} events behind the head of the event store"
    dead = snap["deliveries"].get("dead", 0)
    if dead:
        problems["webhooks"] = f"{dead} dead deliveries (admin: webhook deliveries, state dead)"
    run = snap["nightly"]
    if run is None or snap["now"] - run.finished_at > nightly_overdue_after():
        hours = int(nightly_overdue_after().total_seconds() // 3600)
        problems["nightly"] = f"overdue: no nightly run finished in the last {hours} hours"
    return problems


class _Collector:
    def collect(self):
        snap = snapshot()
        yield _labelled("riskcase_consumer_lag_events", "Events between a consumer's checkpoint and the head of the "
                        "event store.", "consumer", snap["consumer_lag"])
        yield GaugeMetricFamily("riskcase_event_store_head_position", "Position of the newest event.",
                                value=snap["event_head"])
        yield _labelled("riskcase_webhook_deliveries", "Webhook deliveries by state (pending + sending is the "
                        "backlog).", "state", snap["deliveries"])
        yield GaugeMetricFamily("riskcase_webhook_oldest_open_delivery_seconds", "Age of the oldest delivery "
                                "not yet delivered or dead.", value=snap["oldest_open_delivery_seconds"])
        yield GaugeMetricFamily("riskcase_appeals_past_sla", "Appeals undecided past their decision SLA.",
                                value=snap["appeals_past_sla"])
        yield _labelled("riskcase_notification_deliveries", "Merchants' notification deliveries by state (failed: "
                        "gave up after the last retry; admin: deliveries).", "state", snap["notification_deliveries"])
        yield GaugeMetricFamily("riskcase_rule_change_announcements_unfinished", "Rule change announcements still "
                                "reaching their category's merchants.", value=snap["announcements_unfinished"])
        run = snap["nightly"]
        yield GaugeMetricFamily("riskcase_nightly_last_success_timestamp_seconds", "When the last nightly run "
                                "finished (Unix time; 0 if never).", value=run.finished_at.timestamp() if run else 0)
        yield GaugeMetricFamily("riskcase_nightly_last_duration_seconds", "How long the last nightly run took.",
                                value=(run.finished_at - run.started_at).total_seconds() if run else 0)
        yield GaugeMetricFamily("riskcase_nightly_last_rows", "Merchant-days the last nightly run wrote.",
                                value=(run.rows or 0) if run else 0)
        ingest = CounterMetricFamily("riskcase_ingest_lines", "Ingested lines by source and result "
                                     "(conflicting and bad are the rejects).", labels=["source", "result"])
        for field, value in (redisguard.call(lambda r: r.hgetall(INGEST_KEY)) or {}).items():
            source, _, result = field.decode().rpartition(":")
            ingest.add_metric([source, result], int(value))
        yield ingest
        yield GaugeMetricFamily("riskcase_redis_up", "1 when Redis answers.",
                                value=0 if "redis" in degraded(snap) else 1)


def metrics_view(request):
    """GET /metrics with a service token (the same as ingest and restrictions) that carries the metrics:read scope,
    as every service endpoint needs its own: a token handed to the ads system cannot scrape operations."""
    from metrics.authentication import ServiceTokenAuthentication, grants
    from metrics.models import ServiceScope

    try:
        principal = ServiceTokenAuthentication().authenticate(Request(request))
    except AuthenticationFailed:
        principal = None
    except NotAuthenticated:
        principal = None
    if principal is None:
        response = HttpResponse("service token required\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = "Bearer"
        return response
    token = principal[1]
    if not grants(token, ServiceScope.METRICS_READ):
        return HttpResponse(f"this service token lacks the {ServiceScope.METRICS_READ} scope\n", status=403,
                            content_type="text/plain")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
