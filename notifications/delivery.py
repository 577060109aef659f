"""Sending deliveries: claim a batch atomically (SELECT ... FOR UPDATE SKIP LOCKED, a lease and a claim token),
commit, send each outside any transaction, then record the result under the claim token.

A worker killed after claiming leaves its rows `sending` until the lease runs out; another worker then claims
them again. So each (notification, channel) has exactly one row and is recorded sent exactly once; the
message itself may reach the receiver a second time only if the worker died between sending and recording,
and it then carries the same idempotency key (Message-ID for e-mail, Idempotency-Key for HTTP) so the
receiver can drop the copy. Failures are retried with exponential backoff up to RISKCASE_NOTIFY_MAX_ATTEMPTS,
then the delivery is `failed` (listed in admin, where it can be retried).
"""
import json
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cases.models import Violation
from cases.services import violation_notice_delivered
from enforcement.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

from . import backends, messages
from .models import Channel, Delivery, DeliveryState, Kind, Language, Preference, new_claim

MAX_BACKOFF = timedelta(hours=1)


def _setting(name, default):
    return getattr(settings, name, default)


def backoff(attempts):
    base = float(_setting("RISKCASE_NOTIFY_BACKOFF_SECONDS", 30))
    return min(timedelta(seconds=base * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _due(now):
    return (Q(state=DeliveryState.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            | Q(state=DeliveryState.SENDING, claimed_until__lt=now))


def claim(*, batch_size=20, now=None):
    """Claim up to `batch_size` due deliveries for this worker; returns them (committed as `sending`)."""
    now = now or timezone.now()
    lease = timedelta(seconds=float(_setting("RISKCASE_NOTIFY_LEASE_SECONDS", 120)))
    with transaction.atomic():
        rows = list(Delivery.objects.select_for_update(skip_locked=True).filter(_due(now)).order_by("id")[:batch_size])
        for row in rows:
            row.state, row.claimed_until, row.claim_token = DeliveryState.SENDING, now + lease, new_claim()
            row.attempts += 1
        Delivery.objects.bulk_update(rows, ["state", "claimed_until", "claim_token", "attempts"])
    return rows


def _language(user):
    preference = Preference.objects.filter(user=user).only("language").first()
    return preference.language if preference else Language.ZH_HANS


def send(delivery):
    """Send one claimed delivery; raise backends.DeliveryFailed on failure."""
    notification = delivery.notification
    timeout = float(_setting("RISKCASE_NOTIFY_TIMEOUT_SECONDS", 5))
    if delivery.channel == Channel.WEBHOOK:
        subject, body = messages.render(notification, Language.ZH_HANS)
        payload = json.dumps({
            "id": delivery.idempotency_key, "kind": notification.kind, "merchant_id": notification.merchant_id,
            "subject_id": notification.subject_id, "event_position": notification.position,
            "context": notification.context, "subject": subject, "body": body,
        }, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        ts = str(int(time.time()))
        backends.post_json(notification.webhook.url, payload, {
            TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: "sha256=" + sign(notification.webhook.secret, ts, payload),
            "Idempotency-Key": delivery.idempotency_key}, timeout)
        return
    user = notification.user
    subject, body = messages.render(notification, _language(user))
    if delivery.channel == Channel.EMAIL:
        domain = _setting("RISKCASE_NOTIFY_MESSAGE_ID_DOMAIN", "riskcase.local")
        message = EmailMessage(subject, body, to=[user.email],
                               headers={"Message-ID": f"<{delivery.idempotency_key}@{domain}>"})
        try:
            message.send()
        except OSError as exc:  # SMTP errors are OSErrors
            raise backends.DeliveryFailed(f"{type(exc).__name__}: {exc}") from None
        return
    preference = Preference.objects.get(user=user)
    to = preference.phone if delivery.channel == Channel.SMS else preference.push_token
    backends.get_backend(delivery.channel).send(to=to, subject=subject, body=body,
                                                idempotency_key=delivery.idempotency_key)


def record(delivery, *, error=None, now=None):
    """Record the result of sending under the claim; a claim that expired and was taken over changes nothing.
    The first successful delivery of a violation's notice starts its appeal window (in the same transaction)."""
    now = now or timezone.now()
    max_attempts = int(_setting("RISKCASE_NOTIFY_MAX_ATTEMPTS", 8))
    with transaction.atomic():
        row = (Delivery.objects.select_for_update().select_related("notification")
               .filter(pk=delivery.pk, claim_token=delivery.claim_token, state=DeliveryState.SENDING).first())
        if row is None:
            return False
        row.claim_token, row.claimed_until = None, None
        if error is None:
            row.state, row.sent_at, row.last_error, row.next_attempt_at = DeliveryState.SENT, now, "", None
            if row.notification.kind == Kind.VIOLATION_RECORDED:
                notice_arrived(row.notification.subject_id, now, row.channel)
        else:
            row.last_error = str(error)[:2000]
            if row.attempts >= max_attempts:
                row.state, row.next_attempt_at = DeliveryState.FAILED, None
            else:
                row.state, row.next_attempt_at = DeliveryState.PENDING, now + backoff(row.attempts)
        row.save()
    return True


def notice_arrived(violation_id, at, channel):
    if Violation.objects.filter(pk=violation_id, notified_at__isnull=True).exists():
        violation_notice_delivered(violation_id=violation_id, at=at, channel=str(channel))


def deliver_pending(*, batch_size=20):
    """Claim, send and record until nothing is due. Returns (sent, failed attempts)."""
    sent = failed = 0
    while rows := claim(batch_size=batch_size):
        for row in rows:
            try:
                send(Delivery.objects.select_related("notification__user", "notification__webhook").get(pk=row.pk))
            except backends.DeliveryFailed as exc:
                record(row, error=exc)
                failed += 1
            else:
                record(row)
                sent += 1
    return sent, failed


def retry(deliveries):
    """Put failed deliveries back in the queue (admin action)."""
    return deliveries.filter(state=DeliveryState.FAILED).update(state=DeliveryState.PENDING, attempts=0,
                                                                next_attempt_at=None, last_error="")


def next_retry_delay():
    """Seconds until the next delivery falls due: a retry, or a claim whose worker died (its lease ends)."""
    retries = (Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__isnull=False)
               .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first())
    leases = (Delivery.objects.filter(state=DeliveryState.SENDING)
              .order_by("claimed_until").values_list("claimed_until", flat=True).first())
    due = min((t for t in (retries, leases) if t is not None), default=None)
    return None if due is None else max((due - timezone.now()).total_seconds(), 0)
