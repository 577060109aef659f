"""GET /healthz: 200 when the database and Redis both answer, 503 naming what did not.

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


@never_cache
@require_safe
def healthz(request):
    results = {"database": database_status(), "redis": redis_status()}
    failed = [name for name, (healthy, _) in results.items() if not healthy]
    body = {"status": "unavailable" if failed else OK, "checks": {name: said for name, (_, said) in results.items()}}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)
