"""Which merchants a user works for: one merchant has several staff users, and a user may work for several
merchants (a service provider, 服务商, running stores for others, or a chain's staff). A user's memberships
are the only way to a merchant's data; leaving a store is deleting its membership.

API tokens are django-rest-knox's AuthToken (hashed, expiring, deleted on logout); this app adds
only the link from a user to the merchant whose data every token of that user can see.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MerchantMembership(models.Model):
    """A staff user of a merchant (商家员工): a request acts for one of the user's merchants at a time."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="merchant_memberships",
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
        constraints = [models.UniqueConstraint(fields=["user", "merchant"], name="membership_user_merchant")]

    def __str__(self):
        return f"{self.user} @ {self.merchant_id}"
