"""Orders not served as agreed: complaints with reason service_not_provided on one merchant."""
from datetime import timedelta
from decimal import Decimal

from metrics.models import ComplaintReason

from ..models import RiskPoint
from .base import VIOLATION, Finding, Rule
from .complaint_counts import complaint_counts


class ServiceNotProvidedRule(Rule):
    """>= limit complaints with reason service_not_provided and day(filed_at) in the window_days
    days ending at A, on orders of one merchant, is a violation (shipped defaults 3 in 7 days; each
    category's RuleParameterVersion in force on A)."""

    risk_point = RiskPoint.SERVICE_NOT_PROVIDED.value
    parameter_fields = {"window_days": "unserved_window_days", "limit": "unserved_limit"}

    def evaluate(self, as_of):
        in_force = self.parameters_in_force(as_of)
        starts = {c: as_of - timedelta(days=p["window_days"] - 1) for c, (_, p) in in_force.items()}
        windows = {c: (starts[c], p["limit"]) for c, (_, p) in in_force.items()}
        findings = []
        for merchant_id, _, category, count in complaint_counts(
            end=as_of, windows=windows, reason=ComplaintReason.SERVICE_NOT_PROVIDED.value,
        ):
            version, p = in_force[category]
            findings.append(Finding(
                kind=VIOLATION, merchant_id=merchant_id, risk_point=self.risk_point,
                window_start=starts[category], window_end=as_of, value=Decimal(count),
                threshold=Decimal(p["limit"]), numerator=count, detail=self.cite(version, p),
            ))
        return findings
