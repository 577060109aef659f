"""The restrictions cache without Redis (the demo, SQLite): Django's own cache, keyed by the id's digest."""
import warnings

from django.core.cache import CacheKeyWarning

from enforcement import cache


def test_any_merchant_id_is_cached_locally_without_a_key_warning(settings):
    settings.REDIS_URL = ""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "restrictions-cache-local-test"}}  # never the suite's Redis
    ids = ["m 1", "m\t\u00e9\u5546", "m-" + "x" * 300, "m-1"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        for position, merchant_id in enumerate(ids, start=1):
            cache.put({"merchant_id": merchant_id, "position": position})
        cached = [cache.get(merchant_id) for merchant_id in ids]

    assert cached == [{"merchant_id": m, "position": p} for p, m in enumerate(ids, start=1)]
    cache.put({"merchant_id": "m-1", "position": 1})  # an older document never replaces a newer one
    assert cache.get("m-1")["position"] == 4
    cache.forget_all()
    assert cache.get("m 1") is None
