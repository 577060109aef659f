"""Penalties in the demo's text report: one line per penalty in force or awaiting approval."""
from .models import Penalty, PenaltyState


def penalty_lines():
    """{merchant_id: [line]}, in the shape of cases.report.at_risk_lines. One query."""
    lines = {}
    penalties = Penalty.objects.filter(state__in=[PenaltyState.ACTIVE, PenaltyState.PROPOSED])
    for penalty in penalties.order_by("merchant_id", "step"):
        scope = f" on {penalty.product_id}" if penalty.product_id else ""
        until = f" until {penalty.ends_at:%Y-%m-%d %H:%M}" if penalty.ends_at else ""
        lines.setdefault(penalty.merchant_id, []).append(
            f"PENALTY   step {penalty.step}: {penalty.get_kind_display()}{scope}{until} [{penalty.get_state_display()}]")
    return lines
