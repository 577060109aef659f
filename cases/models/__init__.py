"""Models of the cases app: rule thresholds and the projections of the case workflows."""
from .thresholds import RATE_RISK_POINTS, RiskPoint, RuleParameterVersion, ThresholdVersion
from .workflows import (
    OPEN_WARNING_STATES,
    Appeal,
    AppealDecision,
    AppealEvidence,
    Violation,
    ViolationEvidence,
    ViolationState,
    Warning,
    WarningState,
)

__all__ = [
    "OPEN_WARNING_STATES", "RATE_RISK_POINTS", "Appeal", "AppealDecision", "AppealEvidence", "RiskPoint",
    "RuleParameterVersion", "ThresholdVersion", "Violation", "ViolationEvidence", "ViolationState", "Warning",
    "WarningState",
]
