"""Clustered complaints on one product (聚集性纠纷投诉): many complaints in a few days."""
from datetime import timedelta
from decimal import Decimal

from ..models import RiskPoint
from .base import VIOLATION, WARNING, Finding, Rule
from .complaint_counts import complaint_counts


class ClusteredComplaintsRule(Rule):
    """>= warn_at complaints on orders of one product with day(filed_at) in the window_days days
    ending at A is a warning on that product; >= limit is a violation (shipped defaults 5, 10, 3 days;
    each category's RuleParameterVersion in force on A)."""

    risk_point = RiskPoint.CLUSTERED_COMPLAINTS.value
    parameter_fields = {"window_days": "clustered_window_days", "warn_at": "clustered_warn_at",
                        "limit": "clustered_limit"}

    def evaluate(self, as_of):
        in_force = self.parameters_in_force(as_of)
        starts = {c: as_of - timedelta(days=p["window_days"] - 1) for c, (_, p) in in_force.items()}
        windows = {c: (starts[c], min(p["warn_at"], p["limit"])) for c, (_, p) in in_force.items()}
        findings = []
        for merchant_id, product_id, category, count in complaint_counts(end=as_of, windows=windows,
                                                                          by_product=True):
            version, p = in_force[category]
            for kind, threshold in ((WARNING, p["warn_at"]), (VIOLATION, p["limit"])):
                if count >= threshold:
                    findings.append(Finding(
                        kind=kind, merchant_id=merchant_id, product_id=product_id,
                        risk_point=self.risk_point, window_start=starts[category], window_end=as_of,
                        value=Decimal(count), threshold=Decimal(threshold), numerator=count,
                        detail=self.cite(version, p),
                    ))
        return findings
