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


@shared_task(acks_late=True)
def send_notifications():
    """Turn new events into notifications (the checkpointed consumer), send what is due, and schedule the next
    retry. A worker killed mid-batch leaves its claims to expire; the next run takes them over."""
    drain([consumers.NAME])
    sent, failed = delivery.deliver_pending()
    delay = delivery.next_retry_delay()
    if delay is not None:
        send_notifications.apply_async(countdown=max(delay, 1))
    return sent, failed


@shared_task(acks_late=True)
def notify_expiring_penalties(now=None):
    """Tell merchants of active penalties ending within RISKCASE_NOTIFY_EXPIRING_DAYS (default 3): once per
    penalty (the notification's key is the penalty). Returns how many penalties were announced."""
    now = now or timezone.now()
    horizon = now + timedelta(days=getattr(settings, "RISKCASE_NOTIFY_EXPIRING_DAYS", 3))
    announced = 0
    for penalty in Penalty.objects.filter(state=PenaltyState.ACTIVE, ends_at__gt=now, ends_at__lte=horizon):
        with transaction.atomic():
            announced += bool(consumers.notify_merchant(
                key=f"penalty-expiring-{penalty.pk}", kind=Kind.PENALTY_EXPIRING, merchant_id=penalty.merchant_id,
                subject_id=str(penalty.pk), context={"penalty": penalty.kind, "product_id": penalty.product_id,
                                                     "ends_at": penalty.ends_at.isoformat()}))
    return announced
