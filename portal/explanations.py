"""What a merchant is told about why a case was opened: the numbers of the judgement, never the
internals kept beside them (threshold version ids, other merchants named by the related-entity rule)."""
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from cases.models import RATE_RISK_POINTS, RiskPoint
from riskcase.lib.charts import percent

# Keys of a case's stored explanation that a merchant may see.
VISIBLE_KEYS = ("kind", "value", "threshold", "numerator", "denominator", "window_start", "window_end", "category")


def merchant_explanation(case):
    """The merchant-facing explanation of a warning or violation: the numbers and one sentence."""
    stored = case.explanation or {}
    visible = {key: stored.get(key) for key in VISIBLE_KEYS if key in stored}
    visible.setdefault("window_start", case.window_start.isoformat())
    visible.setdefault("window_end", case.window_end.isoformat())
    visible.setdefault("value", None if case.value is None else str(case.value))
    visible.setdefault("threshold", None if case.threshold is None else str(case.threshold))
    visible["summary"] = _summary(case, visible)
    return visible


def _summary(case, facts):
    label = RiskPoint(case.risk_point).label if case.risk_point in RiskPoint.values else case.risk_point
    params = {
        "risk_point": label, "start": facts["window_start"], "end": facts["window_end"],
        "value": facts.get("value"), "threshold": facts.get("threshold"),
        "numerator": facts.get("numerator"), "denominator": facts.get("denominator"),
    }
    if case.risk_point in RATE_RISK_POINTS and facts.get("value") is not None:
        # Rates as percentages with two decimals, the same everywhere a rate is shown.
        params.update(value=percent(facts["value"]), threshold=percent(facts.get("threshold")) or "–")
        if facts.get("denominator") is not None:
            return _("%(risk_point)s from %(start)s to %(end)s was %(value)s (%(numerator)s of %(denominator)s "
                     "orders), at or above %(threshold)s.") % params
        return _("%(risk_point)s from %(start)s to %(end)s was %(value)s, at or above %(threshold)s.") % params
    if facts.get("value") is not None and facts.get("threshold") is not None:
        # Count rules: whole numbers with their unit (complaints on a product, orders not served).
        params.update(value=_whole(facts["value"]), threshold=_whole(facts["threshold"]))
        if case.risk_point == RiskPoint.CLUSTERED_COMPLAINTS:
            return _("%(risk_point)s: %(value)s complaints from %(start)s to %(end)s, at or above "
                     "%(threshold)s.") % params
        if case.risk_point == RiskPoint.SERVICE_NOT_PROVIDED:
            return _("%(risk_point)s: %(value)s orders from %(start)s to %(end)s, at or above "
                     "%(threshold)s.") % params
        return _("%(risk_point)s: %(value)s from %(start)s to %(end)s, at or above %(threshold)s.") % params
    if case.risk_point == RiskPoint.RELATED_ENTITY:
        return _("A merchant of the same legal entity has an upheld violation.")
    return _("%(risk_point)s: opened by a reviewer.") % params


def _whole(number):
    try:
        value = Decimal(str(number))
    except InvalidOperation:
        return number
    return str(value.to_integral_value()) if value == value.to_integral_value() else str(value.normalize())
