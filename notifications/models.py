"""Notifications (通知) to merchants' staff: one row per (event, recipient), one delivery per channel.

A recipient is a staff user of the merchant (accounts.MerchantMembership) or the merchant's own webhook.
The in-app inbox is the notification row itself (read or unread); e-mail, SMS, app push and the webhook
each have a Delivery, unique per (notification, channel), so per (event position, recipient, channel).
"""
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    WARNING_RAISED = "warning_raised", _("warning raised")
    VIOLATION_RECORDED = "violation_recorded", _("violation recorded")
    APPEAL_RECEIVED = "appeal_received", _("appeal received")
    APPEAL_DECIDED = "appeal_decided", _("appeal decided")
    PENALTY_IMPOSED = "penalty_imposed", _("penalty imposed")
    PENALTY_LIFTED = "penalty_lifted", _("penalty lifted")
    PENALTY_EXPIRING = "penalty_expiring", _("penalty expiring soon")
    PENALTY_RE_STEPPED = "penalty_re_stepped", _("penalty re-stepped")
    RULE_CHANGED = "rule_changed", _("rule change announced")


#: Kinds a staff user cannot switch off (the statement of reasons must reach the merchant).
MANDATORY_KINDS = frozenset({Kind.VIOLATION_RECORDED, Kind.PENALTY_IMPOSED, Kind.PENALTY_LIFTED,
                             Kind.PENALTY_EXPIRING, Kind.PENALTY_RE_STEPPED})


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")
    PUSH = "push", _("app push")
    WEBHOOK = "webhook", _("merchant webhook")


USER_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.PUSH)


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class MerchantWebhook(models.Model):
    """A merchant's own system, told of every notification, signed like the downstream webhooks."""

    merchant = models.ForeignKey("metrics.Merchant", on_delete=models.CASCADE, related_name="notification_webhooks",
                                 verbose_name=_("merchant"))
    url = models.URLField(_("URL"))
    secret = models.CharField(_("signing secret"), max_length=200)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("merchant webhook")
        verbose_name_plural = _("merchant webhooks")

    def __str__(self):
        return f"{self.merchant_id} → {self.url}"


class Preference(models.Model):
    """A staff user's language, addresses and channels per kind (`channels`: {kind: [channel, ...]};
    a kind not listed goes on every channel the user has an address for). Mandatory kinds ignore opt-outs."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference", verbose_name=_("user"))
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.ZH_HANS)
    phone = models.CharField(_("mobile number"), max_length=32, blank=True)
    push_token = models.CharField(_("app push token"), max_length=255, blank=True)
    channels = models.JSONField(_("channels per kind"), default=dict, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.user)

    def wants(self, kind, channel):
        if kind in MANDATORY_KINDS or kind not in self.channels:
            return True
        return channel in self.channels[kind]


class Notification(models.Model):
    """One notice for one recipient (a staff user's inbox entry, or the merchant webhook's message)."""

    merchant = models.ForeignKey("metrics.Merchant", on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("merchant"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="notifications", verbose_name=_("user"))
    webhook = models.ForeignKey(MerchantWebhook, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                                verbose_name=_("merchant webhook"))
    key = models.CharField(_("source"), max_length=80, help_text="event-<position> or a beat task's key")
    position = models.BigIntegerField(_("event position"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    subject_id = models.CharField(_("case or penalty id"), max_length=64, blank=True)
    context = models.JSONField(_("context"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key", "user"], name="notification_once_per_user"),
            models.UniqueConstraint(fields=["key", "webhook"], name="notification_once_per_webhook"),
            models.CheckConstraint(condition=models.Q(user__isnull=False) | models.Q(webhook__isnull=False),
                                   name="notification_has_recipient"),
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_inbox")]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.user or self.webhook}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class Delivery(models.Model):
    """One notification on one channel: claimed (SKIP LOCKED, with a lease), sent outside the transaction,
    its result recorded; retried with backoff up to RISKCASE_NOTIFY_MAX_ATTEMPTS, then failed."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries",
                                     verbose_name=_("notification"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    claim_token = models.UUIDField(_("claim"), null=True, blank=True, default=None)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self):
        return f"{self.notification} / {self.channel}"

    @property
    def idempotency_key(self):
        return f"riskcase-notification-{self.pk}"


def new_claim():
    return uuid.uuid4()


class Announcement(models.Model):
    """A rule change being announced to the merchants of its category (notifications.consumers): a thousand
    merchants a transaction, in merchant id order, each after `told_through`, until `finished_at`. The consumer
    tells the first thousand in its own transaction; send_notifications tells the rest (after that commit, and
    every minute), so no transaction outgrows the task time limit and a killed worker resumes after the last
    chunk that committed."""

    position = models.BigIntegerField(_("event position"), unique=True)
    told_through = models.CharField(_("last merchant told"), max_length=64, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rule change announcement")
        verbose_name_plural = _("rule change announcements")
        ordering = ["position"]

    def __str__(self):
        return f"event {self.position}"
