"""Penalties in the demo's text report: one line per penalty in force or awaiting approval."""
from django.conf import settings
from django.utils import timezone

from .models import Penalty, PenaltyState


def penalty_lines():
    """{merchant_id: [line]}, in the shape of cases.report.at_risk_lines. One query. An end is written in the
    platform's time zone (TIME_ZONE), named, as the pages and the API show it."""
    lines = {}
    penalties = Penalty.objects.filter(state__in=[PenaltyState.ACTIVE, PenaltyState.PROPOSED])
    for penalty in penalties.order_by("merchant_id", "step"):
        scope = f" on {penalty.product_id}" if penalty.product_id else ""
        until = (f" until {timezone.localtime(penalty.ends_at):%Y-%m-%d %H:%M} ({settings.TIME_ZONE})"
                 if penalty.ends_at else "")
        lines.setdefault(penalty.merchant_id, []).append(
            f"PENALTY   step {penalty.step}: {penalty.get_kind_display()}{scope}{until} [{penalty.get_state_display()}]")
    return lines
