"""Merchant-responsibility refund rate (商责退单率): merchant refunds / paid orders, pooled."""
from ..models import RiskPoint
from .rates import RateRule


class MerchantRefundRateRule(RateRule):
    risk_point = RiskPoint.MERCHANT_REFUND_RATE.value
    numerator = "merchant_refunds"
    denominator = "paid_orders"
