"""The graduated policy (处罚阶梯): its steps, who must approve each kind, what each kind restricts, and
adding a version of it.

Policy versions are reference data: added through `policy_version_add` (a PolicyVersionAdded event
carrying the version and its steps, committed with the rows), never edited or deleted, so a penalty
always cites the ladder it was decided under; replay rebuilds them.
"""
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.impact import last_night, summarize
from cases.models import RATE_RISK_POINTS, RiskPoint, Violation
from cases.models.workflows import ViolationState
from cases.strictness import RUNG_FIELDS, compare, compare_policy, require_notice
from eventstore.aggregates import commit
from eventstore.reference import InvalidReferenceData, author_id, next_id, next_ids
from eventstore.store import lock_for_append

from .aggregates import PolicyVersions
from .events import PolicyVersionAdded
from .models import (
    DEFAULT_PROTECTIVE_REVIEW_HOURS,
    DEFAULT_SEVERITY_ORDER,
    PenaltyKind,
    PolicyStep,
    PolicyVersion,
    default_product_steps,
)

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
    PenaltyKind.PRODUCT_RESTRICTION: (0, False),
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


def product_steps_of(policy):
    """[(number, kind, days, weight, "")] of the policy's product ladder (the shipped default without one)."""
    steps = policy.product_steps if policy is not None and policy.product_steps else default_product_steps()
    return [(s["number"], s["kind"], s["duration_days"], Decimal(s["traffic_weight"]), "")
            for s in sorted(steps, key=lambda s: s["number"])]


def severity_of(policy):
    """The policy version's severity order of risk points, most severe first (the shipped one without one)."""
    return tuple(policy.severity_order) if policy is not None and policy.severity_order else DEFAULT_SEVERITY_ORDER


def protective_review_hours_of(policy):
    """Within how many hours a reviewer confirms or lifts a protective severity ban, by the policy version."""
    return policy.protective_review_hours if policy is not None else DEFAULT_PROTECTIVE_REVIEW_HOURS


# A product violation: a rate rule's judgement of one product (contract section 7). It climbs that product's
# own ladder, never the store's. (Clustered complaints also name a product but stay on the store ladder.)
PRODUCT_VIOLATION = Q(risk_point__in=[str(p) for p in RATE_RISK_POINTS]) & ~Q(product_id="")


def standing_violations(merchant_id, *, now=None, window_days=90, products=False):
    """The merchant's violations not overturned, opened in the rolling window ending now: those of the store
    ladder, or with `products` those of the product ladders (product rate violations)."""
    violations = _standing(Violation.objects.filter(merchant_id=merchant_id), now or timezone.now(), window_days)
    return violations.filter(PRODUCT_VIOLATION) if products else violations.exclude(PRODUCT_VIOLATION)


def standing_violations_of(merchant_ids, *, now, window_days):
    """The standing violations of these merchants (one query), each with `on_product_ladder`: True for a
    product violation (its product's ladder), False for one of the store ladder."""
    return _standing(Violation.objects.filter(merchant_id__in=list(merchant_ids)), now, window_days).annotate(
        on_product_ladder=ExpressionWrapper(PRODUCT_VIOLATION, output_field=BooleanField()))


def _standing(violations, now, window_days):
    return violations.filter(opened_at__gt=now - timedelta(days=window_days)).exclude(state__in=OVERTURNED)


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
    doc["product_restrictions"] = _product_restrictions(penalties)
    doc["measures"] = sorted((_measure(p) for p in penalties), key=lambda m: (m["step"], m["kind"], m["penalty_id"]))
    return doc


def _product_restrictions(penalties):
    """[{product_id, can_match_creators, traffic_weight, banned}] of every product a penalty restricts or bans,
    by product id. A product restriction stops creator matchmaking and lowers that product's traffic; a ban
    takes it off sale (traffic 0)."""
    products = {}
    for p in penalties:
        if p.kind not in (PenaltyKind.PRODUCT_RESTRICTION, PenaltyKind.PRODUCT_BAN) or not p.product_id:
            continue
        entry = products.setdefault(p.product_id, {"product_id": p.product_id, "can_match_creators": True,
                                                   "traffic_weight": Decimal("1"), "banned": False})
        entry["can_match_creators"] = False
        if p.kind == PenaltyKind.PRODUCT_BAN:
            entry.update(banned=True, traffic_weight=Decimal("0"))
        else:
            entry["traffic_weight"] = min(entry["traffic_weight"], Decimal(p.traffic_weight))
    return [{**e, "traffic_weight": f"{e['traffic_weight']:.2f}"} for _, e in sorted(products.items())]


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


# --- Adding a version ---------------------------------------------------------------------------

