"""Template filters naming risk points in the reader's language."""
from django import template

from cases.models import RiskPoint

register = template.Library()


@register.filter
def risk_point_label(code):
    """"complaint_rate" -> "Complaint rate" (投诉率); an unknown code is shown as it is."""
    return RiskPoint(code).label if code in RiskPoint.values else code
