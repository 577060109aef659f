"""Idempotency-Key for the merchants' API commands (riskcase.api.idempotency), keyed per merchant."""
from riskcase.api import idempotency as shared
from riskcase.api.idempotency import HEADER, SCHEMA, IdempotencyKeyReused, key_from, request_hash  # noqa: F401

from .models import IdempotencyKey


def run_once(*, merchant_id, key, fingerprint, command):
    return shared.run_once(model=IdempotencyKey, owner={"merchant_id": merchant_id}, key=key,
                           fingerprint=fingerprint, command=command)
