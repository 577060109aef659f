"""The rule registry: one class per risk point (data contract section 5).

A new automatic risk point is one new module with one Rule subclass, listed in RULES.
"""
from .base import VIOLATION, WARNING, Finding, Rule
from .clustered_complaints import ClusteredComplaintsRule
from .complaint_rate import ComplaintRateRule
from .merchant_refund_rate import MerchantRefundRateRule
from .negative_review_rate import NegativeReviewRateRule
from .related_entity import RelatedEntityRule
from .service_not_provided import ServiceNotProvidedRule

RULES = (
    ComplaintRateRule,
    NegativeReviewRateRule,
    MerchantRefundRateRule,
    ClusteredComplaintsRule,
    ServiceNotProvidedRule,
    RelatedEntityRule,
)


def registered_rules():
    return [rule() for rule in RULES]


def automatic_risk_points():
    """The risk points the rules own (the others are opened by reviewers by hand)."""
    return [rule.risk_point for rule in RULES]


def evaluate_all(as_of):
    """Every registered rule's findings as of A: the rules sharing an `evaluate_many` (the three rates: one
    query per grain for all of them) are evaluated together."""
    together = {}
    for rule in registered_rules():
        together.setdefault(type(rule).evaluate_many.__func__, []).append(rule)
    return [finding for rules in together.values() for finding in type(rules[0]).evaluate_many(rules, as_of)]


__all__ = ["RULES", "VIOLATION", "WARNING", "Finding", "Rule", "automatic_risk_points", "evaluate_all",
           "registered_rules"]
