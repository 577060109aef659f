"""Enforcement projections (penalties, restrictions) and the graduated policy edited in admin."""
import uuid
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition


class PenaltyKind(models.TextChoices):
    PUBLIC_WARNING = "public_warning", _("public warning")
    RESTRICTED_PROMOTION = "restricted_promotion", _("restricted promotion")
    THROTTLING = "throttling", _("traffic throttling")
    PRODUCT_BAN = "product_ban", _("product ban")
    # A product's first rung on its own ladder: no creator matchmaking, lower traffic, for that product only.
    PRODUCT_RESTRICTION = "product_restriction", _("product restriction")
    STORE_REMOVAL = "store_removal", _("store removal")


# The shipped product ladder (issue 18): a product's first standing product violation restricts it for 30 days
# (no creator matchmaking, traffic weight 0.5); a second one within the window bans it (one reviewer confirms).
DEFAULT_PRODUCT_STEPS = (
    {"number": 1, "kind": "product_restriction", "duration_days": 30, "traffic_weight": "0.50"},
    {"number": 2, "kind": "product_ban", "duration_days": 60, "traffic_weight": "0.00"},
)


def default_product_steps():
    return [dict(step) for step in DEFAULT_PRODUCT_STEPS]


# The shipped severity order of risk points, most severe first (enforcement.ladder orders the violations of one
# evaluation by it): clustered complaints on one product hurt many consumers at once; orders not served and
# merchant-responsibility refunds are harm already done; complaint and negative-review rates are
# dissatisfaction; public opinion and a related entity's record are risks, "other" is a reviewer's call.
DEFAULT_SEVERITY_ORDER = (
    "clustered_complaints",
    "service_not_provided",
    "merchant_refund_rate",
    "complaint_rate",
    "negative_review_rate",
    "public_opinion",
    "related_entity",
    "other",
)
DEFAULT_PROTECTIVE_REVIEW_HOURS = 24  # a protective severity ban is confirmed or lifted within this (shipped)


def default_severity_order():
    return list(DEFAULT_SEVERITY_ORDER)


class PenaltyState(models.TextChoices):
    PROPOSED = "proposed", _("awaiting approval")
    ACTIVE = "active", _("in force")
    LIFTED = "lifted", _("lifted")
    EXPIRED = "expired", _("expired")


class LiftCause(models.TextChoices):
    """Why a penalty ended before its term (its own column: never parsed out of a sentence)."""

    APPEAL_WON = "appeal_won", _("appeal won")
    VIOLATION_WITHDRAWN = "violation_withdrawn", _("violation withdrawn")
    RE_EVALUATED = "re_evaluated", _("re-evaluated")  # before re-stepping had its own causes
    RE_STEPPED = "re_stepped", _("re-stepped")
    LEFT_WINDOW = "left_window", _("violation left the rolling window")
    REVIEWER = "reviewer", _("lifted by a reviewer")


LIFTABLE = [PenaltyState.PROPOSED, PenaltyState.ACTIVE]


class PolicyVersion(models.Model):
    """The graduated policy in force from `effective_from` (like cases' threshold versions)."""

    effective_from = models.DateField(_("effective from"), unique=True)
    window_days = models.PositiveIntegerField(_("rolling window (days)"), default=90)
    clustered_ban_at = models.PositiveIntegerField(
        _("clustered complaints that ban the product at once"), default=10)
    # The per-product ladder of the product rate violations (contract section 7), as
    # [{number, kind, duration_days, traffic_weight (text)}]; versions added before it hold the shipped default.
    product_steps = models.JSONField(_("product ladder steps"), default=default_product_steps)
    # Per version since issue 12's "configurable per policy version" (versions before hold the shipped values).
    protective_review_hours = models.PositiveIntegerField(
        _("protective ban review SLA (hours)"), default=DEFAULT_PROTECTIVE_REVIEW_HOURS)
    severity_order = models.JSONField(_("severity order of risk points (most severe first)"),
                                      default=default_severity_order)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("penalty policy version")
        verbose_name_plural = _("penalty policy versions")
        ordering = ["-effective_from"]

    def __str__(self):
        return str(_("policy from %(date)s") % {"date": self.effective_from})


