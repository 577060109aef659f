"""Penalties (处罚) as a merchant sees them: what each restricts, for how long, and why; the same
plain dicts feed diagnosis/, penalties/ and the merchant web pages."""
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

from django.db.models import Count, Window
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cases.models import Violation
from enforcement.models import Penalty, PenaltyKind, PenaltyState
from enforcement.policy import restrictions_for
from enforcement.selectors import merchant_penalties, violations_behind_read
from riskcase.lib.choices import display_labels
from riskcase.lib.precompiled import Precompiled, run_plans

__all__ = ["active_penalties_plan", "describe", "describe_all", "merchant_penalties", "penalties_ending_read",
           "restriction_labels"]

# What a penalty restricts, in the order a merchant reads them (enforcement.policy.restrictions_for).
RESTRICTIONS = ("public_warning", "no_creator_matchmaking", "no_ads", "no_campaigns", "traffic_weight",
                "banned_products", "product_restricted", "store_removal")

END_CAUSES = ("expired", "appeal_won", "violation_withdrawn", "re_evaluated", "re_stepped", "left_window",
              "reviewer")


def restriction_labels():
    return {
        "public_warning": _("Public warning: your store is listed on the platform's public notice."),
        "no_creator_matchmaking": _("No matchmaking with creators."),
        "no_ads": _("No advertising."),
        "no_campaigns": _("No joining platform campaigns."),
        "traffic_weight": _("Reduced traffic weight."),
        "banned_products": _("Product taken off sale."),
        "product_restricted": _("This product only: no matchmaking with creators and reduced traffic."),
        "store_removal": _("Store removed from the platform."),
    }


_translated = {}  # language -> _labels(): the catalogues do not change while running


def _sentences():
    """The fixed sentences describe() writes (some with %-placeholders), by what they say."""
    return {
        "expired": _("Ended at the end of its term."),
        "appeal_won": _("Lifted: your appeal against the violation behind it was accepted."),
        "violation_withdrawn": _("Lifted: the platform withdrew the violation behind it."),
        "re_stepped": _("Lifted: your standing violations changed, so this step of the penalty ladder "
                        "no longer applies."),
        "re_evaluated": _("Lifted: after a violation was overturned, your remaining violations no longer "
                          "reach this step of the penalty ladder."),
        "reviewer_reason": _("Lifted by a platform reviewer: %(reason)s"),
        "reviewer": _("Lifted by a platform reviewer."),
        "product_ban": _("Imposed for a violation (%(risk_points)s) concerning product %(product)s."),
        "ladder": _("Imposed for a violation (%(risk_points)s): step %(step)d of the penalty ladder, by the number "
                    "of your violations in the rolling window."),
    }


def _labels():
    """Every label and sentence describe() shows, translated once per language (read-only)."""
    language = get_language()
    labels = _translated.get(language)
    if labels is None:
        labels = _translated[language] = MappingProxyType({
            "restriction": MappingProxyType(restriction_labels()), "kind": display_labels(Penalty, "kind"),
            "state": display_labels(Penalty, "state"), "risk_point": display_labels(Violation, "risk_point"),
            "violation_state": display_labels(Violation, "state"), "sentence": MappingProxyType(_sentences())})
    return labels


# What describe() reads of a violation behind a penalty, and of a penalty (restrictions_for included).
VIOLATION_FIELDS = ("id", "risk_point", "product_id", "opened_at", "state")
PENALTY_FIELDS = ("id", "kind", "state", "product_id", "traffic_weight", "step", "protective", "discretionary",
                  "starts_at", "ends_at", "statement", "violation_ids", "closed_at", "lift_cause", "closed_reason")


_codes = {}  # (kind, product id, traffic weight) -> restrictions_of's codes
CODES_REMEMBERED = 4096


def restrictions_of(penalty):
    """The codes of what one penalty restricts (RESTRICTIONS), from the same fold as the restrictions
    document downstream systems read, so the two never disagree. What a penalty restricts follows from its kind,
    product and traffic weight alone (the rest of what the fold reads goes into its `measures`, not read here), so
    the codes are worked out once per such triple (a test holds the fold to that)."""
    key = (penalty.kind, penalty.product_id, penalty.traffic_weight)
    codes = _codes.get(key)
    if codes is None:
        if len(_codes) >= CODES_REMEMBERED:
            _codes.clear()
        codes = _codes[key] = _restriction_codes(_Restricting(*key))
    return list(codes)


class _Restricting:
    """A penalty as far as what it restricts goes (restrictions_of's key), its other fields neutral."""

    pk, step, protective, discretionary, ends_at = "", 0, False, False, None

    def __init__(self, kind, product_id, traffic_weight):
        self.kind, self.product_id, self.traffic_weight = kind, product_id, traffic_weight


def _restriction_codes(penalty):
    doc = restrictions_for([penalty])
    found = {
        "public_warning": doc["public_warning"],
        "no_creator_matchmaking": not doc["can_match_creators"],
        "no_ads": not doc["can_advertise"],
        "no_campaigns": not doc["can_join_campaigns"],
        "traffic_weight": Decimal(doc["traffic_weight"]) < 1 and not doc["removed"],
        "banned_products": bool(doc["banned_products"]),
        "product_restricted": any(not p["banned"] for p in doc["product_restrictions"]),
        "store_removal": doc["removed"],
    }
    return tuple(code for code in RESTRICTIONS if found[code])


