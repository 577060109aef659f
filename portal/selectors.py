"""Read queries of one merchant's cases and figures, every one scoped to the merchant the caller acts
for: another merchant's id is a 404 exactly like an unknown one."""
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from accounts.selectors import scope_to_merchant
from cases.models import AppealEvidence, Violation, Warning
from cases.thresholds import in_force
from metrics.models import Merchant

from .metrics import merchant_days


def merchant(merchant_id):
    return get_object_or_404(scope_to_merchant(Merchant.objects.all(), merchant_id))


def warnings(merchant_id):
    return scope_to_merchant(Warning.objects.all(), merchant_id).order_by("-opened_at", "-id")


def warning(merchant_id, pk):
    """The merchant's warning; another merchant's id is a 404 like an unknown one."""
    return get_object_or_404(warnings(merchant_id), pk=pk)


def violations(merchant_id):
    return scope_to_merchant(Violation.objects.select_related("appeal"), merchant_id).order_by("-opened_at", "-id")


def violation(merchant_id, pk):
    """The merchant's violation with its appeal and evidence; another merchant's id is a 404."""
    evidence = Prefetch("appeal__evidence", queryset=AppealEvidence.objects.order_by("name", "id"))
    return get_object_or_404(violations(merchant_id).prefetch_related(evidence), pk=pk)


def appeal_of(violation):
    try:
        return violation.appeal
    except Violation.appeal.RelatedObjectDoesNotExist:
        return None


def daily_metrics(merchant_id, start, end):
    return merchant_days(merchant_id, start, end)


def day_metric(merchant_id, day, product=None):
    """The merchant's (or one of its products') stored metrics of one day, or None."""
    rows = merchant_days(merchant_id, day, day, product=product)
    return rows[0] if rows else None


def thresholds(category, today):
    """{risk point: ThresholdVersion} in force today for the category."""
    return {v.risk_point: v for v in in_force(today).filter(category=category)}


def merchant_names(merchant_ids):
    """{merchant_id: name} of the given merchants, in one query."""
    return dict(Merchant.objects.filter(merchant_id__in=list(merchant_ids)).values_list("merchant_id", "name"))
