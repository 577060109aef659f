"""Signed webhook delivery: claim, commit, send, record; in position order per (endpoint, merchant).

- A queue's head (the lowest position of an (endpoint, merchant) not yet delivered or dead) is claimed in a
  short transaction (state `sending`, a claim id and a lease), committed, then sent with no transaction or
  lock open, and the result recorded in another (only by the claim that sent it). While a copy is in flight
  (its lease runs) nobody sends that queue another, so a slow receiver never gets a second copy at once.
- A failure is retried with exponential backoff (RISKCASE_WEBHOOK_BACKOFF_SECONDS doubling, up to 10 min).
  After RISKCASE_WEBHOOK_MAX_ATTEMPTS attempts, or once older than RISKCASE_WEBHOOK_MAX_AGE_HOURS, it is
  `dead`: admin lists it, `/healthz/ready` names it, and "replay from here" queues it and the endpoint's
  later dead deliveries again. A dead delivery no longer holds its merchant's later changes back.
- Each endpoint has at most one scheduled retry (`WebhookEndpoint.retry_scheduled_for`, taken by a
  conditional UPDATE), so the scheduled chains never grow; beat's run every minute is the safety net.
- Receivers must deduplicate on `Idempotency-Key` (`<endpoint id>-<position>`): a worker that dies after
  sending and before recording means the same change is sent again once its lease ends.
- URLs must resolve to public addresses unless allow-listed (RISKCASE_WEBHOOK_ALLOWED_NETWORKS); the
  connection goes to the address that was checked, and redirects are never followed.
"""
import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Min, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import DeliveryState, WebhookDelivery, WebhookEndpoint

TIMESTAMP_HEADER = "X-RiskCase-Timestamp"
SIGNATURE_HEADER = "X-RiskCase-Signature"
MAX_BACKOFF = timedelta(minutes=10)
BATCH = 200