ADD_PERMISSION = "enforcement.add_policyversion"
STEP_FIELDS = ("number", "kind", "duration_days", "traffic_weight", "fallback_kind")
WEIGHT_PLACES = Decimal("0.01")


class InvalidPolicy(InvalidReferenceData):
    """A policy version that cannot be added; a step's errors are keyed "steps[i].field" (i from 0)."""


# The longest rolling window or penalty term a version may set (ten years; a longer term is "no end").
MAX_DAYS = 3650


def _whole(value, minimum=1):
    return not isinstance(value, bool) and isinstance(value, int) and minimum <= value <= 2_147_483_647


def _days(value):
    return _whole(value) and value <= MAX_DAYS


def _weight(value):
    """The traffic weight as a Decimal, or None unless it is a decimal (not a float) from 0 to 1, 2 places."""
    if isinstance(value, float):
        return None
    try:
        weight = value if isinstance(value, Decimal) else Decimal(str(value))
        exact = weight.is_finite() and weight == weight.quantize(WEIGHT_PLACES)
    except (InvalidOperation, ValueError, TypeError):
        return None
    return weight if exact and Decimal(0) <= weight <= Decimal(1) else None


def _step_errors(index, step, errors):
    where = f"steps[{index}]"
    if not isinstance(step, dict) or set(step) - set(STEP_FIELDS) or "number" not in step or "kind" not in step:
        errors[where] = f"a step is a dict with number, kind and optionally {', '.join(STEP_FIELDS[2:])}"
        return None
    kind, fallback = step["kind"], step.get("fallback_kind") or ""
    days, weight = step.get("duration_days"), step.get("traffic_weight", "1")
    if not _whole(step["number"]):
        errors[f"{where}.number"] = "number must be a whole number, at least 1"
    if kind not in PenaltyKind.values or kind == PenaltyKind.PRODUCT_RESTRICTION:
        errors[f"{where}.kind"] = f"{kind!r} is not a penalty of the store ladder"
    if days is not None and not _days(days):
        errors[f"{where}.duration_days"] = (f"duration_days must be a whole number of days from 1 to {MAX_DAYS} "
                                            "(or empty: no end)")
    weight = _weight(weight)
    if weight is None:
        errors[f"{where}.traffic_weight"] = "traffic_weight must be a decimal from 0 to 1 with at most 2 places"
    if fallback and (fallback not in PenaltyKind.values or fallback in PRODUCT_KINDS):
        errors[f"{where}.fallback_kind"] = "fallback_kind must be empty or a penalty other than a product ban"
    return {"number": step["number"], "kind": kind, "duration_days": days, "traffic_weight": weight,
            "fallback_kind": fallback}


PRODUCT_KINDS = (PenaltyKind.PRODUCT_RESTRICTION, PenaltyKind.PRODUCT_BAN)


def _product_step_errors(index, step, errors):
    where = f"product_steps[{index}]"
    fields = ("number", "kind", "duration_days", "traffic_weight")
    if not isinstance(step, dict) or set(step) - set(fields) or "number" not in step or "kind" not in step:
        errors[where] = "a product step is a dict with number, kind and optionally duration_days, traffic_weight"
        return None
    days, weight = step.get("duration_days"), _weight(step.get("traffic_weight", "1"))
    if not _whole(step["number"]):
        errors[f"{where}.number"] = "number must be a whole number, at least 1"
    if step["kind"] not in PRODUCT_KINDS:
        errors[f"{where}.kind"] = f"a product step is one of {', '.join(PRODUCT_KINDS)}"
    if days is not None and not _days(days):
        errors[f"{where}.duration_days"] = (f"duration_days must be a whole number of days from 1 to {MAX_DAYS} "
                                            "(or empty: no end)")
    if weight is None:
        errors[f"{where}.traffic_weight"] = "traffic_weight must be a decimal from 0 to 1 with at most 2 places"
        return None
    return {"number": step["number"], "kind": step["kind"], "duration_days": days,
            "traffic_weight": str(weight.quantize(WEIGHT_PLACES))}


