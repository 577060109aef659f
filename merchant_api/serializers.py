"""Serializers of the merchants' API."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import Warning
from metrics.models import DailyMetric

from .dates import default_range, earliest_start, platform_today
from .explanations import merchant_explanation


class MetricsRangeSerializer(serializers.Serializer):
    """Query parameters of metrics/: a range of days within the last 3 months."""

    start = serializers.DateField(
        required=False, help_text="First day (YYYY-MM-DD). Default: 29 days before `end`.")
    end = serializers.DateField(
        required=False, help_text="Last day (YYYY-MM-DD). Default: yesterday in the platform time zone.")

    def validate(self, attrs):
        today = platform_today()
        start, end = default_range(today, attrs.get("start"), attrs.get("end"))
        earliest = earliest_start(today)
        if start > end:
            raise serializers.ValidationError(
                {"start": _("start (%(start)s) must be on or before end (%(end)s).")
                 % {"start": start, "end": end}},
                code="invalid_range",
            )
        if end > today:
            raise serializers.ValidationError(
                {"end": _("end (%(end)s) cannot be after today (%(today)s).") % {"end": end, "today": today}},
                code="range_in_future",
            )
        if start < earliest:
            raise serializers.ValidationError(
                {"start": _("The series reaches back at most 3 months: start must be on or after %(earliest)s, "
                            "not %(start)s.") % {"earliest": earliest, "start": start}},
                code="range_too_old",
            )
        return {"start": start, "end": end}


class DailyMetricSerializer(serializers.ModelSerializer):
    """One day of the cohort metrics: the counts, the three rates (null when the denominator is 0,
    exact decimals as strings) and whether the day is stable (final) or still provisional."""

    class Meta:
        model = DailyMetric
        fields = [
            "day", "paid_orders", "verified_orders", "complaints", "negative_reviews", "merchant_refunds",
            "complaint_rate", "negative_review_rate", "merchant_refund_rate", "stable", "as_of",
        ]
        read_only_fields = fields


class MetricsSeriesSerializer(serializers.Serializer):
    merchant_id = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    days = DailyMetricSerializer(
        many=True, help_text="One entry per day with at least one paid or verified order, oldest first.")


class WarningSerializer(serializers.ModelSerializer):
    """A warning (预警) as its merchant sees it. `version` is what acknowledge/ may send back as
    expected_version, so a stale screen gets a 409 instead of acting on a changed case."""

    risk_point_label = serializers.CharField(source="get_risk_point_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    violation_id = serializers.UUIDField(read_only=True, allow_null=True,
                                         help_text="The violation this warning escalated to, if any.")

    class Meta:
        model = Warning
        fields = [
            "id", "risk_point", "risk_point_label", "product_id", "state", "state_label", "window_start",
            "window_end", "value", "threshold", "as_of", "opened_at", "acknowledged_at", "closed_at",
            "violation_id", "version",
        ]
        read_only_fields = fields


class CaseExplanationSerializer(serializers.Serializer):
    kind = serializers.CharField(required=False)
    value = serializers.CharField(allow_null=True, help_text="The measured rate or count (exact decimal).")
    threshold = serializers.CharField(allow_null=True, help_text="What it was compared with.")
    numerator = serializers.IntegerField(required=False, allow_null=True)
    denominator = serializers.IntegerField(required=False, allow_null=True)
    window_start = serializers.DateField()
    window_end = serializers.DateField()
    category = serializers.CharField(required=False)
    summary = serializers.CharField(help_text="One sentence, in the language of Accept-Language.")


class WarningDetailSerializer(WarningSerializer):
    explanation = serializers.SerializerMethodField()

    class Meta(WarningSerializer.Meta):
        fields = [*WarningSerializer.Meta.fields, "explanation"]
        read_only_fields = fields

    @extend_schema_field(CaseExplanationSerializer)
    def get_explanation(self, warning):
        return merchant_explanation(warning)


class AcknowledgeSerializer(serializers.Serializer):
    expected_version = serializers.IntegerField(
        required=False, min_value=0,
        help_text="The warning's `version` as last read; a warning changed since is a 409.")
