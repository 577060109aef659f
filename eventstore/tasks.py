"""The one task of the store: drain every registered consumer (queued after each appending commit)."""
from celery import shared_task

from . import consumers


@shared_task(acks_late=True, ignore_result=True)
def drain_consumers():
    """Run every registered consumer up to the head of the log. Idempotent (checkpointed), so a message
    delivered twice or a retry after a killed worker repeats nothing."""
    return consumers.drain()