def policy_version_add(*, effective_from, steps, actor, window_days=90, clustered_ban_at=10, note="",
                       product_steps=None, protective_review_hours=DEFAULT_PROTECTIVE_REVIEW_HOURS,
                       severity_order=None, impact_as_of=None):
    """Add a version of the penalty ladder in force from `effective_from`, recorded as a PolicyVersionAdded
    event with its steps (dicts of number, kind, duration_days (None: no end), traffic_weight,
    fallback_kind); step n applies to a merchant's n-th standing violation, numbered 1, 2, ...
    `product_steps` (default DEFAULT_PRODUCT_STEPS: restriction, then ban) are the per-product ladder of the
    product rate violations, dicts of number, kind (product_restriction or product_ban), duration_days,
    traffic_weight; product step n applies to a product's n-th standing product violation. `actor` is
    the system or a reviewer holding enforcement.add_policyversion. `protective_review_hours` is the SLA of a
    protective severity ban's review (shipped 24), `severity_order` the risk points most severe first, every one
    exactly once (shipped DEFAULT_SEVERITY_ORDER), which orders the violations of one evaluation on the ladder.
    A version stricter than the one it replaces (cases.strictness) must apply at least 7 days after today
    (StricterTooSoon); the event keeps the changes and the impact (policy_impact). Raises InvalidPolicy (field
    errors) or NotPermitted. Returns the PolicyVersion, with `.changes` and `.impact`."""
    author_id(actor, ADD_PERMISSION, _("Only a reviewer allowed to change the penalty policy can add a version."))
    errors = {}
    if not isinstance(effective_from, date) or isinstance(effective_from, datetime):
        errors["effective_from"] = "effective_from must be a date"
    if not _days(window_days):
        errors["window_days"] = f"window_days must be a whole number of days from 1 to {MAX_DAYS}"
    if not _whole(clustered_ban_at):
        errors["clustered_ban_at"] = "clustered_ban_at must be a whole number of complaints, at least 1"
    if not isinstance(steps, (list, tuple)) or not steps:
        errors["steps"] = "a policy needs at least one step"
        steps = []
    cleaned = [_step_errors(i, step, errors) for i, step in enumerate(steps)]
    if not errors and [s["number"] for s in cleaned] != list(range(1, len(steps) + 1)):
        errors["steps"] = "steps must be numbered 1, 2, 3, ... in order"
    if product_steps is None:
        product_steps = default_product_steps()
    if not isinstance(product_steps, (list, tuple)) or not product_steps:
        errors["product_steps"] = "the product ladder needs at least one step"
        product_steps = []
    product_cleaned = [_product_step_errors(i, step, errors) for i, step in enumerate(product_steps)]
    if "product_steps" not in errors and all(product_cleaned) and (
            [s["number"] for s in product_cleaned] != list(range(1, len(product_cleaned) + 1))):
        errors["product_steps"] = "product steps must be numbered 1, 2, 3, ... in order"
    if not _whole(protective_review_hours):
        errors["protective_review_hours"] = "protective_review_hours must be a whole number of hours, at least 1"
    if severity_order is None:
        severity_order = list(DEFAULT_SEVERITY_ORDER)
    if (not isinstance(severity_order, (list, tuple)) or len(severity_order) != len(RiskPoint.values)
            or set(severity_order) != set(RiskPoint.values)):
        errors["severity_order"] = f"severity_order must name every risk point once: {', '.join(RiskPoint.values)}"
    if errors:
        raise InvalidPolicy(errors)
    steps = [{**step, "traffic_weight": str(step["traffic_weight"].quantize(WEIGHT_PLACES))} for step in cleaned]
    proposed = {"effective_from": effective_from, "window_days": window_days, "clustered_ban_at": clustered_ban_at,
                "protective_review_hours": protective_review_hours, "severity_order": list(severity_order),
                "steps": steps, "product_steps": product_cleaned}
    impact = policy_impact(proposed, as_of=impact_as_of)
    with transaction.atomic():
        lock_for_append()
        if PolicyVersion.objects.filter(effective_from=effective_from).exists():
            raise InvalidPolicy({"effective_from": f"a policy version from {effective_from} exists already"})
        changes = policy_changes(proposed)
        require_notice(changes, effective_from=effective_from, today=timezone.localdate())
        step_ids = next_ids(PolicyStep, len(cleaned))
        event = PolicyVersionAdded(
            policy_version_id=next_id(PolicyVersion), effective_from=effective_from, window_days=window_days,
            clustered_ban_at=clustered_ban_at, note=note, product_steps=product_cleaned,
            steps=[{**step, "id": pk} for pk, step in zip(step_ids, steps, strict=False)],
            protective_review_hours=protective_review_hours, severity_order=list(severity_order),
            changes=[c.as_data() for c in changes], impact=impact,
        )
        aggregate = PolicyVersions.load(PolicyVersions.KEY)
        commit(aggregate, event, actor=actor, expected_version=aggregate.version)
    version = PolicyVersion.objects.get(pk=event.policy_version_id)
    version.changes, version.impact = event.changes, impact
    return version


