"""Enforcement reads shared by the API, the public notice and admin."""
from django.utils import timezone

from . import cache
from .models import Penalty, PenaltyKind, PenaltyState, Restriction


def restriction_document(merchant_id):
    """The merchant's current restrictions: the cache, else the projection (then cached)."""
    doc = cache.get(merchant_id)
    if doc is None:
        row = Restriction.objects.filter(merchant_id=merchant_id).first() or Restriction(merchant_id=merchant_id)
        doc = row.document()
        cache.put(doc)
    return doc


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
