"""Thin Celery wrappers around enforcement services; each is idempotent."""
from celery import shared_task

from . import consumers, services, webhooks


@shared_task(acks_late=True)
def react_to_violations():
    """Drain the violation events after the enforcement checkpoint. Idempotent (checkpointed)."""
    total = 0
    while (n := consumers.run_violations()):
        total += n
    deliver_webhooks.delay()
    return total


@shared_task(acks_late=True)
def expire_penalties():
    """Expire penalties whose end has passed. Idempotent; safe with several workers (skip locked)."""
    return services.penalties_expire_due()


@shared_task(acks_late=True)
def deliver_webhooks():
    """Queue restriction changes from the log, then send them in order per merchant. Idempotent."""
    while consumers.run_webhooks():
        pass
    delivered, failed = webhooks.deliver_pending()
    delay = webhooks.next_retry_delay()
    if delay is not None:
        deliver_webhooks.apply_async(countdown=max(delay, 1))
    return delivered, failed
