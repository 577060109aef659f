"""Projections of the case workflows: warnings (预警), violations (违规) and their appeals (申诉).

Rows change only by applying events (cases.aggregates.apply), called by the services and by
replay alike. The state fields are protected django-fsm fields whose transitions are declared
here; only cases.services (through the aggregate) calls them.
"""
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from .thresholds import RiskPoint, ThresholdVersion


class WarningState(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")
    ESCALATED = "escalated", _("Escalated")
    DISMISSED = "dismissed", _("Dismissed")


OPEN_WARNING_STATES = (WarningState.OPEN, WarningState.ACKNOWLEDGED)


class ViolationState(models.TextChoices):
    PENDING = "pending", _("Pending")              # 待处理: recorded, notified, appeal window open
    APPEALING = "appealing", _("Appealing")        # 申诉中
    APPEAL_SUCCEEDED = "appeal_succeeded", _("Appeal succeeded")  # 申诉成功: overturned
    APPEAL_FAILED = "appeal_failed", _("Appeal failed")            # 申诉失败: upheld
    UPHELD = "upheld", _("Upheld (appeal window lapsed)")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AppealDecision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class CaseFields(FSMModelMixin, models.Model):
    """What a warning and a violation share: what was judged, on which numbers, and who works it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey(
        "metrics.Merchant", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
        verbose_name=_("merchant"),
    )
    product_id = models.CharField(_("product id"), max_length=64, blank=True)
    risk_point = models.CharField(_("risk point"), max_length=32, choices=RiskPoint.choices)
    window_start = models.DateField(_("window start"))
    window_end = models.DateField(_("window end"))
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=6, null=True, blank=True)
    threshold = models.DecimalField(_("threshold"), max_digits=16, decimal_places=6, null=True, blank=True)
    threshold_version = models.ForeignKey(
        ThresholdVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("threshold version"),
    )
    explanation = models.JSONField(_("explanation"), default=dict)
    as_of = models.DateField(_("as of"))
    opened_at = models.DateTimeField(_("opened at"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("assignee"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.CharField(_("closed by"), max_length=80, blank=True)
    closed_reason = models.TextField(_("reason for closing"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True,
                                     help_text=_("Reviewers and auditors only; never shown to the merchant."))
    version = models.PositiveIntegerField(_("version"), default=0)

    stream_prefix = ""

    class Meta:
        abstract = True

    @property
    def stream(self):
        return f"{self.stream_prefix}-{self.pk}"

    def _close(self, ctx, reason="", internal_note=""):
        self.closed_at = ctx.occurred_at
        self.closed_by = str(ctx.actor)
        self.closed_reason = reason
        self.internal_note = internal_note


class Warning(CaseFields):  # noqa: A001 - the domain's word
    """A warning (预警): a rate or count crossed its warn-at level; the merchant should act."""

    stream_prefix = "warning"

    state = FSMField(_("state"), default=WarningState.OPEN, choices=WarningState.choices, protected=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    evidence_text = models.TextField(_("evidence"), blank=True)
    statement = models.TextField(_("statement of facts for the merchant"), blank=True)
    rectification_note = models.TextField(_("rectification note (整改说明)"), blank=True)
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    violation = models.ForeignKey(
        "cases.Violation", on_delete=models.PROTECT, null=True, blank=True, related_name="escalated_warnings",
        verbose_name=_("escalated to"),
    )

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        ordering = ["-opened_at"]
        permissions = [
            ("resolve_warning", _("Can resolve a warning")),
            ("dismiss_warning", _("Can dismiss a warning")),
            ("assign_case", _("Can assign cases to reviewers")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "risk_point", "product_id"],
                condition=models.Q(state__in=["open", "acknowledged"]),
                name="warning_one_open_per_key",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "opened_at"], name="warning_state_opened"),
            models.Index(fields=["merchant", "risk_point", "product_id"], name="warning_key"),
        ]

    def __str__(self):
        return _("Warning %(merchant)s %(risk_point)s") % {"merchant": self.merchant_id, "risk_point": self.risk_point}

    @transition(field=state, source=WarningState.OPEN, target=WarningState.ACKNOWLEDGED)
    def acknowledge(self, event, ctx):
        self.acknowledged_at = ctx.occurred_at

    @transition(field=state, source=OPEN_WARNING_STATES, target=WarningState.RESOLVED)
    def resolve(self, event, ctx):
        self._close(ctx, event.reason, event.internal_note)

    @transition(field=state, source=OPEN_WARNING_STATES, target=WarningState.ESCALATED)
    def escalate(self, event, ctx):
        self.violation_id = event.violation_id
        self._close(ctx)

    @transition(field=state, source=OPEN_WARNING_STATES, target=WarningState.DISMISSED)
    def dismiss(self, event, ctx):
        self._close(ctx, event.reason, event.internal_note)


class Violation(CaseFields):
    """A violation (违规): the merchant crossed a red line (or a reviewer found one by hand).

    Its notice reached the merchant at `notified_at` (empty until then); the merchant may appeal until
    `appeal_deadline`, counted from that moment. Without a delivered notice the window has not started.
    """

    stream_prefix = "violation"

    state = FSMField(_("state"), default=ViolationState.PENDING, choices=ViolationState.choices, protected=True)
    recorded_by_kind = models.CharField(_("recorded by"), max_length=16)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("recorded by reviewer"),
    )
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    appeal_deadline = models.DateTimeField(_("appeal deadline"), null=True, blank=True)
    evidence_text = models.TextField(_("evidence"), blank=True)
    statement = models.TextField(_("statement of facts for the merchant"), blank=True)

    class Meta:
        verbose_name = _("violation")
        verbose_name_plural = _("violations")
        ordering = ["-opened_at"]
        permissions = [
            ("decide_appeal", _("Can decide appeals")),
            ("withdraw_violation", _("Can withdraw a violation")),
            ("open_case", _("Can open a case by hand")),
        ]
        indexes = [
            models.Index(fields=["state", "appeal_deadline"], name="violation_state_deadline"),
            models.Index(fields=["merchant", "risk_point", "product_id", "window_end"], name="violation_key"),
            models.Index(fields=["merchant", "opened_at"], name="violation_merchant_opened"),
        ]

    def __str__(self):
        return _("Violation %(merchant)s %(risk_point)s") % {"merchant": self.merchant_id, "risk_point": self.risk_point}

    def appeal_window_open(self, now=None):
        """Open until the deadline; a window that has not started (no notice delivered yet) is open."""
        return self.appeal_deadline is None or (now or timezone.now()) <= self.appeal_deadline

    def _window_lapsed(self):
        return not self.appeal_window_open()

    @transition(field=state, source=ViolationState.PENDING, target=ViolationState.APPEALING)
    def start_appeal(self, event, ctx):
        pass

    @transition(field=state, source=ViolationState.APPEALING, target=ViolationState.APPEAL_SUCCEEDED)
    def accept_appeal(self, event, ctx):
        self._close(ctx, event.reasons, event.internal_note)

    @transition(field=state, source=ViolationState.APPEALING, target=ViolationState.APPEAL_FAILED)
    def reject_appeal(self, event, ctx):
        self._close(ctx, event.reasons, event.internal_note)

    @transition(field=state, source=ViolationState.PENDING, target=ViolationState.UPHELD)
    def uphold(self, event, ctx):
        self._close(ctx)

    @transition(field=state,
                source=[ViolationState.PENDING, ViolationState.APPEALING, ViolationState.UPHELD,
                        ViolationState.APPEAL_FAILED],
                target=ViolationState.WITHDRAWN)
    def withdraw(self, event, ctx):
        self._close(ctx, event.reason, event.internal_note)


class Appeal(models.Model):
    """A merchant's appeal (申诉) against a violation: at most one per violation."""

    violation = models.OneToOneField(
        Violation, on_delete=models.CASCADE, primary_key=True, related_name="appeal", verbose_name=_("violation"),
    )
    submitted_by = models.CharField(_("submitted by"), max_length=80)
    statement = models.TextField(_("statement"))
    submitted_at = models.DateTimeField(_("submitted at"))
    decision_due = models.DateTimeField(_("decision due"))
    decision = models.CharField(_("decision"), max_length=16, choices=AppealDecision.choices, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["decision_due"]
        indexes = [models.Index(fields=["decision", "decision_due"], name="appeal_decision_due")]

    def __str__(self):
        return _("Appeal against %(violation)s") % {"violation": self.violation_id}

    def is_overdue(self, now=None):
        return not self.decision and (now or timezone.now()) > self.decision_due


def _evidence_path(instance, filename):  # files are written by the services, never through a form
    return filename


class EvidenceFile(models.Model):
    """A stored evidence file; its SHA-256 is in the event that attached it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.FileField(_("file"), upload_to=_evidence_path, max_length=300)
    name = models.CharField(_("original name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name


class AppealEvidence(EvidenceFile):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("appeal"))

    class Meta(EvidenceFile.Meta):
        verbose_name = _("appeal evidence")
        verbose_name_plural = _("appeal evidence")


class ViolationEvidence(EvidenceFile):
    """Evidence a reviewer attached when opening a case by hand (public opinion, other)."""

    violation = models.ForeignKey(
        Violation, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("violation"),
    )
    shareable = models.BooleanField(_("the merchant may download it"), default=False)

    class Meta(EvidenceFile.Meta):
        verbose_name = _("case evidence")
        verbose_name_plural = _("case evidence")


class WarningEvidence(EvidenceFile):
    """Evidence a reviewer attached when raising a warning by hand (public opinion that *may* arise)."""

    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("warning"))
    shareable = models.BooleanField(_("the merchant may download it"), default=False)
    from_merchant = models.BooleanField(_("sent by the merchant with the rectification"), default=False)

    class Meta(EvidenceFile.Meta):
        verbose_name = _("warning evidence")
        verbose_name_plural = _("warning evidence")
