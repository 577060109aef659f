"""Per-category rate thresholds and count-rule parameters, versioned by effective date (data contract section 5)."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskPoint(models.TextChoices):
    """Risk points (风险点) a warning or violation is raised for."""

    COMPLAINT_RATE = "complaint_rate", _("Complaint rate")
    NEGATIVE_REVIEW_RATE = "negative_review_rate", _("Negative review rate")
    MERCHANT_REFUND_RATE = "merchant_refund_rate", _("Merchant-responsibility refund rate")
    CLUSTERED_COMPLAINTS = "clustered_complaints", _("Clustered complaints on a product")
    SERVICE_NOT_PROVIDED = "service_not_provided", _("Orders not served as agreed")
    RELATED_ENTITY = "related_entity", _("Related entity with a record")
    PUBLIC_OPINION = "public_opinion", _("Negative public opinion")
    OTHER = "other", _("Other")


RATE_RISK_POINTS = (
    RiskPoint.COMPLAINT_RATE,
    RiskPoint.NEGATIVE_REVIEW_RATE,
    RiskPoint.MERCHANT_REFUND_RATE,
)


class ThresholdVersion(models.Model):
    """One version of one category's threshold for one rate, in force from `effective_from`.

    An evaluation as of A uses, per (category, risk point), the version with the latest
    effective_from <= A. Versions are only ever added, never edited, so past judgements
    can always be explained by the version they cite.
    """

    category = models.CharField(_("category"), max_length=32)
    risk_point = models.CharField(
        _("risk point"), max_length=32, choices=[(p.value, p.label) for p in RATE_RISK_POINTS]
    )
    limit = models.DecimalField(_("limit (red line)"), max_digits=8, decimal_places=6)
    warn_at = models.DecimalField(_("warn at"), max_digits=8, decimal_places=6)
    window_days = models.PositiveSmallIntegerField(_("window (days)"), default=30)
    min_orders = models.PositiveIntegerField(_("minimum orders"), default=30)
    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        verbose_name=_("created by"), related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("threshold version")
        verbose_name_plural = _("threshold versions")
        ordering = ["category", "risk_point", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "risk_point", "effective_from"], name="threshold_version_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(warn_at__lte=models.F("limit")), name="threshold_warn_at_not_above_limit"
            ),
            models.CheckConstraint(condition=models.Q(window_days__gte=1), name="threshold_window_positive"),
        ]

    def __str__(self):
        return f"{self.category} {self.risk_point} ≥ {self.limit} from {self.effective_from}"


class RuleParameterVersion(models.Model):
    """One version of one category's parameters for the count rules, in force from `effective_from`.

    Like ThresholdVersion: an evaluation as of A uses, per category, the version with the latest
    effective_from <= A, cites its id in the case's explanation, and versions are only added.
    The field defaults are the shipped defaults (data contract section 5).
    """

    PARAMETERS = ("clustered_window_days", "clustered_warn_at", "clustered_limit", "unserved_window_days",
                  "unserved_limit", "related_lookback_days", "product_min_orders")

    category = models.CharField(_("category"), max_length=32)
    clustered_window_days = models.PositiveSmallIntegerField(_("clustered complaints: window (days)"), default=3)
    clustered_warn_at = models.PositiveIntegerField(_("clustered complaints: warn at (complaints)"), default=5)
    clustered_limit = models.PositiveIntegerField(_("clustered complaints: violation at (complaints)"), default=10)
    unserved_window_days = models.PositiveSmallIntegerField(_("orders not served: window (days)"), default=7)
    unserved_limit = models.PositiveIntegerField(_("orders not served: violation at (complaints)"), default=3)
    related_lookback_days = models.PositiveSmallIntegerField(_("related entity: look back (days)"), default=180)
    # The rate rules judge each product too (contract section 7), when its pooled orders reach this.
    product_min_orders = models.PositiveIntegerField(_("product rates: minimum orders"), default=20)
    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        verbose_name=_("created by"), related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("rule parameters version")
        verbose_name_plural = _("rule parameters versions")
        ordering = ["category", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["category", "effective_from"], name="rule_parameters_version_unique"),
            models.CheckConstraint(
                condition=models.Q(clustered_warn_at__gte=1, clustered_warn_at__lte=models.F("clustered_limit")),
                name="rule_parameters_clustered_warn_at_not_above_limit",
            ),
            models.CheckConstraint(
                condition=models.Q(clustered_window_days__gte=1, unserved_window_days__gte=1, unserved_limit__gte=1,
                                   related_lookback_days__gte=1, product_min_orders__gte=1),
                name="rule_parameters_positive",
            ),
        ]

    def __str__(self):
        return f"{self.category} rule parameters from {self.effective_from}"
