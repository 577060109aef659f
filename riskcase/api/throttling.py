"""Throttling per API token (rates in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]).

The budgets live in the cache (Redis). When Redis does not answer, a throttle lets the request through
and logs a warning: an outage of the cache must not take the API down (fail open). Password guessing
stays limited then too: django-axes counts failed logins in the database (riskcase/security.py).
"""
import logging

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from riskcase.ops import redisguard
from riskcase.security import client_ip

logger = logging.getLogger(__name__)


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        # Read the rates on every request, not once at import, so settings overrides apply.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if redisguard.is_open():
            return True  # known down: do not wait on a socket (the breaker logged it)
        try:
            return super().allow_request(request, view)
        except redisguard.FAILURES as exc:
            logger.warning("throttle %s not applied: the cache does not answer (%s)", self.scope,
                           type(exc).__name__)
            redisguard.trip()  # the next requests skip Redis for the breaker's seconds
            return True


class TokenRateThrottle(_SettingsRateThrottle):
    """Scope "token": each merchant API token has its own budget, however many clients share an IP.

    Requests that are not made with a knox token (service tokens of the platform's own systems)
    are not throttled here; unauthenticated requests are refused before throttling runs.
    """

    scope = "token"

    def get_cache_key(self, request, view):
        digest = getattr(request.auth, "digest", None)
        if not digest:
            return None
        # The digest is already a hash of the token, so the secret never reaches the cache.
        return self.cache_format % {"scope": self.scope, "ident": digest[:64]}


class LoginRateThrottle(_SettingsRateThrottle):
    """Scope "login": password attempts per client address, against guessing."""

    scope = "login"

    def get_ident(self, request):
        # Never a client-sent X-Forwarded-For unless a trusted proxy added it (RISKCASE_TRUSTED_PROXIES).
        return client_ip(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
