"""django-filter filter sets of the merchants' API."""
import django_filters

from cases.models import RiskPoint, Warning, WarningState


class WarningFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=WarningState.choices, help_text="One or more states.")
    risk_point = django_filters.MultipleChoiceFilter(choices=RiskPoint.choices, help_text="One or more risk points.")
    product_id = django_filters.CharFilter()
    opened_after = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="lt")

    class Meta:
        model = Warning
        fields = ["state", "risk_point", "product_id", "opened_after", "opened_before"]
