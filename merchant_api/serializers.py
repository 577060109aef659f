"""Serializers of the merchants' API."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from cases.abilities import can_appeal
from cases.models import RATE_RISK_POINTS, Appeal, RiskPoint, Violation, ViolationState, Warning
from cases.selectors import MERCHANT_TABS, case_timeline
from enforcement.models import PenaltyKind, PenaltyState
from metrics.models import DailyMetric
from portal.dates import RangeError, checked_range, platform_today
from portal.explanations import merchant_explanation
from portal.timeline import decision, merchant_timeline
from riskcase.api.fields import StrictCharField
from riskcase.api.serializers import ReadFastSerializer


class MetricsRangeSerializer(serializers.Serializer):
    """Query parameters of metrics/: a range of days within the last 3 months."""

    start = serializers.DateField(
        required=False, help_text="First day (YYYY-MM-DD). Default: 29 days before `end`.")
    end = serializers.DateField(
        required=False, help_text="Last day (YYYY-MM-DD). Default: yesterday in the platform time zone.")
    product = StrictCharField(
        required=False, max_length=64, help_text="One of your products: its own days instead of the store's "
                                                 "(an unknown product, or another merchant's, is a 404).")

    def validate(self, attrs):
        try:
            start, end = checked_range(platform_today(), attrs.get("start"), attrs.get("end"))
        except RangeError as error:
            raise serializers.ValidationError({error.field: error.message}, code=error.code) from None
        return {"start": start, "end": end, "product": attrs.get("product") or None}


class DailyMetricSerializer(ReadFastSerializer, serializers.ModelSerializer):
    """One day of the cohort metrics: the counts, the three rates (null when the denominator is 0,
    exact decimals as strings) and whether the day is stable (final) or still provisional."""

    class Meta:
        model = DailyMetric
        fields = [
            "day", "paid_orders", "verified_orders", "complaints", "negative_reviews", "merchant_refunds",
            "complaint_rate", "negative_review_rate", "merchant_refund_rate", "stable", "as_of",
        ]
        read_only_fields = fields


class MetricsSeriesSerializer(ReadFastSerializer):
    merchant_id = serializers.CharField()
    product_id = serializers.CharField(allow_null=True, help_text="The product asked for, null for the store.")
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
    rectification = serializers.SerializerMethodField()
    resolution = serializers.SerializerMethodField()

    class Meta(WarningSerializer.Meta):
        fields = [*WarningSerializer.Meta.fields, "explanation", "statement", "rectification", "resolution"]
        read_only_fields = fields

    @extend_schema_field(inline_serializer("Rectification", {
        "note": serializers.CharField(), "submitted_at": serializers.DateTimeField(),
        "files": serializers.ListField(child=serializers.CharField())}, allow_null=True))
    def get_rectification(self, warning):
        """The merchant's rectification note (整改说明) and file names, or null."""
        if warning.rectified_at is None:
            return None
        names = list(warning.evidence.filter(from_merchant=True).order_by("name").values_list("name", flat=True))
        return {"note": warning.rectification_note, "submitted_at": warning.rectified_at, "files": names}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_resolution(self, warning):
        """How a resolved warning ended, in the merchant's words; null while it is not resolved."""
        if warning.state != "resolved":
            return None
        if warning.rectified_at is not None and warning.closed_at and warning.closed_at >= warning.rectified_at:
            return _("Resolved after your rectification.")
        return _("Resolved.")

    @extend_schema_field(CaseExplanationSerializer)
    def get_explanation(self, warning):
        return merchant_explanation(warning)


class AcknowledgeSerializer(serializers.Serializer):
    expected_version = serializers.IntegerField(
        required=False, min_value=0,
        help_text="The warning's `version` as last read; a warning changed since is a 409.")


# --- violations (违规) and appeals (申诉) --------------------------------------------------------

class AppealFileSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The file's name as uploaded.")
    size = serializers.IntegerField(allow_null=True, help_text="Bytes.")


class AppealSummarySerializer(serializers.Serializer):
    submitted_at = serializers.DateTimeField()
    decision_due = serializers.DateTimeField(help_text="When the platform's decision is due.")
    decision = serializers.ChoiceField(choices=["", "accepted", "rejected"],
                                       help_text="Empty until decided.")
    decided_at = serializers.DateTimeField(allow_null=True)


