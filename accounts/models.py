"""Which merchant a user works for: one merchant has several staff users, a user at most one merchant.

API tokens are django-rest-knox's AuthToken (hashed, expiring, deleted on logout); this app adds
only the link from a user to the merchant whose data every token of that user can see.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MerchantMembership(models.Model):
    """A staff user of a merchant (商家员工): everything their tokens read is scoped to this merchant."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="merchant_membership",
        verbose_name=_("user"),
    )
    merchant = models.ForeignKey(
        "metrics.Merchant", on_delete=models.CASCADE, related_name="staff_memberships",
        verbose_name=_("merchant"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("merchant staff member")
        verbose_name_plural = _("merchant staff members")
        ordering = ["merchant_id", "user_id"]

    def __str__(self):
        return f"{self.user} @ {self.merchant_id}"
