"""Rule changes as merchants read them: the versions recorded but not yet in force for a category (thresholds,
rule parameters, the penalty policy), each with its changes against the version it replaces (cases.strictness),
labelled in the merchant's language. Shared by the merchants' pages, their API and the notifications."""
from datetime import date
from decimal import Decimal

from django.db.models import Value
from django.utils.translation import gettext as _

from cases.models import RiskPoint, RuleParameterVersion, ThresholdVersion
from cases.thresholds import rule_parameters_changes, threshold_changes
from riskcase.lib.charts import percent
from riskcase.lib.precompiled import Pending, Precompiled

from .models import PenaltyKind, PolicyVersion
from .policy import policy_changes

THRESHOLD, RULE_PARAMETERS, POLICY = "threshold", "rule_parameters", "policy"


def rule_label(rule, risk_point=""):
    if rule == THRESHOLD:
        return _("Threshold of %(rate)s") % {"rate": RiskPoint(risk_point).label} if risk_point else _("Threshold")
    if rule == RULE_PARAMETERS:
        return _("Parameters of the count rules")
    return _("Penalty policy")


def field_label(rule, field):
    """The merchant-facing name of a changed field ("steps[2].kind" is the 2nd rung's penalty)."""
    if rule in (THRESHOLD, RULE_PARAMETERS):
        model = ThresholdVersion if rule == THRESHOLD else RuleParameterVersion
        return str(model._meta.get_field(field).verbose_name)
    ladder, _sep, part = field.partition("].")
    if part:
        name, number = ladder.split("[")
        parts = {"kind": _("penalty"), "duration_days": _("duration (days)"), "traffic_weight": _("traffic weight"),
                 "fallback_kind": _("penalty when no product is concerned")}
        rung = _("product violation %(n)s") if name == "product_steps" else _("violation %(n)s")
        return f"{rung % {'n': number}}: {parts.get(part, part)}"
    return str(PolicyVersion._meta.get_field(field).verbose_name)


RATE_FIELDS = ("limit", "warn_at")  # a threshold's lines: rates, shown as percentages like every rate


def _value(field, value, rule=None):
    if rule == THRESHOLD and field in RATE_FIELDS and value not in (None, ""):
        return percent(Decimal(str(value)))
    if isinstance(value, str) and value in PenaltyKind.values:
        return str(PenaltyKind(value).label)
    if value is None and field.endswith("duration_days"):
        return _("no end")
    if isinstance(value, list):
        return " > ".join(str(RiskPoint(v).label) if v in RiskPoint.values else str(v) for v in value)
    return str(value)


def describe_changes(rule, changes):
    """[{field, label, old, new, stricter}] of stored or computed changes (dicts or strictness.Change)."""
    rows = []
    for change in changes:
        c = change if isinstance(change, dict) else change.as_data()
        rows.append({"field": c["field"], "label": field_label(rule, c["field"]),
                     "old": None if c["old"] is None else _value(c["field"], c["old"], rule),
                     "new": _value(c["field"], c["new"], rule), "stricter": c["stricter"]})
    return rows


# The versions recorded to apply after a day, compiled once per database connection (riskcase.lib.precompiled):
# read on every diagnosis, where compiling them cost more than running them.
_later_thresholds = Precompiled(lambda category, today: _later(ThresholdVersion, today, category=category),
                                category=str, today=date)
_later_rule_parameters = Precompiled(lambda category, today: _later(RuleParameterVersion, today, category=category),
                                     category=str, today=date)
_later_policies = Precompiled(
    lambda today: _later(PolicyVersion, today).prefetch_related("steps"), today=date)


def _later(model, today, **filters):
    return model.objects.filter(effective_from__gt=today, **filters)


def _which(rule, versions):
    """The name of `rule` once per version (no ordering: a part of a UNION cannot have one on SQLite)."""
    return versions.annotate(rule=Value(rule)).values_list("rule", flat=True).order_by()


# Which of the three have a version recorded to apply after the day: one query (most days none has, and then
# nothing more is read), the same conditions as the reads above.
_announced = Precompiled(
    lambda category, today: _which(THRESHOLD, _later(ThresholdVersion, today, category=category)).union(
        _which(RULE_PARAMETERS, _later(RuleParameterVersion, today, category=category)),
        _which(POLICY, _later(PolicyVersion, today))),
    category=str, today=date)


def upcoming_rule_changes_plan(category, today):
    """[{rule, rule_label, risk_point, version_id, effective_from, stricter, changes}] of the versions of
    `category` (and of the penalty policy, which applies to every category) recorded to apply after `today`, in
    the order they apply; a version that changes nothing is left out. A plan (riskcase.lib.precompiled.run_plans):
    one read (whether any is announced: the usual day, none), then the versions of each of the three announced,
    then one read per version."""
    announced = set((yield _announced.later(category=category, today=today)))
    none = Pending.ready(())
    thresholds, rule_parameters, policies = yield (
        _later_thresholds.later(category=category, today=today) if THRESHOLD in announced else none,
        _later_rule_parameters.later(category=category, today=today) if RULE_PARAMETERS in announced else none,
        _later_policies.later(today=today) if POLICY in announced else none)
    found = [(THRESHOLD, version.risk_point, version, threshold_changes(version)) for version in thresholds]
    found += [(RULE_PARAMETERS, "", version, rule_parameters_changes(version)) for version in rule_parameters]
    found += [(POLICY, "", version, policy_changes(version)) for version in policies]
    return [{"rule": rule, "rule_label": rule_label(rule, risk_point), "risk_point": risk_point,
             "version_id": version.pk, "effective_from": version.effective_from,
             "stricter": any(c.stricter for c in changes), "changes": describe_changes(rule, changes)}
            for rule, risk_point, version, changes in sorted(found, key=lambda f: (f[2].effective_from, f[0], f[1]))
            if changes]
