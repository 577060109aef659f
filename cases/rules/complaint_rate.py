"""Complaint rate (投诉率): complaints / paid orders, pooled over the threshold's window."""
from ..models import RiskPoint
from .rates import RateRule


class ComplaintRateRule(RateRule):
    risk_point = RiskPoint.COMPLAINT_RATE.value
    numerator = "complaints"
    denominator = "paid_orders"
