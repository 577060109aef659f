"""The graduated policy (处罚阶梯): its steps, who must approve each kind, and what each kind restricts."""
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from cases.models import Violation
from cases.models.workflows import ViolationState

from .models import PenaltyKind, PolicyVersion

OVERTURNED = (ViolationState.APPEAL_SUCCEEDED, ViolationState.WITHDRAWN)

# Shipped default (issue 5): (count, kind, days, weight, fallback without a product)
DEFAULT_STEPS = [
    (1, PenaltyKind.PUBLIC_WARNING, 7, "1", ""),
    (2, PenaltyKind.RESTRICTED_PROMOTION, 14, "1", ""),
    (3, PenaltyKind.THROTTLING, 30, "0.5", ""),
    (4, PenaltyKind.PRODUCT_BAN, 60, "0.5", PenaltyKind.THROTTLING),
    (5, PenaltyKind.STORE_REMOVAL, None, "0", ""),
]

# Steps up to throttling are imposed at once; a product ban needs one reviewer, store removal two seniors.
APPROVALS = {
    PenaltyKind.PUBLIC_WARNING: (0, False),
    PenaltyKind.RESTRICTED_PROMOTION: (0, False),
    PenaltyKind.THROTTLING: (0, False),
    PenaltyKind.PRODUCT_BAN: (1, False),
    PenaltyKind.STORE_REMOVAL: (2, True),
}


def policy_in_force(day=None):
    day = day or timezone.localdate()
    return PolicyVersion.objects.filter(effective_from__lte=day).order_by("-effective_from").first()


def steps_of(policy):
    """[(number, kind, days, weight, fallback)] of the policy (the shipped default without one), by number."""
    if policy is None:
        return [(n, k, d, Decimal(w), f) for n, k, d, w, f in DEFAULT_STEPS]
    return [(s.number, s.kind, s.duration_days, s.traffic_weight, s.fallback_kind) for s in policy.steps.order_by("number")]


def standing_violations(merchant_id, *, now=None, window_days=90):
    """The merchant's violations not overturned, opened in the rolling window ending now."""
    now = now or timezone.now()
    return (Violation.objects.filter(merchant_id=merchant_id, opened_at__gt=now - timedelta(days=window_days))
            .exclude(state__in=OVERTURNED))


def restrictions_for(penalties):
    """Fold a merchant's active penalties into the restrictions document's fields; `measures` lists each
    penalty in force with its basis (the ladder, a reviewer's discretion, or a protective severity ban)."""
    doc = {"public_warning": False, "can_match_creators": True, "can_advertise": True,
           "can_join_campaigns": True, "traffic_weight": Decimal("1"), "banned_products": set(), "removed": False}
    for p in penalties:
        if p.kind == PenaltyKind.PUBLIC_WARNING:
            doc["public_warning"] = True
        elif p.kind == PenaltyKind.RESTRICTED_PROMOTION:
            doc.update(can_match_creators=False, can_advertise=False, can_join_campaigns=False)
        elif p.kind == PenaltyKind.THROTTLING:
            doc.update(can_match_creators=False, can_advertise=False, can_join_campaigns=False)
            doc["traffic_weight"] = min(doc["traffic_weight"], p.traffic_weight)
        elif p.kind == PenaltyKind.PRODUCT_BAN:
            doc["banned_products"].add(p.product_id)
        elif p.kind == PenaltyKind.STORE_REMOVAL:
            doc.update(removed=True, can_match_creators=False, can_advertise=False, can_join_campaigns=False,
                       traffic_weight=Decimal("0"))
    doc["banned_products"] = sorted(doc["banned_products"])
    doc["measures"] = sorted((_measure(p) for p in penalties), key=lambda m: (m["step"], m["kind"], m["penalty_id"]))
    return doc


def _measure(penalty):
    """One penalty in force as downstream systems see it: what, why (ladder, discretionary, protective), until."""
    return {
        "penalty_id": str(penalty.pk),
        "kind": penalty.kind,
        "step": penalty.step,
        "product_id": penalty.product_id,
        "basis": "protective" if penalty.protective else "discretionary" if penalty.discretionary else "ladder",
        "ends_at": penalty.ends_at.isoformat() if penalty.ends_at else None,
    }
