"""Negative review rate (差评率): negative reviews / verified orders, pooled over the window."""
from ..models import RiskPoint
from .rates import RateRule


class NegativeReviewRateRule(RateRule):
    risk_point = RiskPoint.NEGATIVE_REVIEW_RATE.value
    numerator = "negative_reviews"
    denominator = "verified_orders"
