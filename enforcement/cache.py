"""The restrictions document in Redis: versioned by event position, replaced on commit, repaired by a reconciler.

Redis is a cache, never the truth: every call goes through riskcase.ops.redisguard (short timeouts, a
circuit breaker), and a miss or a failure sends the reader to the Restriction table.

- An entry is JSON with the document's `position`; it is only replaced by a document at least as new
  (a Lua compare-and-set), so a reader that filled the cache from an older row cannot overwrite the
  change that committed meanwhile.
- A change that committed while Redis was down (its on-commit put failed) is written by `reconcile()`,
  which beat runs every RISKCASE_RESTRICTIONS_RECONCILE_SECONDS (30 s): it re-puts every row newer
  than the position Redis says it was last reconciled to, then advances that mark. The mark lives in
  Redis beside the entries, so a Redis that lost its data or kept stale data is repaired alike.
- Entries expire after TIMEOUT (1 h), the bound if no worker runs the reconciler at all.
"""
import hashlib
import json

import redis
from django.conf import settings
from django.core.cache import cache as local_cache

from riskcase.ops import redisguard

TIMEOUT = 3600
MARK = "enforcement:restrictions:reconciled-to"
BATCH = 500

# Set KEYS[1] to ARGV[1] (a JSON document) unless the entry there has a higher position.
_PUT_IF_NEWER = """
local current = redis.call('GET', KEYS[1])
if current then
  local ok, doc = pcall(cjson.decode, current)
  if ok and type(doc) == 'table' and tonumber(doc['position'] or 0) > tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[3]))
return 1
"""
_PUT_SHA = hashlib.sha1(_PUT_IF_NEWER.encode()).hexdigest()


def key(merchant_id):
    return f"enforcement:restrictions:{merchant_id}"


def _local_key(merchant_id):
    """The key in Django's own cache (no Redis configured: the demo, tests on SQLite). By the id's digest: an
    id with spaces or control characters, or a long one, is a key memcached could not hold, and Django's
    cache warns for it (the schema tests send such ids)."""
    return key(hashlib.sha256(merchant_id.encode()).hexdigest())


def _encode(document):
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def put(document):
    """Store the document unless a newer one is there. Never raises; False when Redis did not take it."""
    if not settings.REDIS_URL:
        local_key = _local_key(document["merchant_id"])
        current = local_cache.get(local_key)
        if current is None or current.get("position", 0) <= document.get("position", 0):
            local_cache.set(local_key, document, TIMEOUT)
        return True
    args = [key(document["merchant_id"]), _encode(document), int(document.get("position", 0)), TIMEOUT]
    return bool(redisguard.call(lambda r: _put_if_newer(r, *args), False))


def _put_if_newer(r, *args):
    """_PUT_IF_NEWER by its digest (EVALSHA: Redis neither receives nor hashes the script again), loading it
    the first time a server has not seen it (a new or restarted Redis)."""
    try:
        return r.evalsha(_PUT_SHA, 1, *args)
    except redis.exceptions.NoScriptError:
        return r.eval(_PUT_IF_NEWER, 1, *args)


def get(merchant_id):
    """The cached document, or None (a miss, or Redis unavailable)."""
    if not settings.REDIS_URL:
        return local_cache.get(_local_key(merchant_id))
    raw = redisguard.call(lambda r: r.get(key(merchant_id)))
    return json.loads(raw) if raw else None


def reconcile():
    """Write every restriction changed since the last reconciled position, then advance the mark.
    Returns the number of documents written, or None when Redis is unavailable (nothing advanced).
    Idempotent; safe beside on-commit puts and readers (puts never go backwards)."""
    from .models import Restriction

    if not settings.REDIS_URL:
        return 0
    raw_mark = redisguard.call(lambda r: r.get(MARK), default=False)
    if raw_mark is False:
        return None
    mark = int(raw_mark or 0)
    # Appends serialise and commit in position order: everything committed after this snapshot has a
    # higher position than its maximum, so the next run (or the on-commit put) covers it.
    rows = list(Restriction.objects.filter(position__gt=mark).order_by("position"))
    script = _PUT_IF_NEWER
    for start in range(0, len(rows), BATCH):
        batch = rows[start:start + BATCH]

        def write(r, batch=batch):
            pipe = r.pipeline(transaction=False)
            for row in batch:
                doc = row.document()
                pipe.eval(script, 1, key(row.merchant_id), _encode(doc), int(row.position), TIMEOUT)
            return pipe.execute()

        if redisguard.call(write) is None:
            return None
    if rows and redisguard.call(lambda r: r.set(MARK, rows[-1].position)) is None:
        return None
    if not rows and raw_mark is None:
        redisguard.call(lambda r: r.set(MARK, 0))
    return len(rows)


def forget_all():
    """Drop every cached document and the mark (tests, benchmarks)."""
    if not settings.REDIS_URL:
        local_cache.clear()
        return

    def drop(r):
        keys = list(r.scan_iter(match="enforcement:restrictions:*", count=1000))
        if keys:
            r.delete(*keys)
        return True

    redisguard.call(drop)
