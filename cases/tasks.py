"""Celery tasks of the cases app: thin wrappers around the services."""
from celery import shared_task
from django.db import OperationalError

from .services import violation_uphold_lapsed


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def uphold_lapsed_violations():
    """Uphold the pending violations whose appeal window lapsed. Idempotent: a violation already
    upheld (or claimed by another worker) is skipped, so a retry or duplicate delivery does nothing."""
    return [str(pk) for pk in violation_uphold_lapsed()]