class ViolationSerializer(serializers.ModelSerializer):
    """A violation (违规) as its merchant sees it. `can_appeal` says whether appeal/ would take an
    appeal now (pending, no appeal yet, window still open)."""

    risk_point_label = serializers.CharField(source="get_risk_point_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    can_appeal = serializers.SerializerMethodField()
    appeal_window = serializers.SerializerMethodField(
        help_text="not_started (the notice has not reached the merchant yet), open or closed")
    appeal = serializers.SerializerMethodField()

    class Meta:
        model = Violation
        fields = [
            "id", "risk_point", "risk_point_label", "product_id", "state", "state_label", "window_start",
            "window_end", "value", "threshold", "as_of", "opened_at", "notified_at", "appeal_deadline",
            "appeal_window", "can_appeal", "closed_at", "appeal", "version",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_can_appeal(self, violation):
        return can_appeal(violation, appeal=_appeal_of(violation))

    @extend_schema_field(serializers.ChoiceField(choices=["not_started", "open", "closed"]))
    def get_appeal_window(self, violation):
        if violation.appeal_deadline is None:
            return "not_started"
        return "open" if violation.appeal_window_open() else "closed"

    @extend_schema_field(AppealSummarySerializer(allow_null=True))
    def get_appeal(self, violation):
        appeal = _appeal_of(violation)
        if appeal is None:
            return None
        return AppealSummarySerializer(appeal).data


def _appeal_of(violation):
    try:
        return violation.appeal
    except Appeal.DoesNotExist:
        return None


class AppealDetailSerializer(AppealSummarySerializer):
    statement = serializers.CharField()
    reasons = serializers.CharField(help_text="The platform's statement of reasons; empty until decided.")
    files = AppealFileSerializer(many=True, source="evidence.all")


class DecisionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["appeal_accepted", "appeal_rejected", "withdrawn", "upheld"],
        help_text="appeal_accepted: overturned; appeal_rejected: upheld after appeal; withdrawn by the platform; "
                  "upheld: the appeal window lapsed.")
    decided_at = serializers.DateTimeField(allow_null=True)
    reasons = serializers.CharField(help_text="The statement of reasons (说明理由).")
    decided_by = serializers.ChoiceField(choices=["platform_reviewer", "system"])
    decided_by_label = serializers.CharField()


class TimelineEntrySerializer(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    type = serializers.ChoiceField(
        choices=["recorded", "appeal_submitted", "appeal_accepted", "appeal_rejected", "withdrawn", "upheld"])
    actor = serializers.ChoiceField(choices=["merchant", "platform_reviewer", "system"],
                                    help_text="Who acted; reviewers are never named.")
    actor_label = serializers.CharField()
    summary = serializers.CharField(help_text="One sentence, in the language of Accept-Language.")
    statement = serializers.CharField(allow_null=True, help_text="Your appeal statement (appeal_submitted).")
    reasons = serializers.CharField(allow_null=True, help_text="The statement of reasons of a decision.")
    files = AppealFileSerializer(many=True)
    deadline = serializers.DateTimeField(
        allow_null=True, help_text="recorded: the appeal deadline; appeal_submitted: when the decision is due.")


class ViolationDetailSerializer(ViolationSerializer):
    explanation = serializers.SerializerMethodField()
    appeal = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    grounds = serializers.SerializerMethodField()

    class Meta(ViolationSerializer.Meta):
        fields = [*ViolationSerializer.Meta.fields, "explanation", "grounds", "decision", "timeline"]
        read_only_fields = fields

    @extend_schema_field(inline_serializer("Grounds", {
        "statement": serializers.CharField(),
        "files": inline_serializer("SharedEvidence", {"id": serializers.UUIDField(), "name": serializers.CharField(),
                                                      "size": serializers.IntegerField()}, many=True)}))
    def get_grounds(self, violation):
        """The statement of facts and the downloadable evidence (`evidence/<file id>/`) of a case opened by hand."""
        from cases.selectors import violation_grounds

        return violation_grounds(violation)

    @extend_schema_field(CaseExplanationSerializer)
    def get_explanation(self, violation):
        return merchant_explanation(violation)

    @extend_schema_field(AppealDetailSerializer(allow_null=True))
    def get_appeal(self, violation):
        appeal = _appeal_of(violation)
        return None if appeal is None else AppealDetailSerializer(appeal).data

    @extend_schema_field(DecisionSerializer(allow_null=True))
    def get_decision(self, violation):
        found = decision(violation, _appeal_of(violation))
        return None if found is None else DecisionSerializer(found).data

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_timeline(self, violation):
        return TimelineEntrySerializer(merchant_timeline(case_timeline(violation)), many=True).data


class AppealRequestSerializer(serializers.Serializer):
    """multipart/form-data: the statement and up to 5 evidence files (repeat the `files` part)."""

    statement = serializers.CharField(max_length=5000, help_text="Why the violation should be overturned.")
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False, use_url=False), required=False, default=list,
        help_text="Up to 5 files, PDF, JPEG or PNG (checked from the content), 10 MB each.")
    expected_version = serializers.IntegerField(
        required=False, min_value=0,
        help_text="The violation's `version` as last read; a violation changed since is a 409.")


