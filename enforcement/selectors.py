"""Enforcement reads shared by the API, the public notice and admin."""
import uuid

from django.db.models import Q
from django.utils import timezone

from riskcase.lib.precompiled import Pending, Precompiled

from . import cache
from .models import Penalty, PenaltyKind, PenaltyState, Restriction


def restriction_document(merchant_id):
    """The merchant's current restrictions: the cache, else the projection (then cached, unless a newer
    document got there first). Redis down or slow: the projection, without waiting (enforcement.cache)."""
    doc = cache.get(merchant_id)
    return stored_document(merchant_id) if doc is None else doc


def stored_document(merchant_id):
    """A cache miss's document: the projection's row (the default document when there is none), then cached
    unless a newer document got there first."""
    doc = (restriction_row(merchant_id) or Restriction(merchant_id=merchant_id)).document()
    cache.put(doc)
    return doc


# The cache miss's read, compiled once per connection and prepared once per session (riskcase.lib.precompiled):
# compiling it was 3/4 of a miss's cost, and the server's parsing and planning half of what remained of its own.
_restriction_row = Precompiled(lambda merchant_id: Restriction.objects.filter(merchant_id=merchant_id).order_by()[:1],
                               merchant_id=str)


def restriction_row(merchant_id):
    """Restriction.objects.filter(merchant_id=...).first(): the merchant's row of the projection, or None."""
    found = _restriction_row(merchant_id=merchant_id)
    return found[0] if found else None


def public_notices(now=None):
    """Merchants under a public warning now: name, risk point(s), period (公示)."""
    from cases.models import Violation
    from metrics.models import Merchant

    now = now or timezone.now()
    rows = list(Penalty.objects.filter(kind=PenaltyKind.PUBLIC_WARNING, state=PenaltyState.ACTIVE,
                                       starts_at__lte=now, ends_at__gt=now).order_by("starts_at", "merchant_id"))
    names = dict(Merchant.objects.filter(merchant_id__in={r.merchant_id for r in rows}).values_list("merchant_id", "name"))
    vids = {v for r in rows for v in r.violation_ids}
    points = dict(Violation.objects.filter(pk__in=vids).values_list("pk", "risk_point"))
    points = {str(k): v for k, v in points.items()}
    return [{
        "merchant_id": r.merchant_id,
        "name": names.get(r.merchant_id, r.merchant_id),
        "risk_points": sorted({points[v] for v in r.violation_ids if v in points}),
        "starts_at": r.starts_at,
        "ends_at": r.ends_at,
    } for r in rows]


def in_force(now):
    """Q: a penalty imposed and not yet ended at `now` (an overdue one the expiry task has not reached
    yet is no longer in force)."""
    return (Q(state=PenaltyState.ACTIVE, starts_at__lte=now)
            & (Q(ends_at__isnull=True) | Q(ends_at__gt=now)))


def ended(now):
    """Q: a penalty that was in force and is not any more: lifted, expired, or past its end."""
    return (Q(state__in=(PenaltyState.LIFTED, PenaltyState.EXPIRED), starts_at__isnull=False)
            | Q(state=PenaltyState.ACTIVE, ends_at__lte=now))


def ever_in_force(now):
    """Q: in force now or in the past; proposals awaiting approval (or lifted before) never were."""
    return in_force(now) | ended(now)


def merchant_penalties(merchant_id, *, now, status=None):
    """The merchant's penalties that were ever in force, newest first; `status` "active" or "past".
    Proposals still awaiting approval (or lifted before approval) never restricted the merchant."""
    penalties = Penalty.objects.filter(merchant_id=merchant_id)
    if status == "active":
        return penalties.filter(in_force(now))
    if status == "past":
        return penalties.filter(ended(now))
    return penalties.filter(ever_in_force(now))


_behind = {}  # the fields read (None: all) -> the query of violations_behind, compiled once per connection


def violations_behind(penalties, fields=None):
    """{violation id (str): Violation} for every violation behind these penalties, in one query; only `fields`
    of them when given (the others are read on access)."""
    return violations_behind_read(penalties, fields).run()


def violations_behind_read(penalties, fields=None):
    """violations_behind's read, not yet run (riskcase.lib.precompiled.Pending)."""
    from cases.models import Violation

    ids = {vid for p in penalties for vid in p.violation_ids}
    if not ids:
        return Pending.ready({})
    fields = tuple(fields) if fields else None
    query = _behind.get(fields)
    if query is None:
        query = _behind[fields] = Precompiled(
            lambda ids: Violation.objects.filter(pk__in=ids).only(*fields) if fields
            else Violation.objects.filter(pk__in=ids), ids=[uuid.UUID])
    return query.later(ids=[uuid.UUID(str(vid)) for vid in ids]).then(lambda found: {str(v.pk): v for v in found})
