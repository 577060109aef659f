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
    warning (shipped default 180 days; the merchant's category's RuleParameterVersion in force on A).
    The finding has no value or threshold; it names the related merchants and violations.
    """

    risk_point = RiskPoint.RELATED_ENTITY.value
    parameter_fields = {"lookback_days": "related_lookback_days"}

    def evaluate(self, as_of):
        in_force = self.parameters_in_force(as_of)
        starts = {c: as_of - timedelta(days=p["lookback_days"] - 1) for c, (_, p) in in_force.items()}
        related = {}
        for merchant_id, category, related_id, violation_id in _related_violations(starts=starts, end=as_of):
            links = related.setdefault((merchant_id, category), [])
            links.append({"merchant_id": related_id, "violation_id": str(uuid.UUID(str(violation_id)))})
        findings = []
        for (merchant_id, category), links in sorted(related.items()):
            version, p = in_force[category]
            findings.append(Finding(
                kind=WARNING, merchant_id=merchant_id, risk_point=self.risk_point, window_start=starts[category],
                window_end=as_of, value=None, threshold=None,
                detail={"lookback_days": p["lookback_days"], "related": links, **self.cite(version, p)},
            ))
        return findings


def _related_violations(*, starts, end):
    """[(merchant_id, its category, related merchant_id, violation id)]: one join of merchants on their
    entity; `starts` gives each category the first day its lookback covers."""
    if not starts:
        return []
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datefield_value
    merchant_column = q(Violation._meta.get_field("merchant").column)
    categories = sorted(starts)
    states = ", ".join(["%s"] * len(UPHELD_STATES))
    sql = f"""
        SELECT m.merchant_id, m.category, r.merchant_id, v.id
        FROM {q(Merchant._meta.db_table)} m
        JOIN {q(Merchant._meta.db_table)} r ON r.entity_id = m.entity_id AND r.merchant_id <> m.merchant_id
        JOIN {q(Violation._meta.db_table)} v ON v.{merchant_column} = r.merchant_id
        WHERE m.entity_id <> '' AND m.category IN ({", ".join(["%s"] * len(categories))})
          AND v.state IN ({states}) AND v.as_of BETWEEN %s AND %s
          AND v.as_of >= CASE m.category {" ".join(["WHEN %s THEN %s"] * len(categories))} END
        ORDER BY m.merchant_id, r.merchant_id, v.as_of
    """
    params = [*categories, *UPHELD_STATES, adapt(min(starts.values())), adapt(end),
              *(x for c in categories for x in (c, adapt(starts[c])))]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
