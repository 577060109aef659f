"""Trade facts (the ingest tables) and the daily cohort metrics computed from them.

Each fact type has its own table keyed by its contract id, because facts arrive in
any order: a verification or a review may land before the order it refers to, so
facts refer to orders and merchants by id without a database constraint and are
joined at computation time. Each event time is stored twice: the instant, and its
calendar day in the platform time zone, which every metric groups by.

Every fact table carries `merchant_id` (the distribution column of a sharded PostgreSQL such as Citus):
in its primary key on PostgreSQL (migration 0008) and in every join between fact tables. A verification,
review, complaint or refund takes the merchant of its order when it is ingested; one whose order has not
arrived yet is stored under UNKNOWN_MERCHANT, which no order has, and moves to its order's merchant when
that order is ingested (metrics/ingest/writer.py). Until then it counts nowhere, as the contract has it.
"""
import hashlib
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

ID_LENGTH = 64


class Merchant(models.Model):
    merchant_id = models.CharField(_("merchant id"), max_length=ID_LENGTH, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=32, db_index=True)
    entity_id = models.CharField(_("legal entity"), max_length=ID_LENGTH, blank=True, db_index=True)
    occurred_at = models.DateTimeField(_("last upserted at"))

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        ordering = ["merchant_id"]

    def __str__(self):
        return f"{self.name} ({self.merchant_id})"


# The merchant_id of a fact whose order has not arrived yet (contract ids have 1 to 64 characters).
UNKNOWN_MERCHANT = ""


def _merchant_ref():
    # Orders may name a merchant before its merchant_upserted fact arrives.
    return models.ForeignKey(
        Merchant, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+",
        verbose_name=_("merchant"),
    )


class Order(models.Model):
    """order_paid: an order and the day it was paid."""

    order_id = models.CharField(_("order id"), max_length=ID_LENGTH, primary_key=True)
    merchant = _merchant_ref()
    product_id = models.CharField(_("product id"), max_length=ID_LENGTH)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    paid_at = models.DateTimeField(_("paid at"))
    paid_day = models.DateField(_("paid day"))

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["paid_day", "merchant"], name="order_paid_day_merchant"),
            models.Index(fields=["merchant", "paid_day"], name="order_merchant_paid_day"),
        ]


def _awaiting_order(name):
    """The few facts stored before their order (UNKNOWN_MERCHANT), by order id: what an order's arrival moves."""
    return models.Index(fields=["order_id"], condition=models.Q(merchant_id=UNKNOWN_MERCHANT), name=name)


class OrderVerification(models.Model):
    """order_verified (核销): the order was redeemed / served."""

    order_id = models.CharField(_("order id"), max_length=ID_LENGTH, primary_key=True)
    merchant = _merchant_ref()
    verified_at = models.DateTimeField(_("verified at"))
    verified_day = models.DateField(_("verified day"), db_index=True)

    class Meta:
        verbose_name = _("order verification")
        verbose_name_plural = _("order verifications")
        indexes = [_awaiting_order("verification_awaiting_order")]


class Review(models.Model):
    review_id = models.CharField(_("review id"), max_length=ID_LENGTH, primary_key=True)
    order_id = models.CharField(_("order id"), max_length=ID_LENGTH, db_index=True)
    merchant = _merchant_ref()
    rating = models.PositiveSmallIntegerField(_("rating"))
    posted_at = models.DateTimeField(_("posted at"))
    posted_day = models.DateField(_("posted day"))
    text = models.TextField(_("text"), blank=True)

    NEGATIVE_MAX_RATING = 2  # a review is negative when rating <= 2 (差评)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        indexes = [_awaiting_order("review_awaiting_order")]


class ComplaintReason(models.TextChoices):
    QUALITY = "quality", _("Quality")
    SERVICE_NOT_PROVIDED = "service_not_provided", _("Service not provided as agreed")
    FALSE_ADVERTISING = "false_advertising", _("False advertising")
    HYGIENE = "hygiene", _("Hygiene")
    ATTITUDE = "attitude", _("Attitude")
    PRICE = "price", _("Price")
    OTHER = "other", _("Other")


