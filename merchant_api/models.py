"""What the merchants' API itself stores: the Idempotency-Key of each successful appeal."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """A merchant's Idempotency-Key and the response it got (幂等键).

    Stored in the same transaction as the command it guards, and only when the command
    succeeded: a failed request stored nothing, so retrying it with the same key runs it again.
    """

    merchant = models.ForeignKey(
        "metrics.Merchant", on_delete=models.CASCADE, db_constraint=False, related_name="+",
        verbose_name=_("merchant"),
    )
    key = models.CharField(_("key"), max_length=255)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"))
    response = models.JSONField(_("response"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["merchant", "key"], name="idempotency_key_per_merchant")]

    def __str__(self):
        return f"{self.merchant_id}: {self.key}"
