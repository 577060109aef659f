"""DRF authentication for the platform's own systems: `Authorization: Bearer <service token>`.

A verified token is remembered in the process for RISKCASE_SERVICE_TOKEN_CACHE_SECONDS (5 s): the
restrictions endpoint is on the ad and search systems' hot path, and the lookup was 40% of a request.
A revocation (admin's action, or deleting the token) is published on Redis (channel CHANNEL) after it
commits, and every process listening forgets what it remembered at once; a process whose listener is
not connected (Redis down) still stops trusting its memory after the setting's seconds, the bound.

Every service endpoint also declares the scope it needs (`required_scope` on the view, checked by
HasScope): a token handed to the ads system to read restrictions cannot ingest trade facts.
"""
import logging
import os
import threading
import time

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from riskcase.ops import redisguard

from .models import ServiceToken

logger = logging.getLogger(__name__)
CHANNEL = "riskcase:service-tokens:revoked"

_verified = {}  # digest -> (token, monotonic time it was checked); only valid tokens, so it stays small
# The client is kept with its pubsub: a Redis client closes its connection pool when it is garbage
# collected, and with it the subscriber's connection (the listener then died at once, and every request
# started a new one and forgot every verified token: a database lookup and a Redis connect per request).
_listener = {"pid": None, "thread": None, "pubsub": None, "client": None}
_listener_lock = threading.Lock()


MISSING = object()  # _remembered's answer when this process has no verdict for the token


def _remembered(digest, ttl):
    """The token this process verified within `ttl` seconds (None if it has expired since), else MISSING."""
    if ttl > 0:
        _listen_for_revocations()
    hit = _verified.get(digest)
    if hit and time.monotonic() - hit[1] < ttl:
        return hit[0] if hit[0].is_valid(timezone.now()) else None
    return MISSING


def _verified_token(raw):
    digest = ServiceToken.hash(raw)
    ttl = getattr(settings, "RISKCASE_SERVICE_TOKEN_CACHE_SECONDS", 5)
    token = _remembered(digest, ttl)
    if token is not MISSING:
        return token
    token = ServiceToken.objects.filter(digest=digest, revoked_at__isnull=True).first()
    if token is not None and not token.is_valid(timezone.now()):
        token = None
    if token is None:
        _verified.pop(digest, None)
    elif ttl > 0:
        _verified[digest] = (token, time.monotonic())
    return token


def forget_verified_tokens():
    _verified.clear()


def announce_revocation():
    """Forget verified tokens here now, and in every other process once the revocation commits."""
    forget_verified_tokens()

    def publish():
        forget_verified_tokens()  # a request between the forgetting above and the commit re-verified
        if redisguard.call(lambda r: r.publish(CHANNEL, "revoked")) is None and settings.REDIS_URL:
            logger.warning("service token revocation not published; other processes within %ss",
                           getattr(settings, "RISKCASE_SERVICE_TOKEN_CACHE_SECONDS", 5))

    transaction.on_commit(publish, robust=True)


def _on_message(message):
    forget_verified_tokens()


def _listen_for_revocations():
    """Start this process's subscriber thread once (again after a fork, or when it died with Redis)."""
    if not settings.REDIS_URL:
        return
    state = _listener
    thread = state["thread"]
    if state["pid"] == os.getpid() and thread is not None and thread.is_alive():
        return
    with _listener_lock:
        if state["pid"] == os.getpid() and state["thread"] is not None and state["thread"].is_alive():
            return
        if redisguard.is_open():
            return  # Redis is down: the bound applies until it is back
        try:
            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5,
                                          health_check_interval=30)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe(**{CHANNEL: _on_message})
            # What was verified before the subscription could have missed a revocation: forget it.
            forget_verified_tokens()
            state["thread"] = pubsub.run_in_thread(sleep_time=1.0, daemon=True,
                                                   exception_handler=_listener_failed)
            state["pubsub"] = pubsub
            state["client"] = client
            state["pid"] = os.getpid()
        except (redis.RedisError, OSError) as exc:
            logger.warning("cannot listen for service token revocations (%s): trusting them for %ss at most",
                           type(exc).__name__, getattr(settings, "RISKCASE_SERVICE_TOKEN_CACHE_SECONDS", 5))
            state["thread"] = None


