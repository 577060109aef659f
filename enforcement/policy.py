"""The graduated policy: which step a merchant's next violation earns (处罚阶梯)."""
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from cases.models import Violation
from eventstore.models import Event
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


@dataclass(frozen=True)
class Decision:
    kind: str
    step: int
    duration_days: int | None
    traffic_weight: Decimal
    product_id: str
    policy_version_id: int | None

    @property
    def approvals_needed(self):
        return APPROVALS[self.kind][0]

    @property
    def senior_only(self):
        return APPROVALS[self.kind][1]


def policy_in_force(day=None):
    day = day or timezone.localdate()
    return PolicyVersion.objects.filter(effective_from__lte=day).order_by("-effective_from").first()


def _steps(policy):
    if policy is None:
        return [(n, k, d, Decimal(w), f) for n, k, d, w, f in DEFAULT_STEPS]
    return [(s.number, s.kind, s.duration_days, s.traffic_weight, s.fallback_kind) for s in policy.steps.order_by("number")]


def standing_violations(merchant_id, *, now=None, window_days=90):
    """The merchant's violations not overturned, opened in the rolling window ending now."""
    now = now or timezone.now()
    return (Violation.objects.filter(merchant_id=merchant_id, opened_at__gt=now - timedelta(days=window_days))
            .exclude(state__in=OVERTURNED))


def _rank(violation, standing):
    """The violation's rank, by recording order, among the standing ones (itself included), not their number
    now: violations recorded together (one nightly run) climb the ladder one step each."""
    streams = {f"violation-{pk}" for pk in standing.values_list("pk", flat=True)} | {violation.stream}
    positions = dict(Event.objects.filter(stream__in=streams, version=1).values_list("stream", "pk"))
    mine = positions.get(violation.stream)
    return max(1, sum(1 for p in positions.values() if mine is None or p <= mine))


def decide(violation, *, now=None):
    """The penalty the violation earns, by the count of standing violations and its severity."""
    now = now or timezone.now()
    policy = policy_in_force(timezone.localdate(now))
    window = policy.window_days if policy else 90
    ban_at = policy.clustered_ban_at if policy else 10
    steps = _steps(policy)
    pid = policy.pk if policy else None
    if (violation.risk_point == "clustered_complaints" and violation.product_id
            and violation.value is not None and violation.value >= ban_at):
        ban = next((s for s in steps if s[1] == PenaltyKind.PRODUCT_BAN), None)
        days = ban[2] if ban else 60
        return Decision(PenaltyKind.PRODUCT_BAN, ban[0] if ban else 4, days, Decimal("1"), violation.product_id, pid)
    count = _rank(violation, standing_violations(violation.merchant_id, now=now, window_days=window))
    number, kind, days, weight, fallback = next((s for s in steps if s[0] == count), steps[-1])
    product = ""
    if kind == PenaltyKind.PRODUCT_BAN:
        if violation.product_id:
            product = violation.product_id
            weight = Decimal("1")
        else:
            kind = fallback or PenaltyKind.THROTTLING
    return Decision(kind, min(count, number) if count > number else number, days, Decimal(weight), product, pid)


def restrictions_for(penalties):
    """Fold a merchant's active penalties into the restrictions document's fields."""
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
    return doc