def _end(penalty, state, now, sentences):
    """(cause, translated reason) of a penalty (in `state`, its state read once: a django-fsm field's every read
    goes through a descriptor) no longer in force, or (None, "") while it is."""
    if state == PenaltyState.EXPIRED or (
            state == PenaltyState.ACTIVE and penalty.ends_at is not None and penalty.ends_at <= now):
        return "expired", sentences["expired"]
    if state != PenaltyState.LIFTED:
        return None, ""
    cause, detail = penalty.lift_cause, penalty.closed_reason
    if cause in ("appeal_won", "violation_withdrawn", "re_evaluated"):
        return cause, sentences[cause]
    if cause in ("re_stepped", "left_window"):
        return cause, detail or sentences["re_stepped"]
    if detail:
        return "reviewer", sentences["reviewer_reason"] % {"reason": detail}
    return "reviewer", sentences["reviewer"]


def _reasons(penalty, violations, risk_point_labels, sentences):
    if penalty.statement:  # a reviewer's statement (discretionary) or the protective ban's own
        return penalty.statement
    points = sorted({risk_point_labels[v.risk_point] for v in violations if v.risk_point in risk_point_labels})
    if penalty.kind == PenaltyKind.PRODUCT_BAN and penalty.product_id:
        return sentences["product_ban"] % {"risk_points": ", ".join(points) or "-", "product": penalty.product_id}
    return sentences["ladder"] % {"risk_points": ", ".join(points) or "-", "step": penalty.step}


def describe(penalty, violations_by_id, *, now, labels=None):
    """One penalty as a plain dict (the shape of serializers.PenaltySerializer)."""
    violations = [violations_by_id[v] for v in penalty.violation_ids if v in violations_by_id]
    labels = labels or _labels()
    points, states = labels["risk_point"], labels["violation_state"]
    codes, state = restrictions_of(penalty), penalty.state
    end_cause, end_reason = _end(penalty, state, now, labels["sentence"])
    return {
        "id": str(penalty.pk),
        "kind": penalty.kind,
        "kind_label": labels["kind"].get(penalty.kind, penalty.kind),
        "state": state,
        "state_label": labels["state"].get(state, state),
        "status": "past" if end_cause else "active",
        "scope": "product" if penalty.product_id else "store",
        "product_id": penalty.product_id,
        "restrictions": [{"code": c, "label": labels["restriction"][c]} for c in codes],
        "traffic_weight": penalty.traffic_weight if "traffic_weight" in codes else None,
        "step": penalty.step,
        "basis": "protective" if penalty.protective else "discretionary" if penalty.discretionary else "ladder",
        "starts_at": penalty.starts_at,
        "ends_at": penalty.ends_at,
        "reasons": _reasons(penalty, violations, points, labels["sentence"]),
        "violation_id": violations[0].pk if violations else None,
        "violations": [{
            "id": v.pk, "risk_point": v.risk_point, "risk_point_label": points.get(v.risk_point, v.risk_point),
            "product_id": v.product_id, "opened_at": v.opened_at, "state": state,
            "state_label": states.get(state, state),
        } for v in violations for state in (v.state,)],
        "ended_at": (penalty.closed_at or penalty.ends_at) if end_cause else None,
        "end_cause": end_cause,
        "end_reason": end_reason,
    }


def describe_all(penalties, *, now):
    """describe() for each penalty, the violations behind all of them read in one query, the labels translated
    once."""
    [described] = run_plans(_described(list(penalties), now=now))
    return described


def _described(penalties, *, now):
    """describe_all's plan (riskcase.lib.precompiled.run_plans)."""
    found = yield violations_behind_read(penalties, fields=VIOLATION_FIELDS)
    labels = _labels()
    return [describe(p, found, now=now, labels=labels) for p in penalties]


# The two queries below per limit (a LIMIT is part of the SQL), each compiled once per database connection: the
# limits are the callers' few constants.
_first_in_force, _first_ending = {}, {}


def active_penalties_plan(merchant_id, *, now, limit):
    """(the first `limit` of the merchant's penalties in force at `now`, newest first, as describe() dicts; how
    many are in force): a plan (riskcase.lib.precompiled.run_plans) of two reads whatever their number, the page
    and its count in one (COUNT(*) OVER (), counted before the LIMIT), then the violations behind the page."""
    query = _first_in_force.get(limit)
    if query is None:
        query = _first_in_force[limit] = Precompiled(
            lambda merchant_id, now: merchant_penalties(merchant_id, now=now, status="active").only(*PENALTY_FIELDS)
            .annotate(in_force_total=Window(Count("pk"))).order_by("-starts_at", "-pk")[:limit],
            merchant_id=str, now=datetime)
    penalties = yield query.later(merchant_id=merchant_id, now=now)
    described = yield from _described(penalties, now=now)
    return described, penalties[0].in_force_total if penalties else 0


def penalties_ending_read(merchant_id, *, now, until, limit):
    """[{id, kind, kind_label, ends_at}] of the merchant's penalties in force at `now` that end by `until`, the
    soonest first, at most `limit`: one read, not yet run (riskcase.lib.precompiled.Pending)."""
    query = _first_ending.get(limit)
    if query is None:
        query = _first_ending[limit] = Precompiled(
            lambda merchant_id, now, until: merchant_penalties(merchant_id, now=now, status="active")
            .filter(ends_at__isnull=False, ends_at__lte=until).only("id", "kind", "ends_at")
            .order_by("ends_at", "-starts_at", "-pk")[:limit],
            merchant_id=str, now=datetime, until=datetime)

    def read(found):
        kinds = display_labels(Penalty, "kind")
        return [{"id": str(p.pk), "kind": p.kind, "kind_label": kinds.get(p.kind, p.kind), "ends_at": p.ends_at}
                for p in found]
    return query.later(merchant_id=merchant_id, now=now, until=until).then(read)
