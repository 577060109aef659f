"""django-filter filter sets of the merchants' API."""

import django_filters
from django.utils import timezone as django_timezone

from accounts.selectors import merchant_id_for_request
from cases.models import RiskPoint, Violation, Warning, WarningState
from cases.selectors import MERCHANT_TABS, merchant_violations
from enforcement.models import Penalty
from enforcement.selectors import ended, in_force
from riskcase.api.filters import UtcIsoDateTimeFilter


class WarningFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=WarningState.choices, help_text="One or more states.")
    risk_point = django_filters.MultipleChoiceFilter(choices=RiskPoint.choices, help_text="One or more risk points.")
    product_id = django_filters.CharFilter()
    opened_after = UtcIsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = UtcIsoDateTimeFilter(field_name="opened_at", lookup_expr="lt")

    class Meta:
        model = Warning
        fields = ["state", "risk_point", "product_id", "opened_after", "opened_before"]


class ViolationFilter(django_filters.FilterSet):
    """violations/?tab=...: the seed product's tabs (cases.selectors.MERCHANT_TABS); no tab, all of them."""

    tab = django_filters.ChoiceFilter(
        choices=[(t, t) for t in MERCHANT_TABS], method="filter_tab",
        help_text="new: recorded in the last 7 days; pending; appealing; appeal_succeeded; appeal_failed.")

    class Meta:
        model = Violation
        fields = ["tab"]

    def filter_tab(self, queryset, name, value):
        # The tab's meaning lives in the cases selector; intersect it with the caller's scoped rows.
        return queryset & merchant_violations(merchant_id=merchant_id_for_request(self.request), tab=value)


class PenaltyFilter(django_filters.FilterSet):
    """penalties/?status=active|past: in force now, or not any more; no status, both."""

    status = django_filters.ChoiceFilter(
        choices=[("active", "active"), ("past", "past")], method="filter_status",
        help_text="active: in force now; past: lifted, expired or past its end.")

    class Meta:
        model = Penalty
        fields = ["status"]

    def filter_status(self, queryset, name, value):
        now = django_timezone.now()
        return queryset.filter(in_force(now) if value == "active" else ended(now))