def policy_snapshot(version):
    """A PolicyVersion (with its steps) as cases.strictness compares it."""
    return {"window_days": version.window_days, "clustered_ban_at": version.clustered_ban_at,
            "protective_review_hours": version.protective_review_hours, "severity_order": list(severity_of(version)),
            "steps": [{"number": n, "kind": k, "duration_days": d, "traffic_weight": str(w), "fallback_kind": f}
                      for n, k, d, w, f in steps_of(version)],
            "product_steps": [{"number": n, "kind": k, "duration_days": d, "traffic_weight": str(w)}
                              for n, k, d, w, _f in product_steps_of(version)]}


def _replaced(effective_from):
    return PolicyVersion.objects.filter(effective_from__lt=effective_from).order_by("-effective_from").first()


def policy_changes(proposed):
    """[strictness.Change] of a proposed policy snapshot (with its effective_from) against the version it
    replaces; `proposed` may also be a saved PolicyVersion."""
    if isinstance(proposed, PolicyVersion):
        proposed = {**policy_snapshot(proposed), "effective_from": proposed.effective_from}
    previous = _replaced(proposed["effective_from"])
    return compare_policy(previous and policy_snapshot(previous), proposed)


def _top_rung(steps, count):
    step = next((s for s in steps if s["number"] == count), steps[-1])
    return {f: step.get(f, "") for f in RUNG_FIELDS}


def policy_impact(proposed, *, as_of=None, now=None):
    """The impact of a proposed policy snapshot: the merchants with a standing violation under its window
    (`violation`), and those whose highest rung (store ladder, or a product's) would be stricter than under the
    version it replaces, or whose standing clustered complaints would now ban a product (`ladder_up`). One
    grouped query over the violations of the longer window; nobody is warned by a policy (`warn` is 0)."""
    as_of = as_of or last_night()
    now = now or timezone.now()
    previous = _replaced(proposed["effective_from"])
    old = policy_snapshot(previous) if previous else None
    windows = {"new": proposed["window_days"], "old": old["window_days"] if old else 0}
    product = PRODUCT_VIOLATION
    rows = (Violation.objects.exclude(state__in=OVERTURNED)
            .filter(opened_at__gt=now - timedelta(days=max(windows.values())))
            .values("merchant_id", "product_id", "risk_point")
            .annotate(**{f"{name}_{ladder}": Count("pk", filter=Q(opened_at__gt=now - timedelta(days=days)) & (
                          product if ladder == "product" else ~product))
                         for name, days in windows.items() for ladder in ("store", "product")},
                      old_banned=Count("pk", filter=Q(risk_point=RiskPoint.CLUSTERED_COMPLAINTS,
                                                      value__gte=old["clustered_ban_at"] if old else 10**9)),
                      new_banned=Count("pk", filter=Q(risk_point=RiskPoint.CLUSTERED_COMPLAINTS,
                                                      value__gte=proposed["clustered_ban_at"]))))
    counts = {}  # (merchant, ladder key) -> {"new": n, "old": n}
    violating, moved = set(), set()
    for row in rows:
        merchant = row["merchant_id"]
        for ladder in ("store", "product"):
            key = (merchant, "" if ladder == "store" else row["product_id"], ladder)
            entry = counts.setdefault(key, {"new": 0, "old": 0})
            entry["new"] += row[f"new_{ladder}"]
            entry["old"] += row[f"old_{ladder}"]
        if row["new_banned"] > row["old_banned"]:
            moved.add(merchant)
    for (merchant, _product, ladder), n in counts.items():
        if not n["new"]:
            continue
        violating.add(merchant)
        steps = "steps" if ladder == "store" else "product_steps"
        after = _top_rung(proposed[steps], n["new"])
        if not n["old"] or any(c.stricter for c in compare(_top_rung(old[steps], n["old"]), after, RUNG_FIELDS)):
            moved.add(merchant)
    return summarize(as_of, {"warn": set(), "violation": violating, "ladder_up": moved})


def policy_version_added(version, steps):
    """The PolicyVersionAdded event of an existing version and its steps (any model classes with their
    fields: the data migration passes historical ones)."""
    return PolicyVersionAdded(
        policy_version_id=version.pk, effective_from=version.effective_from, window_days=version.window_days,
        clustered_ban_at=version.clustered_ban_at, note=version.note,
        product_steps=getattr(version, "product_steps", None) or None,
        protective_review_hours=getattr(version, "protective_review_hours", None),
        severity_order=getattr(version, "severity_order", None) or None,
        steps=[{"id": s.pk, "number": s.number, "kind": s.kind, "duration_days": s.duration_days,
                "traffic_weight": str(Decimal(s.traffic_weight).quantize(WEIGHT_PLACES)), "fallback_kind": s.fallback_kind}
               for s in sorted(steps, key=lambda s: s.number)],
    )
