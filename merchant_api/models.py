"""What the merchants' API itself stores: the Idempotency-Key of each successful appeal."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from riskcase.models import StoredResponse


class IdempotencyKey(StoredResponse):
    """A merchant's Idempotency-Key and the response it got (幂等键)."""

    merchant = models.ForeignKey(
        "metrics.Merchant", on_delete=models.CASCADE, db_constraint=False, related_name="+",
        verbose_name=_("merchant"),
    )

    class Meta(StoredResponse.Meta):
        constraints = [models.UniqueConstraint(fields=["merchant", "key"], name="idempotency_key_per_merchant")]

    def __str__(self):
        return f"{self.merchant_id}: {self.key}"