class Complaint(models.Model):
    complaint_id = models.CharField(_("complaint id"), max_length=ID_LENGTH, primary_key=True)
    order_id = models.CharField(_("order id"), max_length=ID_LENGTH, db_index=True)
    merchant = _merchant_ref()
    reason = models.CharField(_("reason"), max_length=32, choices=ComplaintReason.choices)
    filed_at = models.DateTimeField(_("filed at"))
    filed_day = models.DateField(_("filed day"), db_index=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [_awaiting_order("complaint_awaiting_order")]


class RefundResponsibility(models.TextChoices):
    MERCHANT = "merchant", _("Merchant")
    CONSUMER = "consumer", _("Consumer")
    PLATFORM = "platform", _("Platform")
    LOGISTICS = "logistics", _("Logistics")


class Refund(models.Model):
    refund_id = models.CharField(_("refund id"), max_length=ID_LENGTH, primary_key=True)
    order_id = models.CharField(_("order id"), max_length=ID_LENGTH, db_index=True)
    merchant = _merchant_ref()
    responsibility = models.CharField(
        _("responsibility"), max_length=16, choices=RefundResponsibility.choices
    )
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    refunded_at = models.DateTimeField(_("refunded at"))
    refunded_day = models.DateField(_("refunded day"))

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        indexes = [_awaiting_order("refund_awaiting_order")]


class CohortMetricRow(models.Model):
    """The counts and rates of the cohort metrics (data contract section 3) for one day, as of a day.

    complaint_rate 投诉率, negative_review_rate 差评率, merchant_refund_rate 商责退单率.
    A rate is null, never 0, when its denominator is 0. Abstract: a merchant-day (DailyMetric) and a
    product-day (ProductDailyMetric) carry the same columns.
    """

    merchant = _merchant_ref()
    day = models.DateField(_("day"))
    paid_orders = models.PositiveIntegerField(_("paid orders"))
    verified_orders = models.PositiveIntegerField(_("verified orders"))
    complaints = models.PositiveIntegerField(_("complaints"))
    negative_reviews = models.PositiveIntegerField(_("negative reviews"))
    merchant_refunds = models.PositiveIntegerField(_("merchant-responsibility refunds"))
    complaint_rate = models.DecimalField(_("complaint rate"), max_digits=16, decimal_places=6, null=True)
    negative_review_rate = models.DecimalField(
        _("negative review rate"), max_digits=16, decimal_places=6, null=True
    )
    merchant_refund_rate = models.DecimalField(
        _("merchant refund rate"), max_digits=16, decimal_places=6, null=True
    )
    stable = models.BooleanField(_("stable"))
    as_of = models.DateField(_("as of"))

    class Meta:
        abstract = True


class DailyMetric(CohortMetricRow):
    """One merchant-day of the cohort metrics (data contract section 3), as of a day."""

    class Meta:
        verbose_name = _("daily metric")
        verbose_name_plural = _("daily metrics")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "day"], name="daily_metric_merchant_day"),
        ]
        indexes = [models.Index(fields=["day"], name="daily_metric_day")]
        ordering = ["merchant_id", "day"]


class ProductDailyMetric(CohortMetricRow):
    """One product-day of the cohort metrics (data contract section 7, 商家或商品), as of a day.

    The section 3 definitions restricted to the orders of one product (the `product_id` of
    `order_paid`). Summed over a merchant's products they give its DailyMetric exactly: the recompute
    writes these rows first and derives the merchant rows from them.
    """

    product_id = models.CharField(_("product id"), max_length=ID_LENGTH)

    class Meta:
        verbose_name = _("product daily metric")
        verbose_name_plural = _("product daily metrics")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "product_id", "day"], name="product_daily_metric_merchant_product_day"
            ),
        ]
        # The recompute finds its days through `day` (the nightly run's 8 days of 90 and more); its updates
        # change no indexed column, so with the tables' fillfactor 50 they write no index entry (heap-only).
        indexes = [models.Index(fields=["day"], name="product_daily_metric_day")]
        ordering = ["merchant_id", "product_id", "day"]


