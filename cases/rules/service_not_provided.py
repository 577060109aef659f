"""Orders not served as agreed: complaints with reason service_not_provided on one merchant."""
from datetime import timedelta
from decimal import Decimal

from metrics.models import ComplaintReason

from ..models import RiskPoint
from .base import VIOLATION, Finding, Rule
from .complaint_counts import complaint_counts


class ServiceNotProvidedRule(Rule):
    """>= limit complaints with reason service_not_provided and day(filed_at) in the window_days
    days ending at A, on orders of one merchant, is a violation (defaults 3 in 7 days)."""

    risk_point = RiskPoint.SERVICE_NOT_PROVIDED.value
    defaults = {"window_days": 7, "limit": 3}

    def evaluate(self, as_of):
        p = self.parameters
        start = as_of - timedelta(days=p["window_days"] - 1)
        return [
            Finding(
                kind=VIOLATION, merchant_id=merchant_id, risk_point=self.risk_point,
                window_start=start, window_end=as_of, value=Decimal(count),
                threshold=Decimal(p["limit"]), numerator=count, detail={"parameters": p},
            )
            for merchant_id, _, count in complaint_counts(
                start=start, end=as_of, at_least=p["limit"],
                reason=ComplaintReason.SERVICE_NOT_PROVIDED.value,
            )
        ]