def _listener_failed(exc, pubsub, thread):
    logger.warning("service token revocation listener stopped (%s)", type(exc).__name__)
    forget_verified_tokens()
    thread.stop()
    pubsub.close()


class ServicePrincipal:
    """The authenticated caller of a service endpoint (not a Django user)."""

    is_authenticated = True
    is_service = True

    def __init__(self, token):
        self.token = token
        self.pk = None
        self.username = f"service:{token.name}"
        self.scopes = frozenset(token.scopes)

    def __str__(self):
        return self.username


KEYWORD = "Bearer"


def service_token(request):
    """The rule for every service endpoint: the valid (not revoked, not expired) ServiceToken of the request's
    `Authorization: Bearer <token>`, None when the request carries no Bearer header, AuthenticationFailed
    when the header is malformed or the token is not valid. DRF's ServiceTokenAuthentication and the
    restrictions fast path (enforcement/api/fastpath.py) both ask this."""
    raw = _bearer(request)
    if raw is None:
        return None
    token = _verified_token(raw)
    if token is None:
        raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked service token."))
    return token


def _bearer(request):
    """The raw token of the request's `Authorization: Bearer <token>`; None without a Bearer header;
    AuthenticationFailed when the header is malformed."""
    header = authentication.get_authorization_header(request).split()
    if not header or header[0].decode("latin-1").lower() != KEYWORD.lower():
        return None
    if len(header) != 2:
        raise exceptions.AuthenticationFailed(_("Malformed Authorization header."))
    return header[1].decode(errors="replace")


def remembered_service_token(request):
    """service_token's answer when it needs no query: the valid token this process verified within
    RISKCASE_SERVICE_TOKEN_CACHE_SECONDS; None otherwise (no or a malformed header, a token not remembered,
    or one no longer valid), for the caller to hand the request to the full stack. The restrictions
    endpoint's WSGI shortcut asks this: it runs outside Django's request cycle, so it never queries."""
    try:
        raw = _bearer(request)
    except exceptions.AuthenticationFailed:
        return None
    if raw is None:
        return None
    token = _remembered(ServiceToken.hash(raw), getattr(settings, "RISKCASE_SERVICE_TOKEN_CACHE_SECONDS", 5))
    return None if token is MISSING else token


def grants(token, scope):
    """True when `token` carries `scope`; no declared scope (None) grants nothing."""
    return scope is not None and token.has_scope(scope)


class ServiceTokenAuthentication(authentication.BaseAuthentication):
    keyword = KEYWORD

    def authenticate(self, request):
        token = service_token(request)
        if token is None:
            return None
        return ServicePrincipal(token), token

    def authenticate_header(self, request):
        return self.keyword


class IsService:
    """Permission: only a service token, never a merchant or staff session."""

    def has_permission(self, request, view):
        return bool(getattr(request.user, "is_service", False))

    def has_object_permission(self, request, view, obj):
        return self.has_permission(request, view)


def required_scope(view, request):
    """The scope a view requires for this request: `required_scopes` (per HTTP method) or `required_scope`."""
    per_method = getattr(view, "required_scopes", None)
    if per_method:
        return per_method.get(request.method, per_method.get("*"))
    return getattr(view, "required_scope", None)


class HasScope:
    """Permission: a service token that carries the view's required scope. A view without a declared scope
    refuses every service token (so a new endpoint is closed until someone decides who may call it)."""

    message = _("This service token does not have the scope this endpoint needs.")

    def has_permission(self, request, view):
        scope = required_scope(view, request)
        return bool(getattr(request.user, "is_service", False)) and grants(request.user.token, scope)

    def has_object_permission(self, request, view, obj):
        return self.has_permission(request, view)
