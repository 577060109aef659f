"""What every rule shares: the Finding it reports and the Rule base class."""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from ..thresholds import rule_parameters_in_force

WARNING = "warning"
VIOLATION = "violation"


def _text(value):
    return None if value is None else str(value)


@dataclass(frozen=True)
class Finding:
    """One thing a rule found as of a day: a warning (预警) or violation (违规) to be reconciled.

    `value` is the pooled rate or the count the rule measured, `threshold` what it was compared
    with (warn_at, limit or a count); both None for rules without a measure (related entity).
    `detail` carries what else explains the judgement (threshold version, related merchants).
    """

    kind: str
    merchant_id: str
    risk_point: str
    window_start: date
    window_end: date
    value: Decimal | None
    threshold: Decimal | None
    product_id: str = ""
    threshold_version_id: int | None = None
    numerator: int | None = None
    denominator: int | None = None
    detail: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self):
        """What a case is about: at most one open warning per key."""
        return (self.merchant_id, self.risk_point, self.product_id)

    def explanation(self, rule_version=1):
        """The JSON kept with the warning or violation, so its judgement can be explained later."""
        return {
            "v": rule_version,
            "rule": self.risk_point,
            "kind": self.kind,
            "value": _text(self.value),
            "threshold": _text(self.threshold),
            "numerator": self.numerator,
            "denominator": self.denominator,
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "threshold_version_id": self.threshold_version_id,
            **self.detail,
        }


class Rule:
    """A risk point's rule: `evaluate(as_of)` returns its findings, computed set-based in SQL.

    Subclasses set `risk_point`. A count rule also sets `parameter_fields` (its parameter names ->
    RuleParameterVersion fields) and reads them per category, from the versions in force on A.
    """

    risk_point: ClassVar[str]
    parameter_fields: ClassVar[dict[str, str]] = {}

    def __init__(self, *, thresholds=None, parameters=None):
        """`thresholds` ({category: ThresholdVersion}) or `parameters` ({category: RuleParameterVersion}),
        unsaved ones included, judge those categories only, with those versions instead of the ones in force
        (the impact preview of a version not yet recorded, cases.impact)."""
        self.thresholds = thresholds
        self.parameters = parameters

    def rule_parameters(self, as_of):
        """{category: RuleParameterVersion}: the override, else the versions in force on `as_of` (one query)."""
        if self.parameters is not None:
            return self.parameters
        parameters = rule_parameters_in_force(as_of)
        return parameters if self.thresholds is None else {c: v for c, v in parameters.items() if c in self.thresholds}

    def parameters_in_force(self, as_of):
        """{category: (RuleParameterVersion, {parameter: value})} in force on `as_of`: one query."""
        return {
            category: (version, {name: getattr(version, f) for name, f in self.parameter_fields.items()})
            for category, version in self.rule_parameters(as_of).items()
        }

    @staticmethod
    def cite(version, parameters):
        """What a finding's explanation says about the parameters it used (like the threshold version id)."""
        return {"parameters": parameters, "rule_parameters_version_id": version.pk,
                "rule_parameters_effective_from": version.effective_from.isoformat()}

    def evaluate(self, as_of):
        raise NotImplementedError

    @classmethod
    def evaluate_many(cls, rules, as_of):
        """The findings of several rules of this kind, rule by rule: a kind whose rules share one query (the
        rates) overrides it to run that query once for all of them."""
        return [finding for rule in rules for finding in rule.evaluate(as_of)]

    def __repr__(self):
        return f"<{type(self).__name__} {self.risk_point}>"
