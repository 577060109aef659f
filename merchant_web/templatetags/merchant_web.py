"""Template filters and tags of the merchants' pages."""
from django import template

from portal.selectors import merchant_names
from riskcase.lib.charts import percent as as_percent

register = template.Library()


@register.filter
def percent(value):
    """A rate (0.0425) as a percentage with two decimals ("4.25%"); a dash when there is none."""
    return "–" if value is None or value == "" else as_percent(value)


@register.inclusion_tag("merchant_web/switcher.html", takes_context=True)
def merchant_switcher(context):
    """The merchant the pages act for and, for a user of several, a switch to the others (one query)."""
    request = context.get("request")
    choices = getattr(request, "merchant_choices", None) or []
    current = getattr(request, "merchant_id", None)
    names = merchant_names(choices) if current else {}
    return {"request": request, "current": current, "current_name": names.get(current, current),
            "options": [(m, names.get(m, m)) for m in choices], "csrf_token": context.get("csrf_token")}
