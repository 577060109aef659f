"""GET /healthz: the cheap liveness probe; GET /healthz/ready: what is degraded, in detail.

/healthz is 200 when the database answers. A Redis that does not answer is named (`"degraded":
["redis"]`) but is not a 503: reads fall back to the database, so a load balancer must not take every
web process out of service for a cache outage. A Redis that is not configured where a broker is needed
stays a 503 (a misconfiguration, not an outage).

/healthz/ready adds the detail an operator acts on (riskcase/ops/metrics.py): Redis down, a consumer
stuck behind the head of the event store, dead webhook deliveries, the nightly run overdue. It is 200
with `"status": "degraded"` and `"degraded": {what: why}` when something needs a look, 503 only when
the database does not answer.

No authentication, no session, no template: a load balancer calls it every few seconds. The body
names the exception class of a failure, never its message (which can hold host names or DSNs);
the full error goes to the log.

Without REDIS_URL there is no Redis to ask. That is healthy only where Celery is meant to run
tasks in-process (DEBUG or CELERY_TASK_ALWAYS_EAGER, as in the demo) and never under
RISKCASE_PRODUCTION, where a missing broker means the worker and beat have nothing to work on.
"""
import logging

import redis
from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2
OK = "ok"


def database_status():
    """(healthy, what to say)."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure to get an answer means "down"
        logger.error("health check: the database does not answer: %s", exc)
        return False, type(exc).__name__
    return True, OK


def redis_status():
    """(healthy, what to say)."""
    url = settings.REDIS_URL
    if not url:
        in_process = settings.DEBUG or getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
        if in_process and not getattr(settings, "RISKCASE_PRODUCTION", False):
            return True, "not configured (Celery runs tasks in-process)"
        return False, "not configured"
    client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)
    try:
        client.ping()
    except Exception as exc:  # refused, timed out, auth failed: all "down"
        logger.error("health check: Redis does not answer: %s", exc)
        return False, type(exc).__name__
    finally:
        client.close()
    return True, OK


def _liveness():
    results = {"database": database_status(), "redis": redis_status()}
    checks = {name: said for name, (_, said) in results.items()}
    failed = [name for name, (healthy, _) in results.items() if not healthy]
    # An outage of a configured Redis degrades; the database, or Redis missing where it is needed, fails.
    outage = settings.REDIS_URL and "redis" in failed
    fatal = [name for name in failed if not (name == "redis" and outage)]
    return checks, fatal, ["redis"] if outage else []


@never_cache
@require_safe
def healthz(request):
    checks, fatal, degraded = _liveness()
    status = "unavailable" if fatal else "degraded" if degraded else OK
    body = {"status": status, "checks": checks}
    if fatal:
        body["failed"] = fatal
    if degraded:
        body["degraded"] = degraded
    return JsonResponse(body, status=503 if fatal else 200)


@never_cache
@require_safe
def readiness(request):
    from .metrics import degraded as what_is_degraded

    checks, fatal, _ = _liveness()
    if fatal:
        return JsonResponse({"status": "unavailable", "checks": checks, "failed": fatal}, status=503)
    problems = what_is_degraded()
    body = {"status": "degraded" if problems else OK, "checks": checks}
    if problems:
        body["degraded"] = problems
    return JsonResponse(body)