class ViolationListParamsSerializer(serializers.Serializer):
    tab = serializers.ChoiceField(choices=list(MERCHANT_TABS), required=False)


# --- diagnosis (风险诊断) and penalties (处罚) --------------------------------------------------------

class WarningCountSerializer(ReadFastSerializer):
    risk_point = serializers.ChoiceField(choices=RiskPoint.choices)
    risk_point_label = serializers.CharField()
    open = serializers.IntegerField()
    acknowledged = serializers.IntegerField()


class TabCountsSerializer(ReadFastSerializer):
    new = serializers.IntegerField(help_text="Recorded in the last 7 days (新违规).")
    pending = serializers.IntegerField(help_text="Awaiting your appeal or the window's end (待处理).")
    appealing = serializers.IntegerField(help_text="Appealed, awaiting the decision (申诉中).")
    appeal_succeeded = serializers.IntegerField(help_text="Overturned on appeal (申诉成功).")
    appeal_failed = serializers.IntegerField(help_text="Upheld on appeal (申诉失败).")
    upheld = serializers.IntegerField(help_text="In effect: the appeal window lapsed without an appeal (已生效).")
    withdrawn = serializers.IntegerField(help_text="Withdrawn by the platform (已撤销).")


class RateFigureSerializer(ReadFastSerializer):
    value = serializers.DecimalField(max_digits=16, decimal_places=6, allow_null=True,
                                     help_text="The pooled rate (sum of numerators / sum of denominators); null "
                                               "without orders.")
    numerator = serializers.IntegerField(allow_null=True)
    denominator = serializers.IntegerField(allow_null=True)
    window_start = serializers.DateField()
    window_end = serializers.DateField()
    line = serializers.DecimalField(max_digits=8, decimal_places=6, help_text="What the figure is judged against.")
    status = serializers.ChoiceField(choices=["at_or_above", "below", "too_few_orders", "no_data"])


class RateStandingSerializer(ReadFastSerializer):
    rate = serializers.ChoiceField(choices=[(p.value, p.label) for p in RATE_RISK_POINTS])
    rate_label = serializers.CharField()
    warning = RateFigureSerializer(
        allow_null=True, help_text="The warning figure: pooled over the window_days days ending at as_of, the "
                                   "provisional days included, against warn_at (预警).")
    violation = RateFigureSerializer(
        allow_null=True, help_text="The violation figure: pooled over the window_days stable days ending at "
                                   "as_of - 7, against the limit (违规).")
    warn_at = serializers.DecimalField(max_digits=8, decimal_places=6, allow_null=True)
    limit = serializers.DecimalField(max_digits=8, decimal_places=6, allow_null=True, help_text="The red line.")
    window_days = serializers.IntegerField(allow_null=True)
    min_orders = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(
        choices=["ok", "warning", "over_limit", "too_few_orders", "no_data", "no_threshold"],
        help_text="over_limit: the violation figure reaches the limit; warning: the warning figure reaches "
                  "warn_at; ok: neither; too_few_orders: fewer orders than min_orders; no_data; no_threshold. "
                  "The same judgement the rules made as of as_of, so it agrees with the cases they opened.")


class PenaltyRestrictionSerializer(ReadFastSerializer):
    code = serializers.ChoiceField(
        choices=["public_warning", "no_creator_matchmaking", "no_ads", "no_campaigns", "traffic_weight",
                 "banned_products", "product_restricted", "store_removal"])
    label = serializers.CharField(help_text="In the language of Accept-Language.")


class PenaltyViolationSerializer(ReadFastSerializer):
    id = serializers.UUIDField(help_text="The violation; see violations/{id}/.")
    risk_point = serializers.ChoiceField(choices=RiskPoint.choices)
    risk_point_label = serializers.CharField()
    product_id = serializers.CharField()
    opened_at = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=ViolationState.choices)
    state_label = serializers.CharField()