class PolicyStep(models.Model):
    """Step n applies to the merchant's n-th violation in the window; the last step applies beyond."""

    policy = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="steps", verbose_name=_("policy"))
    number = models.PositiveIntegerField(_("violation count"))
    kind = models.CharField(_("penalty"), max_length=32, choices=PenaltyKind.choices)
    duration_days = models.PositiveIntegerField(_("duration (days)"), null=True, blank=True,
                                                help_text=_("empty: no end"))
    traffic_weight = models.DecimalField(_("traffic weight"), max_digits=4, decimal_places=2, default=Decimal("1"))
    fallback_kind = models.CharField(
        _("penalty when no product is concerned"), max_length=32, choices=PenaltyKind.choices, blank=True)

    class Meta:
        verbose_name = _("policy step")
        verbose_name_plural = _("policy steps")
        ordering = ["policy", "number"]
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="enforcement_step_unique")]

    def __str__(self):
        return f"{self.number}: {self.get_kind_display()}"


class Penalty(FSMModelMixin, models.Model):
    """Projection of one penalty stream (处罚). The state changes only through the transitions below,
    called by the penalty aggregate (enforcement.aggregates) for the services and replay alike."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merchant_id = models.CharField(_("merchant id"), max_length=64, db_index=True)
    product_id = models.CharField(_("product id"), max_length=64, blank=True)
    kind = models.CharField(_("penalty"), max_length=32, choices=PenaltyKind.choices)
    step = models.PositiveIntegerField(_("step"))
    state = FSMField(_("state"), max_length=16, choices=PenaltyState.choices, default=PenaltyState.PROPOSED,
                     protected=True)
    violation_ids = models.JSONField(_("violations"), default=list)
    policy_version_id = models.IntegerField(_("policy version"), null=True, blank=True)
    duration_days = models.PositiveIntegerField(_("duration (days)"), null=True, blank=True)
    traffic_weight = models.DecimalField(_("traffic weight"), max_digits=4, decimal_places=2, default=Decimal("1"))
    approvals_needed = models.PositiveIntegerField(_("approvals needed"), default=0)
    senior_only = models.BooleanField(_("senior reviewers only"), default=False)
    approved_by = models.JSONField(_("approved by"), default=list)
    lift_approved_by = models.JSONField(_("lift approved by"), default=list)
    proposed_at = models.DateTimeField(_("proposed at"))
    proposed_by = models.CharField(_("proposed by"), max_length=80)
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.CharField(_("closed by"), max_length=80, blank=True)
    closed_reason = models.TextField(_("reason"), blank=True)
    lift_cause = models.CharField(_("lift cause"), max_length=32, choices=LiftCause.choices, blank=True)
    internal_note = models.TextField(_("internal note"), blank=True,
                                     help_text=_("Reviewers and auditors only; never shown to the merchant."))
    term_from = models.DateTimeField(_("term counts from"), null=True, blank=True)
    protective = models.BooleanField(_("protective severity ban"), default=False)
    review_due_at = models.DateTimeField(_("review due"), null=True, blank=True, db_index=True)
    confirmed_by = models.IntegerField(_("confirmed by"), null=True, blank=True)
    discretionary = models.BooleanField(_("discretionary"), default=False)
    statement = models.TextField(_("statement of reasons"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("penalty")
        verbose_name_plural = _("penalties")
        ordering = ["-proposed_at"]
        indexes = [models.Index(fields=["state", "ends_at"], name="enforcement_due_idx")]
        permissions = [
            ("approve_penalty", _("Can approve a proposed penalty")),
            ("lift_penalty", _("Can lift a penalty by hand")),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.merchant_id}{' / ' + self.product_id if self.product_id else ''}"

    @property
    def on_ladder(self):
        """A rung of the ladder (a pure function of the standing violations), not a reviewer's discretionary
        measure nor a protective severity ban."""
        return not (self.discretionary or self.protective)

    @property
    def stream(self):
        from eventstore.streams import stream_name

        return stream_name("penalty", self.id)

    @transition(field=state, source=PenaltyState.PROPOSED, target=PenaltyState.PROPOSED)
    def record_approval(self, reviewer_id):
        self.approved_by = [*self.approved_by, reviewer_id]

    @transition(field=state, source=PenaltyState.PROPOSED, target=PenaltyState.ACTIVE)
    def impose(self, starts_at, ends_at):
        self.starts_at, self.ends_at = starts_at, ends_at

    @transition(field=state, source=PenaltyState.ACTIVE, target=PenaltyState.ACTIVE,
                conditions=[lambda p: p.protective and p.confirmed_by is None])
    def confirm(self, reviewer_id):
        self.confirmed_by = reviewer_id

    @transition(field=state, source=LIFTABLE, target=RETURN_VALUE(*LIFTABLE))
    def record_lift_approval(self, reviewer_id):
        self.lift_approved_by = [*self.lift_approved_by, reviewer_id]
        return self.state

    @transition(field=state, source=LIFTABLE, target=PenaltyState.LIFTED)
    def lift(self, *, cause, reason, internal_note, at, by):
        self.lift_cause, self.closed_reason, self.internal_note = cause, reason, internal_note
        self.closed_at, self.closed_by = at, by

    @transition(field=state, source=PenaltyState.ACTIVE, target=PenaltyState.EXPIRED)
    def expire(self, *, at, by):
        self.closed_at, self.closed_by = at, by


class Restriction(models.Model):
    """Projection: a merchant's effective restrictions, what downstream systems read."""

    merchant_id = models.CharField(_("merchant id"), max_length=64, primary_key=True)
    public_warning = models.BooleanField(_("public warning"), default=False)
    can_match_creators = models.BooleanField(_("can match creators"), default=True)
    can_advertise = models.BooleanField(_("can advertise"), default=True)
    can_join_campaigns = models.BooleanField(_("can join campaigns"), default=True)
    traffic_weight = models.DecimalField(_("traffic weight"), max_digits=4, decimal_places=2, default=Decimal("1"))
    banned_products = models.JSONField(_("banned products"), default=list)
    removed = models.BooleanField(_("removed"), default=False)
    measures = models.JSONField(_("penalties in force"), default=list)
    # [{product_id, can_match_creators, traffic_weight (text), banned}] of each restricted or banned product.
    product_restrictions = models.JSONField(_("product restrictions"), default=list)
    position = models.BigIntegerField(_("event position"), default=0)

    class Meta:
        verbose_name = _("restriction")
        verbose_name_plural = _("restrictions")
        ordering = ["merchant_id"]

    def document(self):
        return {
            "merchant_id": self.merchant_id,
            "public_warning": self.public_warning,
            "can_match_creators": self.can_match_creators,
            "can_advertise": self.can_advertise,
            "can_join_campaigns": self.can_join_campaigns,
            "traffic_weight": f"{Decimal(self.traffic_weight):.2f}",
            "banned_products": list(self.banned_products),
            "removed": self.removed,
            "measures": list(self.measures),
            "product_restrictions": list(self.product_restrictions),
            "position": self.position,
        }


