"""Thin Celery wrappers around enforcement services; each is idempotent."""
from celery import shared_task

from eventstore.consumers import drain

from . import consumers, services, webhooks


@shared_task(acks_late=True)
def expire_penalties():
    """Expire penalties whose end has passed. Idempotent; safe with several workers (skip locked)."""
    return services.penalties_expire_due()


@shared_task(acks_late=True)
def restep_merchants():
    """Daily: violations leave the rolling window with time alone, so every merchant with an open penalty is
    re-stepped. Idempotent (the ladder is a pure function of the standing violations)."""
    return services.penalties_restep_all()


@shared_task(acks_late=True)
def deliver_webhooks():
    """Queue restriction changes from the log (the webhooks consumer), then send them in order per merchant
    and schedule the next retry. Idempotent."""
    drain([consumers.WEBHOOKS])
    delivered, failed = webhooks.deliver_pending()
    delay = webhooks.next_retry_delay()
    if delay is not None:
        deliver_webhooks.apply_async(countdown=max(delay, 1))
    return delivered, failed