class PenaltySerializer(ReadFastSerializer):
    """A penalty (处罚) as its merchant sees it: what it restricts, from when to when, the violations
    behind it, and, once it is no longer in force, why it ended."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(
        choices=PenaltyKind.choices,
        help_text="public_warning, restricted_promotion, throttling, product_ban or store_removal.")
    kind_label = serializers.CharField()
    state = serializers.ChoiceField(choices=[PenaltyState.ACTIVE, PenaltyState.LIFTED, PenaltyState.EXPIRED])
    state_label = serializers.CharField()
    status = serializers.ChoiceField(choices=["active", "past"], help_text="In force now, or not any more.")
    scope = serializers.ChoiceField(choices=["store", "product"],
                                    help_text="The whole store, or only the product in product_id.")
    product_id = serializers.CharField(help_text="The product concerned; empty for the whole store.")
    restrictions = PenaltyRestrictionSerializer(many=True, help_text="What the penalty restricts.")
    traffic_weight = serializers.DecimalField(
        max_digits=4, decimal_places=2, allow_null=True,
        help_text="The share of normal traffic left (e.g. 0.50) when traffic is reduced; null otherwise.")
    step = serializers.IntegerField(help_text="The step of the penalty ladder.")
    basis = serializers.ChoiceField(
        choices=["ladder", "discretionary", "protective"],
        help_text="ladder: the step your standing violations reach; discretionary: chosen by a reviewer for a "
                  "serious case, with the statement in `reasons`; protective: a product banned at once to "
                  "protect consumers, pending a reviewer's confirmation.")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True, help_text="Null: until lifted.")
    reasons = serializers.CharField(help_text="Why the penalty was imposed.")
    violation_id = serializers.UUIDField(allow_null=True, help_text="The (first) violation behind it.")
    violations = PenaltyViolationSerializer(many=True, help_text="The violations behind it, with their risk point.")
    ended_at = serializers.DateTimeField(allow_null=True, help_text="When it stopped being in force.")
    end_cause = serializers.ChoiceField(
        choices=["expired", "appeal_won", "violation_withdrawn", "re_evaluated", "re_stepped", "left_window",
                 "reviewer"], allow_null=True,
        help_text="Why it is no longer in force; null while it is.")
    end_reason = serializers.CharField(help_text="The same, in a sentence; empty while in force.")


class AttentionAppealSerializer(ReadFastSerializer):
    id = serializers.UUIDField()
    risk_point = serializers.ChoiceField(choices=RiskPoint.choices)
    risk_point_label = serializers.CharField()
    product_id = serializers.CharField()
    appeal_deadline = serializers.DateTimeField(
        allow_null=True, help_text="Null until the notice reaches you: the 7-day window starts on delivery.")


class AttentionWarningSerializer(ReadFastSerializer):
    id = serializers.UUIDField()
    risk_point = serializers.ChoiceField(choices=RiskPoint.choices)
    risk_point_label = serializers.CharField()
    product_id = serializers.CharField()
    opened_at = serializers.DateTimeField()


class AttentionPenaltySerializer(ReadFastSerializer):
    id = serializers.UUIDField()
    kind = serializers.CharField(help_text="The penalty's kind, as in penalties/ (public_warning, ...).")
    kind_label = serializers.CharField()
    ends_at = serializers.DateTimeField()


class AttentionSerializer(ReadFastSerializer):
    appeals = AttentionAppealSerializer(many=True, help_text="Violations you can still appeal, soonest deadline "
                                                             "first.")
    warnings = AttentionWarningSerializer(many=True, help_text="Warnings not acknowledged yet.")
    penalties_ending = AttentionPenaltySerializer(many=True, help_text="Penalties in force ending within 7 days, "
                                                                      "the soonest first (at most 20).")


class ProductAtRiskSerializer(ReadFastSerializer):
    product_id = serializers.CharField()
    open_warnings = serializers.IntegerField(help_text="Open or acknowledged warnings about this product.")
    standing_violations = serializers.IntegerField(help_text="Violations about this product not overturned.")
    rates = RateStandingSerializer(many=True, help_text="The product's own pooled rates against the category's "
                                                        "lines (minimum orders: the product minimum).")


class RuleFieldChangeSerializer(ReadFastSerializer):
    field = serializers.CharField(help_text="The field's name, e.g. limit, warn_at, steps[2].kind.")
    label = serializers.CharField(help_text="In the language of Accept-Language.")
    old = serializers.CharField(allow_null=True, help_text="The value until the change applies, as shown to the "
                                "merchant (rates as percentages, penalties by name; null: no rule before).")
    new = serializers.CharField(help_text="The value from effective_from.")
    stricter = serializers.BooleanField(help_text="True when this change can only harm a merchant.")


class RuleChangeSerializer(ReadFastSerializer):
    rule = serializers.ChoiceField(choices=["threshold", "rule_parameters", "policy"])
    rule_label = serializers.CharField()
    risk_point = serializers.CharField(help_text="The rate of a threshold; empty otherwise.")
    version_id = serializers.IntegerField()
    effective_from = serializers.DateField(help_text="The change applies from this day (从此日起).")
    stricter = serializers.BooleanField(help_text="A stricter change is announced at least 7 days before it applies.")
    changes = RuleFieldChangeSerializer(many=True)


class DiagnosisSerializer(ReadFastSerializer):
    merchant_id = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    today = serializers.DateField(help_text="Today in the platform time zone.")
    as_of = serializers.DateField(allow_null=True, help_text="The day the figures are as of (A): the latest "
                                                             "evaluation of your metrics; null before the first.")
    stable_through = serializers.DateField(allow_null=True, help_text="as_of - 7: days up to this one are final.")
    provisional_from = serializers.DateField(
        allow_null=True, help_text="Days from this one to as_of may still change: complaints, reviews and refunds "
                                   "count toward an order's day for 7 days after it.")
    warnings = WarningCountSerializer(many=True, help_text="Open and acknowledged warnings per risk point.")
    violations = TabCountsSerializer(help_text="Violations per tab.")
    rates = RateStandingSerializer(many=True)
    penalties = PenaltySerializer(
        many=True, help_text="Penalties in force now, newest first: the first 20 (penalties_total says how many "
                             "there are; penalties/?status=active gives them all, penalties/ past ones too).")
    penalties_total = serializers.IntegerField(help_text="How many penalties are in force now.")
    attention = AttentionSerializer(help_text="What needs your attention (需要您处理).")
    products_at_risk = ProductAtRiskSerializer(
        many=True, help_text="Your products with an open product warning or a standing product violation, each "
                             "with its own pooled rates (metrics/?product= gives its days), the most serious "
                             "first (most standing violations, then most open warnings, then by product id): "
                             "the first 20 (products-at-risk/ gives them all, page by page).")
    products_at_risk_total = serializers.IntegerField(help_text="How many of your products are at risk.")
    rule_changes = RuleChangeSerializer(
        many=True, help_text="Rule changes announced for your category (thresholds, rule parameters, the penalty "
                             "policy) that apply after today, with the old and new values, in the order they apply.")


# --- drill-down: the facts behind a figure -----------------------------------------------------------

class FactsParamsSerializer(serializers.Serializer):
    rate = serializers.ChoiceField(choices=[p.value for p in RATE_RISK_POINTS],
                                   help_text="Which rate of the day: its complaints, negative reviews or refunds.")
    part = serializers.ChoiceField(choices=["numerator", "denominator"], default="numerator", required=False,
                                   help_text="numerator: the facts counted (default); denominator: the orders.")
    product = StrictCharField(required=False, max_length=64,
                              help_text="One of your products: the facts of its own rate that day.")


class FactSerializer(serializers.Serializer):
    """One fact behind a figure, without any consumer personal data (no text, no consumer id)."""

    kind = serializers.ChoiceField(choices=["order", "complaint", "review", "refund"])
    id = serializers.CharField(source="fact_id", help_text="The order, ticket, review or refund id.")
    order_id = serializers.CharField()
    product_id = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField(help_text="When it happened (paid, verified, filed, posted or refunded).")
    order_paid_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(allow_null=True, help_text="A complaint's reason code.")
    reason_label = serializers.CharField()
    rating = serializers.IntegerField(allow_null=True, help_text="A review's stars.")
    responsibility = serializers.CharField(allow_null=True, help_text="A refund's responsibility code.")
    responsibility_label = serializers.CharField()
    amount_cents = serializers.IntegerField(allow_null=True)


class GuidanceSerializer(serializers.Serializer):
    """Guidance for a risk point in the language of Accept-Language (Simplified Chinese or English)."""

    risk_point = serializers.ChoiceField(choices=RiskPoint.choices)
    risk_point_label = serializers.CharField()
    language = serializers.ChoiceField(choices=["zh-hans", "en"])
    version = serializers.IntegerField(help_text="Reviewers publish new versions; old ones are kept as written.")
    meaning = serializers.CharField(help_text="What it means.")
    computation = serializers.CharField(help_text="How it is computed.")
    improve = serializers.CharField(help_text="How to improve.")
    appeal = serializers.CharField(help_text="How to appeal.")
    reminder = serializers.CharField(help_text="What the platform may do next.")
    created_at = serializers.DateTimeField()
