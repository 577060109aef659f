"""Thin Celery wrappers; each is idempotent."""
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from enforcement.models import Penalty, PenaltyState
from eventstore.consumers import drain

from . import consumers, delivery
from .models import Kind

# How long one run goes on with a large category's rule change announcement before it sends what is due and
# queues the next run: well inside the task time limit.
ANNOUNCING_SECONDS = 60


@shared_task(acks_late=True)
def send_notifications():
    """Turn new events into notifications (the checkpointed consumer), go on with a large rule change
    announcement for a while, send what is due, and schedule the next run (at once while an announcement is
    unfinished, else at the next retry). A worker killed mid-batch leaves its claims to expire; the next run
    takes them over."""
    drain([consumers.NAME])
    unfinished = consumers.continue_announcements(seconds=ANNOUNCING_SECONDS)
    sent, failed = delivery.deliver_pending()
    delay = 0 if unfinished else delivery.next_retry_delay()
    if delay is not None:
        send_notifications.apply_async(countdown=max(delay, 1))
    return sent, failed


@shared_task(acks_late=True)
def notify_expiring_penalties(now=None):
    """Tell merchants of active penalties ending within RISKCASE_NOTIFY_EXPIRING_DAYS (default 3): once per
    penalty (the notification's key is the penalty). All of them in one transaction, told a chunk at a time
    (consumers.notify_merchants: its queries per thousand penalties, not per penalty, on every hourly run).
    Returns how many penalties were announced."""
    now = now or timezone.now()
    horizon = now + timedelta(days=getattr(settings, "RISKCASE_NOTIFY_EXPIRING_DAYS", 3))
    ending = (Penalty.objects.filter(state=PenaltyState.ACTIVE, ends_at__gt=now, ends_at__lte=horizon)
              .only("pk", "merchant_id", "kind", "product_id", "ends_at").order_by("pk"))
    with transaction.atomic():
        told = consumers.notify_merchants(
            consumers.Notice(key=f"penalty-expiring-{penalty.pk}", kind=Kind.PENALTY_EXPIRING,
                             merchant_id=penalty.merchant_id, subject_id=str(penalty.pk),
                             context={"penalty": penalty.kind, "product_id": penalty.product_id,
                                      "ends_at": penalty.ends_at.isoformat()})
            for penalty in ending.iterator(consumers.CHUNK))
    return len(told)
