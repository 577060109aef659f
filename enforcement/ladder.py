"""The penalty ladder (处罚阶梯) as a pure function of a merchant's standing violations.

A violation *stands* while it is not overturned (appeal won, withdrawn) and was recorded within the
policy's rolling window. The standing violations are ordered by recording time; violations recorded by
one evaluation (one nightly run: their events share its correlation id) are ordered among themselves by
the policy version's severity order (`PolicyVersion.severity_order`), the least severe first, so the most
severe carries the highest rung. The n-th standing violation carries step n of the policy (the last step
beyond it). `rungs()` says which penalty each standing violation should carry;
enforcement.services.merchant_restep makes the live penalties equal to it.

Product violations (a rate rule's judgement of one product, contract section 7) do not climb the store
ladder: each product has its own, `product_rungs()`, where the n-th standing product violation of that
product carries product step n of the policy (shipped: a product restriction, then a product ban).
"""
from dataclasses import dataclass
from decimal import Decimal

from eventstore.store import openings

from .models import DEFAULT_SEVERITY_ORDER, PenaltyKind


@dataclass(frozen=True)
class Rung:
    violation_id: str
    step: int
    kind: str
    duration_days: int | None
    traffic_weight: Decimal
    product_id: str


def _severity(risk_point, severity):
    return severity.index(risk_point) if risk_point in severity else len(severity)


def order(violations, opened, severity=DEFAULT_SEVERITY_ORDER):
    """The standing violations in ladder order. `opened` maps a violation's stream to (position of its
    recording, correlation id of the unit of work that recorded it); `severity` is the policy version's
    order of risk points, most severe first (the shipped DEFAULT_SEVERITY_ORDER without one)."""
    severity = list(severity)
    group_start = {}
    for v in violations:
        position, group = opened[v.stream]
        group_start[group] = min(group_start.get(group, position), position)
    return sorted(violations, key=lambda v: (group_start[opened[v.stream][1]], -_severity(v.risk_point, severity),
                                             opened[v.stream][0]))


def ordered_standing(violations, severity=DEFAULT_SEVERITY_ORDER):
    """`order()` with the openings read from the store (one query)."""
    violations = list(violations)
    return order(violations, openings(v.stream for v in violations), severity)


def rungs(ordered, steps):
    """[Rung] for violations already in ladder order. `steps` is the policy's [(number, kind, days,
    weight, fallback)] sorted by number; a product ban needs a product (else its fallback kind)."""
    result = []
    for n, violation in enumerate(ordered, 1):
        number, kind, days, weight, fallback = next((s for s in steps if s[0] == n), steps[-1])
        product = ""
        if kind == PenaltyKind.PRODUCT_BAN:
            if violation.product_id:
                product, weight = violation.product_id, Decimal("1")
            else:
                kind = fallback or PenaltyKind.THROTTLING
        result.append(Rung(str(violation.pk), min(n, number), kind, days, Decimal(weight), product))
    return result


def product_rungs(ordered, steps):
    """[Rung] of the product ladders: `ordered` are standing product violations in ladder order, `steps` the
    policy's product steps [(number, kind, days, weight, "")] by number; each product counts its own."""
    result, seen = [], {}
    for violation in ordered:
        n = seen[violation.product_id] = seen.get(violation.product_id, 0) + 1
        number, kind, days, weight, _ = next((s for s in steps if s[0] == n), steps[-1])
        result.append(Rung(str(violation.pk), min(n, number), kind, days, Decimal(weight), violation.product_id))
    return result
