"""The restrictions document in the Django cache (Redis): replaced on commit, read before the table."""
from django.core.cache import cache

TIMEOUT = 24 * 3600


def key(merchant_id):
    return f"enforcement:restrictions:{merchant_id}"


def put(document):
    cache.set(key(document["merchant_id"]), document, TIMEOUT)


def get(merchant_id):
    return cache.get(key(merchant_id))
