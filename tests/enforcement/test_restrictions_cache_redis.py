"""The restrictions document in Redis (enforcement.cache) is replaced when the change commits: the first
read after commit sees it, a read before commit or after a rollback keeps the committed document."""
import pytest
from django.conf import settings
from django.db import transaction

from enforcement import cache, selectors, services
from enforcement.models import Penalty, PenaltyKind, Restriction
from eventstore.actors import Actor

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def enforcement_cache():
    """Unlike the rest of the enforcement tests: the real cache (Redis at REDIS_URL)."""
    return None


def test_a_lift_is_visible_in_the_redis_cache_on_the_first_read_after_commit(reviewer, record):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    cache.put({"merchant_id": "m1", "public_warning": False, "stale": True})  # left by an earlier read
    record()
    assert selectors.restriction_document("m1")["public_warning"] is True
    warning = Penalty.objects.get(kind=PenaltyKind.PUBLIC_WARNING)

    with transaction.atomic():
        services.penalty_lift(penalty_id=warning.pk, actor=Actor.reviewer(reviewer), reason="refunded")
        assert cache.get("m1")["public_warning"] is True  # not replaced before the commit

    assert selectors.restriction_document("m1")["public_warning"] is False
    assert cache.get("m1") == Restriction.objects.get(merchant_id="m1").document()


def test_a_rolled_back_lift_leaves_the_redis_cache_as_it_was(reviewer, record):
    record()
    warning = Penalty.objects.get(kind=PenaltyKind.PUBLIC_WARNING)
    before = selectors.restriction_document("m1")

    with pytest.raises(RuntimeError), transaction.atomic():
        services.penalty_lift(penalty_id=warning.pk, actor=Actor.reviewer(reviewer), reason="refunded")
        raise RuntimeError("the request failed after the lift")

    assert cache.get("m1") == before
    assert selectors.restriction_document("m1")["public_warning"] is True


def test_a_put_loads_its_script_on_a_redis_that_lost_it_and_never_goes_backwards():
    """The compare-and-set goes by its digest (EVALSHA); a Redis that restarted or flushed its scripts gets
    the script again on the first put, and the rule still holds: an older document never replaces a newer."""
    from riskcase.ops import redisguard

    cache.forget_all()
    redisguard.call(lambda r: r.script_flush())
    assert cache.put({"merchant_id": "m9", "position": 5, "public_warning": True})
    assert redisguard.call(lambda r: r.script_exists(cache._PUT_SHA)) == [True]
    cache.put({"merchant_id": "m9", "position": 4, "public_warning": False})
    assert cache.get("m9") == {"merchant_id": "m9", "position": 5, "public_warning": True}
    cache.put({"merchant_id": "m9", "position": 6, "public_warning": False})
    assert cache.get("m9")["public_warning"] is False
