"""Template filters of the merchants' pages."""
from django import template

from riskcase.lib.charts import percent as as_percent

register = template.Library()


@register.filter
def percent(value):
    """A rate (0.0425) as a percentage with two decimals ("4.25%"); a dash when there is none."""
    return "–" if value is None or value == "" else as_percent(value)
