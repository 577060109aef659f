"""The admin's queue filters, as query parameters (django-filter)."""
import re

import django_filters
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from cases.models import Appeal, AppealDecision, RiskPoint, Violation, ViolationState, Warning, WarningState
from enforcement.models import Penalty, PenaltyKind, PenaltyState
from riskcase.api.filters import StrictBooleanFilter, UtcIsoDateTimeFilter

CATEGORIES = [(c, c) for c in settings.RISKCASE_CATEGORIES]


ASSIGNEE_PATTERN = r"^(me|none|[1-9][0-9]{0,8})$"


@extend_schema_field({"type": "string", "pattern": ASSIGNEE_PATTERN})
class AssigneeFilter(django_filters.CharFilter):
    """`me`, `none` or a user id (as admin's assignee filter)."""

    def __init__(self, *args, path="assignee", **kwargs):
        self.path = path
        kwargs.setdefault("help_text", "`me`, `none` or a reviewer's user id.")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        if value == "me":
            return qs.filter(**{f"{self.path}_id": self.parent.request.user.pk})
        if value == "none":
            return qs.filter(**{f"{self.path}__isnull": True})
        if not re.match(ASSIGNEE_PATTERN, value):
            raise ValidationError({self.field_name: [_("Use me, none or a user id.")]}, code="invalid")
        return qs.filter(**{f"{self.path}_id": int(value)})


def _overdue(path, state_path):
    def method(queryset, name, value):
        if value is None:
            return queryset
        q = Q(**{f"{path}decision": "", f"{path}decision_due__lt": timezone.now(),
                 state_path: ViolationState.APPEALING})
        return queryset.filter(q) if value else queryset.exclude(q)
    return method


class WarningFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=WarningState.choices)
    risk_point = django_filters.ChoiceFilter(choices=RiskPoint.choices)
    category = django_filters.ChoiceFilter(field_name="merchant__category", choices=CATEGORIES)
    merchant = django_filters.CharFilter(field_name="merchant_id", max_length=64)
    assignee = AssigneeFilter(max_length=20)
    opened_after = UtcIsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = UtcIsoDateTimeFilter(field_name="opened_at", lookup_expr="lt")

    class Meta:
        model = Warning
        fields = []


class ViolationFilter(WarningFilter):
    state = django_filters.ChoiceFilter(choices=ViolationState.choices)
    overdue = StrictBooleanFilter(method=_overdue("appeal__", "state"),
                                           help_text="Appeals whose decision is past due.")

    class Meta:
        model = Violation
        fields = []


class AppealFilter(django_filters.FilterSet):
    decision = django_filters.ChoiceFilter(choices=AppealDecision.choices)
    decided = StrictBooleanFilter(field_name="decided_at", lookup_expr="isnull", exclude=True)
    violation_state = django_filters.ChoiceFilter(field_name="violation__state", choices=ViolationState.choices)
    risk_point = django_filters.ChoiceFilter(field_name="violation__risk_point", choices=RiskPoint.choices)
    category = django_filters.ChoiceFilter(field_name="violation__merchant__category", choices=CATEGORIES)
    merchant = django_filters.CharFilter(field_name="violation__merchant_id", max_length=64)
    assignee = AssigneeFilter(path="violation__assignee", max_length=20)
    overdue = StrictBooleanFilter(method=_overdue("", "violation__state"))

    class Meta:
        model = Appeal
        fields = []


class PenaltyFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=PenaltyState.choices)
    kind = django_filters.ChoiceFilter(choices=PenaltyKind.choices)
    merchant = django_filters.CharFilter(field_name="merchant_id", max_length=64)
    queue = django_filters.ChoiceFilter(
        method="filter_queue", choices=[("confirm", "awaiting one reviewer"), ("four_eyes", "awaiting two seniors")])

    class Meta:
        model = Penalty
        fields = []

    def filter_queue(self, queryset, name, value):
        return queryset.filter(state=PenaltyState.PROPOSED, senior_only=value == "four_eyes")
