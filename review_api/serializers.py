"""What the reviewers' API shows and accepts."""
import re
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.evidence import CASE_MAX_FILES
from cases.models import RATE_RISK_POINTS, Appeal, RuleParameterVersion, ThresholdVersion, Violation, Warning
from cases.services import HAND_OPENED_RISK_POINTS
from cases.thresholds import NOTE_LENGTH
from enforcement.models import Penalty, PenaltyKind, PolicyVersion
from enforcement.policy import MAX_DAYS, PRODUCT_KINDS
from riskcase.api.fields import StrictCharField

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


def internal_note_field():
    """The note admin's forms take beside a statement of reasons: for reviewers and auditors only."""
    return StrictCharField(max_length=4000, required=False, default="", allow_blank=True,
                                 help_text="For reviewers and auditors only (kept in the event log with your name); "
                                           "never shown to the merchant.")


class ReasonSerializer(VersionedSerializer):
    reason = StrictCharField(max_length=4000, help_text="Recorded with your name; the merchant sees it.")
    internal_note = internal_note_field()


class AppealDecisionSerializer(VersionedSerializer):
    reasons = StrictCharField(max_length=4000, help_text="The statement of reasons the merchant sees.")
    internal_note = internal_note_field()


class ProposePenaltySerializer(serializers.Serializer):
    """A discretionary penalty (视具体情况) on a serious case opened by hand."""

    violation_id = serializers.UUIDField(help_text="A standing violation opened by hand (public opinion, other).")
    step = serializers.IntegerField(min_value=1, max_value=2_147_483_647,
                                    help_text="The step of the penalty ladder in force (1 = public warning, ...); "
                                              "a step the ladder does not have is a 400 `invalid_command`.")
    statement = StrictCharField(max_length=4000, help_text="The statement of reasons the merchant sees.")
    internal_note = internal_note_field()
    expected_version = serializers.IntegerField(
        required=False, min_value=0, max_value=2_147_483_647,
        help_text="The violation's version you read; a stale one is a 409 and proposes nothing.")


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
    note = StrictCharField(max_length=NOTE_LENGTH, required=False, default="", allow_blank=True)

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


def _parameter_field(name, rule=""):
    field = RuleParameterVersion._meta.get_field(name)
    return serializers.IntegerField(min_value=1, max_value=32767, default=field.default,
                                    help_text=f"{field.verbose_name}; default {field.default}.{rule}")


class RuleParametersVersionSerializer(serializers.Serializer):
    """A new version of one category's count-rule parameters, in force from `effective_from`; a parameter
    left out keeps the shipped default."""

    category = serializers.ChoiceField(choices=[(c, c) for c in settings.RISKCASE_CATEGORIES])
    clustered_window_days = _parameter_field("clustered_window_days")
    clustered_warn_at = _parameter_field("clustered_warn_at", " At most `clustered_limit` (a larger one is a 400 "
                                                              "`invalid_range`).")
    clustered_limit = _parameter_field("clustered_limit")
    unserved_window_days = _parameter_field("unserved_window_days")
    unserved_limit = _parameter_field("unserved_limit")
    related_lookback_days = _parameter_field("related_lookback_days")
    product_min_orders = _parameter_field("product_min_orders")
    effective_from = serializers.DateField()
    note = StrictCharField(max_length=NOTE_LENGTH, required=False, default="", allow_blank=True)

    def validate(self, attrs):
        if attrs["clustered_warn_at"] > attrs["clustered_limit"]:
            raise serializers.ValidationError(
                {"clustered_warn_at": ["clustered_warn_at must be at most clustered_limit."]}, code="invalid_range")
        return attrs


class RuleParametersVersionOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = RuleParameterVersion
        fields = ["id", "category", *RuleParameterVersion.PARAMETERS, "effective_from", "note", "created_by_id"]


WEIGHT_PATTERN = r"^(0(\.[0-9]{1,2})?|1(\.0{1,2})?)$"