def new_secret():
    """A fresh signing secret: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def sign(secret, timestamp, body):
    """hex HMAC-SHA256 of f"{timestamp}." + body: a receiver rejects an old timestamp (replay)."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def backoff(attempts):
    """base, 2*base, 4*base, ... capped at MAX_BACKOFF; base is RISKCASE_WEBHOOK_BACKOFF_SECONDS (default 1)."""
    base = float(getattr(settings, "RISKCASE_WEBHOOK_BACKOFF_SECONDS", 1))
    return min(timedelta(seconds=base * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _timeout():
    return float(getattr(settings, "RISKCASE_WEBHOOK_TIMEOUT_SECONDS", 5))


def _lease():
    # Connect and read each get the timeout; the rest is room for recording the result.
    return timedelta(seconds=2 * _timeout() + 30)


# --- where a webhook may go -------------------------------------------------------------------------------

def _allowed_networks():
    return [ipaddress.ip_network(n.strip(), strict=False)
            for n in getattr(settings, "RISKCASE_WEBHOOK_ALLOWED_NETWORKS", ()) if n.strip()]


def _address_allowed(address):
    address = ipaddress.ip_address(address)
    if any(address in net for net in _allowed_networks()):
        return True
    return address.is_global and not address.is_multicast


def resolve(url):
    """(scheme, host, port, path, [checked addresses]) or ValidationError: http(s) only, and every address
    the host resolves to must be public (or in RISKCASE_WEBHOOK_ALLOWED_NETWORKS)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError(_("Use an http or https URL with a host name."), code="invalid_url")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ValidationError(_("The host name does not resolve."), code="unresolvable") from None
    addresses = sorted({info[4][0] for info in infos})
    refused = [a for a in addresses if not _address_allowed(a)]
    if refused or not addresses:
        raise ValidationError(
            _("Webhooks may only go to public addresses; %(host)s resolves to %(addresses)s.")
            % {"host": parts.hostname, "addresses": ", ".join(refused)}, code="private_address")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port, path, addresses


def validate_url(url):
    """Model-field validator of WebhookEndpoint.url."""
    resolve(url)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever the name resolves to a moment later."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url, body, headers, timeout):
    """(ok, what happened). One request, to a checked address; a redirect is a failure, never followed."""
    try:
        scheme, host, port, path, addresses = resolve(url)
    except ValidationError as exc:
        return False, "refused: " + " ".join(exc.messages)
    cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = cls(host, port, addresses[0], timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)
        if 300 <= response.status < 400:
            return False, f"HTTP {response.status} (redirects are not followed)"
        return 200 <= response.status < 300, f"HTTP {response.status}"
    except (OSError, http.client.HTTPException) as exc:
        return False, f"{type(exc).__name__}: {exc}"
    finally:
        connection.close()


# --- claim, send, record ----------------------------------------------------------------------------------

def _heads(now):
    """The deliveries at the head of their (endpoint, merchant) queue that are due and not in flight
    (one statement; a queue waiting for its retry never hides another queue that is due)."""
    open_states = (DeliveryState.PENDING, DeliveryState.SENDING)
    first = (WebhookDelivery.objects.filter(endpoint_id=OuterRef("endpoint_id"), merchant_id=OuterRef("merchant_id"),
                                            state__in=open_states)
             .order_by("position").values("position")[:1])
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    idle = Q(state=DeliveryState.PENDING) | Q(state=DeliveryState.SENDING, lease_until__lte=now)
    return list(WebhookDelivery.objects.filter(state__in=open_states, position=Subquery(first))
                .filter(due, idle).order_by("position").values_list("pk", flat=True)[:BATCH])


def _claim(pk, now):
    """Take a head for sending (one short transaction); the claimed row, or None if another worker won."""
    claim = uuid.uuid4()
    with transaction.atomic():
        taken = (WebhookDelivery.objects.filter(pk=pk)
                 .filter(Q(state=DeliveryState.PENDING) | Q(state=DeliveryState.SENDING, lease_until__lte=now))
                 .update(state=DeliveryState.SENDING, claim=claim, lease_until=now + _lease(),
                         attempts=F("attempts") + 1))
    if not taken:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=pk)


def _record(delivery, ok, error):
    now = timezone.now()
    max_attempts = int(getattr(settings, "RISKCASE_WEBHOOK_MAX_ATTEMPTS", 20))
    max_age = timedelta(hours=float(getattr(settings, "RISKCASE_WEBHOOK_MAX_AGE_HOURS", 24)))
    mine = WebhookDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING, claim=delivery.claim)
    if ok:
        fields = {"state": DeliveryState.DELIVERED, "delivered_at": now, "last_error": "", "next_attempt_at": None}
    elif delivery.attempts >= max_attempts or now - delivery.queued_at >= max_age:
        fields = {"state": DeliveryState.DEAD, "dead_at": now, "last_error": error[:2000], "next_attempt_at": None}
    else:
        fields = {"state": DeliveryState.PENDING, "last_error": error[:2000],
                  "next_attempt_at": now + backoff(delivery.attempts)}
    with transaction.atomic():
        mine.update(claim=None, lease_until=None, **fields)
    return fields["state"]


def _body(delivery):
    return json.dumps({"event_position": delivery.position, "restrictions": delivery.payload},
                      sort_keys=True, separators=(",", ":")).encode()


def _send(delivery, now):
    body = _body(delivery)
    ts = str(int(time.time()))
    headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: ts,
               SIGNATURE_HEADER: ",".join("sha256=" + sign(secret, ts, body)
                                          for secret in delivery.endpoint.signing_secrets(now)),
               "Idempotency-Key": f"{delivery.endpoint_id}-{delivery.position}"}
    return post(delivery.endpoint.url, body, headers, _timeout())


def deliver_pending(*, now=None):
    """Send each due queue head once: claim and commit, send, record. Safe with several workers.
    Returns (delivered, failed)."""
    delivered = failed = 0
    for _round in range(10_000):  # a queue moves on to its next change after each delivery
        progressed = False
        for pk in _heads(now or timezone.now()):
            now_ = now or timezone.now()
            delivery = _claim(pk, now_)
            if delivery is None:
                continue
            ok, error = _send(delivery, now_)  # no transaction, no lock held while the receiver takes its time
            state = _record(delivery, ok, error)
            if state == DeliveryState.DELIVERED:
                delivered += 1
            else:
                failed += 1
            progressed = progressed or state != DeliveryState.PENDING
        if not progressed:
            break
    return delivered, failed


# A scheduled retry this late is taken for lost (the broker lost it), and the next run schedules another.
LOST_AFTER = timedelta(minutes=2)


def retries_to_schedule():
    """[(endpoint id, due at)]: endpoints with a retry due later and no retry scheduled yet, each now
    marked as scheduled (a conditional UPDATE: one chain per endpoint, whoever asks)."""
    now = timezone.now()
    nexts = (WebhookDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__gt=now)
             .values("endpoint_id").annotate(at=Min("next_attempt_at")))
    scheduled = []
    for row in nexts:
        taken = (WebhookEndpoint.objects.filter(pk=row["endpoint_id"])
                 .filter(Q(retry_scheduled_for__isnull=True) | Q(retry_scheduled_for__lte=now - LOST_AFTER))
                 .update(retry_scheduled_for=row["at"]))
        if taken:
            scheduled.append((row["endpoint_id"], row["at"]))
    return scheduled


def retry_started(endpoint_id, scheduled_for):
    """The scheduled retry `scheduled_for` of an endpoint runs: free its mark, unless a newer one holds it
    (then this run was a duplicate, and it schedules nothing after itself)."""
    WebhookEndpoint.objects.filter(pk=endpoint_id, retry_scheduled_for=scheduled_for).update(
        retry_scheduled_for=None)


def replay_from(delivery_id):
    """Queue a dead delivery again, with every later dead delivery of its endpoint (all merchants), from
    attempt one. Returns how many were queued."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.state != DeliveryState.DEAD:
            return 0
        return (WebhookDelivery.objects
                .filter(endpoint_id=delivery.endpoint_id, state=DeliveryState.DEAD, position__gte=delivery.position)
                .update(state=DeliveryState.PENDING, attempts=0, next_attempt_at=None, dead_at=None,
                        queued_at=timezone.now()))


def next_retry_delay():
    """Seconds until the earliest pending retry is due, or None."""
    nxt = (WebhookDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__isnull=False)
           .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first())
    if nxt is None:
        return None
    return max((nxt - timezone.now()).total_seconds(), 0)
