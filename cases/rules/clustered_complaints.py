"""Clustered complaints on one product (聚集性纠纷投诉): many complaints in a few days."""
from datetime import timedelta
from decimal import Decimal

from ..models import RiskPoint
from .base import VIOLATION, WARNING, Finding, Rule
from .complaint_counts import complaint_counts


class ClusteredComplaintsRule(Rule):
    """>= warn_at complaints on orders of one product with day(filed_at) in the window_days days
    ending at A is a warning on that product; >= limit is a violation (defaults 5, 10, 3 days)."""

    risk_point = RiskPoint.CLUSTERED_COMPLAINTS.value
    defaults = {"window_days": 3, "warn_at": 5, "limit": 10}

    def evaluate(self, as_of):
        p = self.parameters
        start = as_of - timedelta(days=p["window_days"] - 1)
        findings = []
        for merchant_id, product_id, count in complaint_counts(
            start=start, end=as_of, at_least=min(p["warn_at"], p["limit"]), by_product=True
        ):
            for kind, threshold in ((WARNING, p["warn_at"]), (VIOLATION, p["limit"])):
                if count >= threshold:
                    findings.append(Finding(
                        kind=kind, merchant_id=merchant_id, product_id=product_id,
                        risk_point=self.risk_point, window_start=start, window_end=as_of,
                        value=Decimal(count), threshold=Decimal(threshold), numerator=count,
                        detail={"parameters": p},
                    ))
        return findings
