"""Redis as a cache that may fail: short socket timeouts and a circuit breaker (pybreaker) in front of it.

Callers get their default instead of an exception when Redis refuses, hangs or is known to be down, so a
read falls back to the database and a write that could not reach Redis is repaired later (the restrictions
reconciler). After one failure the breaker stays open for RISKCASE_REDIS_BREAKER_SECONDS (5 s): requests in
that time do not wait on a socket at all; then one request tries again and closes it on success.
"""
import contextlib
import logging
import os
import threading
from datetime import UTC, datetime, timedelta

import pybreaker
import redis
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

logger = logging.getLogger(__name__)

FAILURES = (pybreaker.CircuitBreakerError, redis.RedisError, OSError)


class _LogTransitions(pybreaker.CircuitBreakerListener):
    def state_change(self, cb, old_state, new_state):
        if new_state.name == pybreaker.STATE_OPEN:
            logger.warning("Redis is not answering: reading from the database for %ss", cb.reset_timeout)
        elif new_state.name == pybreaker.STATE_CLOSED and old_state and old_state.name != pybreaker.STATE_CLOSED:
            logger.warning("Redis answers again")


_lock = threading.Lock()
_client = None
_client_pid = None
_breaker = None


def breaker():
    global _breaker
    with _lock:
        if _breaker is None:
            _breaker = pybreaker.CircuitBreaker(
                fail_max=1, reset_timeout=float(getattr(settings, "RISKCASE_REDIS_BREAKER_SECONDS", 5)),
                listeners=[_LogTransitions()],
            )
        return _breaker


def client():
    """The process's Redis client for REDIS_URL, with short socket timeouts. It keeps one connection for its
    commands (pipelines still take theirs from its pool): a pooled command checks the connection for stray
    data first, five system calls on every restrictions read. Connecting can fail: call it through `call`."""
    global _client, _client_pid
    with _lock:
        if _client is not None and _client_pid != os.getpid():  # forked: the parent's connection is not ours
            _client = None
        if _client is None and settings.REDIS_URL:
            timeout = float(getattr(settings, "RISKCASE_REDIS_SOCKET_TIMEOUT", 0.25))
            _client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=timeout,
                                           socket_timeout=timeout, retry_on_timeout=False,
                                           single_connection_client=True)
            _client_pid = os.getpid()
        return _client


def call(fn, default=None):
    """fn(client) through the breaker; `default` when Redis is not configured, fails, or is known down."""
    if not settings.REDIS_URL:
        return default
    try:
        return breaker().call(lambda: fn(client()))
    except FAILURES as exc:
        if not isinstance(exc, pybreaker.CircuitBreakerError):
            logger.warning("Redis call failed (%s): falling back", type(exc).__name__)
        return default


def is_open():
    """True while the breaker keeps requests away from Redis: it opened less than its reset timeout ago."""
    b = _breaker
    if b is None or b.current_state != pybreaker.STATE_OPEN or b._state_storage.opened_at is None:
        return False
    return datetime.now(UTC) < b._state_storage.opened_at + timedelta(seconds=b.reset_timeout)


def trip():
    """Open the breaker after a failure seen outside `call` (the Django cache of the throttles)."""
    with contextlib.suppress(pybreaker.CircuitBreakerError):
        breaker().open()


def reset():
    """Forget the client and the breaker (settings changed, or a test restarted Redis)."""
    global _client, _breaker
    with _lock:
        if _client is not None:
            _client.close()
        _client = None
        _breaker = None


@receiver(setting_changed)
def _settings_changed(*, setting, **kwargs):
    if setting in {"REDIS_URL", "RISKCASE_REDIS_SOCKET_TIMEOUT", "RISKCASE_REDIS_BREAKER_SECONDS"}:
        reset()
