"""Related entity (关联主体): a merchant sharing its legal entity with a merchant on record."""
import uuid
from datetime import timedelta

from django.db import connection

from metrics.models import Merchant

from ..models import RiskPoint, Violation, ViolationState
from .base import WARNING, Finding, Rule

UPHELD_STATES = (ViolationState.UPHELD.value, ViolationState.APPEAL_FAILED.value)


class RelatedEntityRule(Rule):
    """A merchant whose entity_id is shared with another merchant that has an upheld violation
    (upheld, or appeal failed) judged as of a day in the lookback_days days ending at A gets a
    warning. The finding has no value or threshold; it names the related merchants and violations.
    """

    risk_point = RiskPoint.RELATED_ENTITY.value
    defaults = {"lookback_days": 180}

    def evaluate(self, as_of):
        start = as_of - timedelta(days=self.parameters["lookback_days"] - 1)
        related = {}
        for merchant_id, related_id, violation_id in _related_violations(start=start, end=as_of):
            related.setdefault(merchant_id, []).append({"merchant_id": related_id, "violation_id": str(uuid.UUID(str(violation_id)))})
        return [
            Finding(
                kind=WARNING, merchant_id=merchant_id, risk_point=self.risk_point, window_start=start,
                window_end=as_of, value=None, threshold=None,
                detail={"lookback_days": self.parameters["lookback_days"], "related": links},
            )
            for merchant_id, links in sorted(related.items())
        ]


def _related_violations(*, start, end):
    """[(merchant_id, related merchant_id, violation id)]: one join of merchants on their entity."""
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datefield_value
    merchant_column = q(Violation._meta.get_field("merchant").column)
    placeholders = ", ".join(["%s"] * len(UPHELD_STATES))
    sql = f"""
        SELECT m.merchant_id, r.merchant_id, v.id
        FROM {q(Merchant._meta.db_table)} m
        JOIN {q(Merchant._meta.db_table)} r ON r.entity_id = m.entity_id AND r.merchant_id <> m.merchant_id
        JOIN {q(Violation._meta.db_table)} v ON v.{merchant_column} = r.merchant_id
        WHERE m.entity_id <> '' AND v.state IN ({placeholders}) AND v.as_of BETWEEN %s AND %s
        ORDER BY m.merchant_id, r.merchant_id, v.as_of
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*UPHELD_STATES, adapt(start), adapt(end)])
        return cursor.fetchall()