@extend_schema_field({"type": "string", "pattern": WEIGHT_PATTERN, "example": "0.50", "default": "1"})
class WeightField(serializers.Field):
    """A traffic weight from 0 to 1 with at most two decimal places, as a string (exact; never a float)."""

    default_error_messages = {"invalid": _("A traffic weight from 0 to 1, with at most 2 decimals, as a string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.match(WEIGHT_PATTERN, data):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return str(value)


STORE_KINDS = [k for k in PenaltyKind.values if k != PenaltyKind.PRODUCT_RESTRICTION]
FALLBACK_KINDS = ["", *(k for k in PenaltyKind.values if k not in PRODUCT_KINDS)]


class PolicyStepSerializer(serializers.Serializer):
    """One rung of the store ladder; the n-th step of the list applies to a merchant's n-th standing violation."""

    kind = serializers.ChoiceField(choices=STORE_KINDS)
    duration_days = serializers.IntegerField(min_value=1, max_value=MAX_DAYS, allow_null=True, default=None,
                                             help_text="Days the penalty lasts; null: no end.")
    traffic_weight = WeightField(default="1")
    fallback_kind = serializers.ChoiceField(choices=FALLBACK_KINDS, default="", allow_blank=True,
                                            help_text="For a product ban: what applies when the violation names no "
                                                      "product (empty: throttling).")


class ProductStepSerializer(serializers.Serializer):
    """One rung of the per-product ladder; the n-th applies to a product's n-th standing product violation."""

    kind = serializers.ChoiceField(choices=list(PRODUCT_KINDS))
    duration_days = serializers.IntegerField(min_value=1, max_value=MAX_DAYS, allow_null=True, default=None,
                                             help_text="Days the penalty lasts; null: no end.")
    traffic_weight = WeightField(default="1")


class PolicyVersionSerializer(serializers.Serializer):
    """A new version of the penalty ladder (处罚阶梯), in force from `effective_from`. Steps are numbered by
    their place in the list (1, 2, 3, ...)."""

    effective_from = serializers.DateField()
    steps = serializers.ListField(child=PolicyStepSerializer(), min_length=1, max_length=100,
                                  help_text="The store ladder, step 1 first.")
    product_steps = serializers.ListField(child=ProductStepSerializer(), min_length=1, max_length=100, required=False,
                                          help_text="The per-product ladder, step 1 first. Default: the shipped one "
                                                    "(restriction, then ban).")
    window_days = serializers.IntegerField(min_value=1, max_value=MAX_DAYS, default=90,
                                           help_text="The rolling window in which violations stand.")
    clustered_ban_at = serializers.IntegerField(min_value=1, max_value=2_147_483_647, default=10,
                                                help_text="Clustered complaints on a product that ban it at once.")
    note = StrictCharField(max_length=NOTE_LENGTH, required=False, default="", allow_blank=True)

    def validate(self, attrs):
        def numbered(steps):
            return [{"number": n, **step} for n, step in enumerate(steps, start=1)]

        attrs["steps"] = numbered(attrs["steps"])
        if "product_steps" in attrs:
            attrs["product_steps"] = numbered(attrs["product_steps"])
        return attrs


class PolicyStepOutSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    kind = serializers.CharField()
    duration_days = serializers.IntegerField(allow_null=True)
    traffic_weight = serializers.CharField()
    fallback_kind = serializers.CharField()


class ProductStepOutSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    kind = serializers.CharField()
    duration_days = serializers.IntegerField(allow_null=True)
    traffic_weight = serializers.CharField()


class PolicyVersionOutSerializer(serializers.ModelSerializer):
    steps = PolicyStepOutSerializer(many=True, read_only=True)
    product_steps = ProductStepOutSerializer(many=True, read_only=True)

    class Meta:
        model = PolicyVersion
        fields = ["id", "effective_from", "window_days", "clustered_ban_at", "steps", "product_steps", "note"]
