"""Thin Celery wrappers around enforcement services; each is idempotent."""
from celery import shared_task

from riskcase.ops.enqueue import on_commit_once

from . import cache, consumers, services, webhooks


@shared_task(acks_late=True, ignore_result=True)
def react_to_violations():
    """Drain the violation events after the enforcement checkpoint. Idempotent (checkpointed)."""
    total = 0
    while (n := consumers.run_violations()):
        total += n
    on_commit_once(deliver_webhooks)
    return total


@shared_task(acks_late=True)
def expire_penalties():
    """Expire penalties whose end has passed. Idempotent; safe with several workers (skip locked)."""
    return services.penalties_expire_due()


@shared_task(acks_late=True, ignore_result=True)
def deliver_webhooks():
    """Queue restriction changes from the log, then send them in order per merchant. Idempotent."""
    while consumers.run_webhooks():
        pass
    delivered, failed = webhooks.deliver_pending()
    delay = webhooks.next_retry_delay()
    if delay is not None:
        deliver_webhooks.apply_async(countdown=max(delay, 1))
    return delivered, failed


@shared_task(acks_late=True, ignore_result=True)
def reconcile_restrictions():
    """Write the restrictions that changed since Redis last had them all (after an outage). Idempotent."""
    return cache.reconcile()
