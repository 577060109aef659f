"""Signed webhook delivery: in position order per (endpoint, merchant), exponential backoff on failure."""
import hashlib
import hmac
import json
import secrets
import time
from datetime import timedelta

import urllib.error
import urllib.request
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import DeliveryState, WebhookDelivery

TIMESTAMP_HEADER = "X-RiskCase-Timestamp"
SIGNATURE_HEADER = "X-RiskCase-Signature"
MAX_BACKOFF = timedelta(minutes=10)


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


def deliver_pending(*, now=None, timeout=5):
    """Send the head of each (endpoint, merchant) queue; a failure stops that queue until its retry time.
    Safe with several workers: a queue head is claimed with SELECT ... FOR UPDATE SKIP LOCKED and
    kept locked while it is sent. Returns (delivered, failed)."""
    delivered = failed = 0
    heads = (WebhookDelivery.objects.filter(state=DeliveryState.PENDING)
             .order_by("endpoint_id", "merchant_id", "position")
             .values_list("endpoint_id", "merchant_id").distinct())
    for endpoint_id, merchant_id in list(heads):
        while True:
            now_ = now or timezone.now()
            with transaction.atomic():
                head = (WebhookDelivery.objects.select_for_update(skip_locked=True).select_related("endpoint")
                        .filter(endpoint_id=endpoint_id, merchant_id=merchant_id, state=DeliveryState.PENDING)
                        .order_by("position").first())
                if head is None:
                    break
                earlier = WebhookDelivery.objects.filter(
                    endpoint_id=endpoint_id, merchant_id=merchant_id, state=DeliveryState.PENDING,
                    position__lt=head.position).exists()  # locked by another worker: wait our turn
                if earlier or (head.next_attempt_at and head.next_attempt_at > now_):
                    break
                body = json.dumps({"event_position": head.position, "restrictions": head.payload},
                                  sort_keys=True, separators=(",", ":")).encode()
                ts = str(int(time.time()))
                headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: ts,
                           SIGNATURE_HEADER: ",".join("sha256=" + sign(secret, ts, body)
                                                      for secret in head.endpoint.signing_secrets(now_)),
                           "Idempotency-Key": f"{head.endpoint_id}-{head.position}"}
                head.attempts += 1
                ok, error = _post(head.endpoint.url, body, headers, timeout)
                if ok:
                    head.state = DeliveryState.DELIVERED
                    head.delivered_at = timezone.now()
                    head.last_error = ""
                    head.next_attempt_at = None
                    delivered += 1
                else:
                    head.last_error = error[:2000]
                    head.next_attempt_at = timezone.now() + backoff(head.attempts)
                    failed += 1
                head.save()
            if not ok:
                break
    return delivered, failed


def _post(url, body, headers, timeout):
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
            return 200 <= response.status < 300, f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return False, f"{type(exc).__name__}: {exc}"


def next_retry_delay():
    """Seconds until the earliest pending retry is due, or None."""
    nxt = (WebhookDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__isnull=False)
           .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first())
    if nxt is None:
        return None
    return max((nxt - timezone.now()).total_seconds(), 0)