def validate_webhook_url(value):
    """Public addresses only, unless allow-listed (enforcement.webhooks.resolve)."""
    from .webhooks import validate_url

    validate_url(value)


class WebhookEndpoint(models.Model):
    """A downstream system told of every restriction change (signed with HMAC-SHA256)."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), validators=[validate_webhook_url],
                          help_text=_("A public address (https recommended); redirects are not followed."))
    secret = models.CharField(_("signing secret"), max_length=200)
    previous_secret = models.CharField(_("previous signing secret"), max_length=200, blank=True)
    previous_secret_until = models.DateTimeField(_("previous secret signs until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # When the one scheduled retry of this endpoint's deliveries is due (enforcement.webhooks).
    retry_scheduled_for = models.DateTimeField(_("retry scheduled for"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.name

    def signing_secrets(self, now):
        """The secrets a delivery is signed with now: the current one, and the previous one during the
        overlap after a rotation (so a receiver can switch without losing a message)."""
        if self.previous_secret and self.previous_secret_until and now < self.previous_secret_until:
            return [self.secret, self.previous_secret]
        return [self.secret]


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    DELIVERED = "delivered", _("delivered")
    DEAD = "dead", _("dead")


class WebhookDelivery(models.Model):
    """One restriction change for one endpoint; delivered in position order per merchant."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries",
                                 verbose_name=_("endpoint"))
    merchant_id = models.CharField(_("merchant id"), max_length=64)
    position = models.BigIntegerField(_("event position"))
    payload = models.JSONField(_("payload"))
    state = models.CharField(_("state"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Since when it has been trying (reset by "replay from here"): the maximum age counts from here.
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    claim = models.UUIDField(_("claim"), null=True, blank=True)
    lease_until = models.DateTimeField(_("in flight until"), null=True, blank=True)
    dead_at = models.DateTimeField(_("dead since"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["endpoint", "merchant_id", "position"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "position"], name="enforcement_delivery_once")]
        indexes = [models.Index(fields=["state", "endpoint", "merchant_id", "position"], name="enforcement_pending_idx")]