class ServiceScope(models.TextChoices):
    """What a service token may do; every service endpoint requires one (metrics.authentication.HasScope)."""

    INGEST = "ingest", _("ingest trade facts")
    RESTRICTIONS_READ = "restrictions:read", _("read a merchant's restrictions")
    CASES_OPEN = "cases:open", _("open a case by hand (with evidence)")
    CASES_READ = "cases:read", _("read cases and their events")
    TRANSPARENCY_READ = "transparency:read", _("read statements of reasons and the transparency report")
    METRICS_READ = "metrics:read", _("scrape the operational metrics (/metrics)")


# What every token issued before scopes existed could do (migration 0004 gives them these).
LEGACY_SCOPES = [ServiceScope.INGEST.value, ServiceScope.RESTRICTIONS_READ.value]


class ServiceToken(models.Model):
    """A token for the platform's own systems (ingest, restrictions, cases, transparency), never a merchant's.

    Only a SHA-256 digest is stored; the token itself is shown once when created. A token carries scopes
    and may expire; rotating issues a successor with the same name and scopes and lets this one expire
    after an overlap, so the system can switch without an outage.
    """

    name = models.CharField(_("name"), max_length=100, db_index=True,
                            help_text=_("The system that holds the token; recorded as the actor of what it does."))
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    rotated_from = models.ForeignKey("self", verbose_name=_("rotated from"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="successors", editable=False)

    class Meta:
        verbose_name = _("service token")
        verbose_name_plural = _("service tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw):
        return hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def clean_scopes(scopes):
        """The scopes, validated and in a stable order; an unknown one is a ValueError."""
        known = ServiceScope.values
        unknown = sorted(set(scopes) - set(known))
        if unknown:
            raise ValueError(f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(known)}")
        return [s for s in known if s in set(scopes)]

    @classmethod
    def issue(cls, name, *, scopes, expires_at=None, rotated_from=None):
        """Create a token and return (token, raw secret)."""
        raw = "rcs_" + secrets.token_urlsafe(32)
        token = cls.objects.create(name=name, digest=cls.hash(raw), prefix=raw[:8], scopes=cls.clean_scopes(scopes),
                                   expires_at=expires_at, rotated_from=rotated_from)
        return token, raw

    def is_valid(self, now):
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def has_scope(self, scope):
        return scope in self.scopes

    def rotate(self, *, overlap, now):
        """(successor, raw secret): a new token with this one's name and scopes; this one stops working after
        `overlap` (or at its own expiry, if that comes first)."""
        ends = now + overlap
        if self.expires_at is None or self.expires_at > ends:
            self.expires_at = ends
            self.save(update_fields=["expires_at"])
        return type(self).issue(self.name, scopes=self.scopes, rotated_from=self)


class RecomputeRun(models.Model):
    """One run of the metrics pipeline: what it covered and when it finished (for operators)."""

    as_of = models.DateField(_("as of"))
    start = models.DateField(_("first day"))
    shards = models.PositiveIntegerField(_("shards"))
    rows = models.PositiveIntegerField(_("merchant-days written"), null=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True)

    class Meta:
        verbose_name = _("recompute run")
        verbose_name_plural = _("recompute runs")
        ordering = ["-started_at"]


class FactRetention(models.Model):
    """The first day of fact history still kept: retention (metrics.partitions) dropped everything before it,
    and the ingest rejects a fact dated before it. One row, or none before retention first runs."""

    kept_from = models.DateField(_("history kept from"))
    applied_at = models.DateTimeField(_("applied at"), auto_now=True)

    class Meta:
        verbose_name = _("fact retention")
        verbose_name_plural = _("fact retention")


class StaleDay(models.Model):
    """The earliest metric day that facts ingested late may have changed.

    The nightly run recomputes only the changeable days (A-7..A) plus, when a fact arrives
    after that window has passed, the days back to the earliest one recorded here.
    """

    day = models.DateField(_("earliest affected day"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stale day")
        verbose_name_plural = _("stale days")
