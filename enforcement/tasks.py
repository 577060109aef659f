"""Thin Celery wrappers around enforcement services; each is idempotent."""
import logging
from datetime import datetime

from celery import shared_task

from . import cache, consumers, services, webhooks
from .models import WebhookEndpoint

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def expire_penalties():
    """Expire penalties whose end has passed. Idempotent; safe with several workers (skip locked)."""
    return services.penalties_expire_due()


@shared_task(acks_late=True, ignore_result=True)
def restep_merchants():
    """Daily: violations leave the rolling window with time alone, so every merchant with an open penalty is
    re-stepped. Idempotent (the ladder is a pure function of the standing violations)."""
    return services.penalties_restep_all()


@shared_task(acks_late=True, ignore_result=True)
def deliver_webhooks(endpoint_id=None, scheduled_for=None):
    """Queue restriction changes from the log, then send the due queue heads (claim, commit, send, record).
    Idempotent. With `endpoint_id` and `scheduled_for` this run is that endpoint's one scheduled retry.
    A retry due later is scheduled at most once per endpoint, so the scheduled chains never multiply."""
    if endpoint_id is not None and scheduled_for:
        webhooks.retry_started(endpoint_id, datetime.fromisoformat(scheduled_for))
    while consumers.run_webhooks():
        pass
    delivered, failed = webhooks.deliver_pending()
    for endpoint, due in webhooks.retries_to_schedule():
        try:
            deliver_webhooks.apply_async(kwargs={"endpoint_id": endpoint, "scheduled_for": due.isoformat()},
                                         eta=due, retry=False, ignore_result=True)
        except Exception as exc:  # the broker is down: beat's next run schedules it
            logger.warning("could not schedule the webhook retry of endpoint %s (%s)", endpoint,
                           type(exc).__name__)
            WebhookEndpoint.objects.filter(pk=endpoint).update(retry_scheduled_for=None)
    return delivered, failed


@shared_task(acks_late=True, ignore_result=True)
def reconcile_restrictions():
    """Write the restrictions that changed since Redis last had them all (after an outage). Idempotent."""
    return cache.reconcile()
