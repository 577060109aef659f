"""Models of the cases app: rule thresholds, and the projections of the case workflows."""
from .thresholds import RATE_RISK_POINTS, RiskPoint, ThresholdVersion

__all__ = ["RATE_RISK_POINTS", "RiskPoint", "ThresholdVersion"]
