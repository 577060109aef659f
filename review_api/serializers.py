"""What the reviewers' API shows and accepts."""
import re
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.evidence import CASE_MAX_FILES
from cases.models import RATE_RISK_POINTS, Appeal, ThresholdVersion, Violation, Warning
from cases.services import HAND_OPENED_RISK_POINTS
from enforcement.models import Penalty

CASE_FIELDS = ["id", "merchant_id", "product_id", "risk_point", "state", "window_start", "window_end", "value",
               "threshold", "threshold_version_id", "explanation", "as_of", "opened_at", "assignee_id",
               "closed_at", "closed_by", "closed_reason", "version"]


class ReviewWarningSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="merchant.category", read_only=True)

    class Meta:
        model = Warning
        fields = [*CASE_FIELDS, "category", "acknowledged_at", "violation_id"]


class ReviewAppealSerializer(serializers.ModelSerializer):
    decision = serializers.CharField(read_only=True, help_text="accepted, rejected, or empty while undecided.")

    class Meta:
        model = Appeal
        fields = ["violation_id", "submitted_by", "statement", "submitted_at", "decision_due", "decision",
                  "reasons", "decided_by_id", "decided_at"]


class ReviewViolationSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="merchant.category", read_only=True)
    appeal = serializers.SerializerMethodField()

    class Meta:
        model = Violation
        fields = [*CASE_FIELDS, "category", "recorded_by_kind", "recorded_by_id", "notified_at", "appeal_deadline",
                  "evidence_text", "appeal"]

    def get_appeal(self, obj) -> ReviewAppealSerializer(allow_null=True):
        appeal = getattr(obj, "appeal", None) if hasattr(obj, "appeal") else None
        return None if appeal is None else ReviewAppealSerializer(appeal).data


class ReviewPenaltySerializer(serializers.ModelSerializer):
    class Meta:
        model = Penalty
        fields = ["id", "merchant_id", "product_id", "kind", "step", "state", "violation_ids", "policy_version_id",
                  "duration_days", "traffic_weight", "approvals_needed", "senior_only", "approved_by",
                  "lift_approved_by", "proposed_at", "proposed_by", "starts_at", "ends_at", "closed_at", "closed_by",
                  "closed_reason", "lift_cause", "version"]


class ReviewEventSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    version = serializers.IntegerField()
    type = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    actor = serializers.CharField()
    data = serializers.JSONField()


class ReviewCaseSerializer(serializers.Serializer):
    """A warning or a violation with its events and the commands the caller may run on it now."""

    kind = serializers.ChoiceField(choices=["warning", "violation"])
    case = serializers.JSONField(help_text="The warning or violation (see the queues for its fields).")
    events = ReviewEventSerializer(many=True)
    commands = serializers.ListField(child=serializers.CharField(),
                                     help_text="Commands the caller may run now (the same rule as admin's buttons).")


# --- commands -------------------------------------------------------------------------------------

class VersionedSerializer(serializers.Serializer):
    expected_version = serializers.IntegerField(
        required=False, min_value=0, max_value=2_147_483_647,
        help_text="The version you read; a stale one is a 409 and changes nothing.")


class ReasonSerializer(VersionedSerializer):
    reason = serializers.CharField(max_length=4000, help_text="Recorded with your name; the merchant sees it.")


class AppealDecisionSerializer(VersionedSerializer):
    reasons = serializers.CharField(max_length=4000, help_text="The statement of reasons the merchant sees.")


class AssignSerializer(VersionedSerializer):
    assignee_id = serializers.IntegerField(allow_null=True, min_value=1, max_value=2_147_483_647,
                                           help_text="A reviewer's user id, or null to unassign.")


class OpenCaseSerializer(serializers.Serializer):
    merchant_id = serializers.CharField(max_length=64)
    risk_point = serializers.ChoiceField(choices=[(p.value, p.label) for p in HAND_OPENED_RISK_POINTS])
    product_id = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)
    evidence_text = serializers.CharField(max_length=20_000, help_text="What was observed, by whom, where.")
    window_start = serializers.DateField(required=False, help_text="Default: today (or window_end).")
    window_end = serializers.DateField(required=False, help_text="Default: window_start.")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                  max_length=CASE_MAX_FILES,
                                  help_text=f"Up to {CASE_MAX_FILES} PDF, JPEG or PNG evidence files "
                                            "(RISKCASE_EVIDENCE_MAX_BYTES each, 20 MB by default).")

    def validate(self, attrs):
        start, end = attrs.get("window_start"), attrs.get("window_end")
        if start and end and start > end:
            raise serializers.ValidationError({"window_end": ["The window ends before it starts."]},
                                              code="invalid_range")
        return attrs



RATE_PATTERN = (r"^(0\.([1-9][0-9]{0,5}|0[1-9][0-9]{0,4}|00[1-9][0-9]{0,3}|000[1-9][0-9]{0,2}|0000[1-9][0-9]?"
                r"|00000[1-9])|1(\.0{1,6})?)$")


@extend_schema_field({"type": "string", "pattern": RATE_PATTERN, "example": "0.050000"})
class RateField(serializers.Field):
    """A rate in (0, 1] with at most six decimal places, as a string (exact; never a float)."""

    default_error_messages = {"invalid": _("A rate above 0 and at most 1, with at most 6 decimals, as a string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.match(RATE_PATTERN, data):
            self.fail("invalid")
        return Decimal(data)

    def to_representation(self, value):
        return str(value)


RATE_CHOICES = [(p.value, p.label) for p in RATE_RISK_POINTS]  # settings: ENUM_NAME_OVERRIDES["RateEnum"]


class RateRiskPointField(serializers.ChoiceField):
    """One of the three rates (thresholds exist for rates only)."""

    def __init__(self, **kwargs):
        super().__init__(choices=RATE_CHOICES, **kwargs)


class ThresholdVersionSerializer(serializers.Serializer):
    """A new threshold version (红线) of one category and rate, in force from `effective_from`."""

    category = serializers.ChoiceField(choices=[(c, c) for c in settings.RISKCASE_CATEGORIES])
    risk_point = RateRiskPointField()
    limit = RateField(help_text="The red line, a rate in (0, 1].")
    warn_at = RateField(required=False, help_text="At most `limit`; default 0.8 x limit.")
    window_days = serializers.IntegerField(min_value=1, max_value=366, default=30)
    min_orders = serializers.IntegerField(min_value=1, max_value=32767, default=30)
    effective_from = serializers.DateField()
    note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)

    def validate(self, attrs):
        if attrs.get("warn_at") is not None and attrs["warn_at"] > attrs["limit"]:
            raise serializers.ValidationError({"warn_at": ["warn_at must be at most the limit."]},
                                              code="invalid_range")
        return attrs


class ThresholdVersionOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = ThresholdVersion
        fields = ["id", "category", "risk_point", "limit", "warn_at", "window_days", "min_orders", "effective_from",
                  "note", "created_by_id"]
