"""Who may call the merchants' API: a merchant's staff user, through a knox token."""
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions

from .selectors import MERCHANT_HEADER, api_merchant_choice, merchant_id_for_request

MESSAGES = {
    "not_member": _("This API is for the staff users of a merchant, and only for the merchants they work for."),
    "merchant_required": _("You work for several merchants: name one in the X-Merchant-Id header."),
}


class IsMerchantStaff(permissions.BasePermission):
    """The caller is a staff user of the merchant the request names (X-Merchant-Id), or of their only
    merchant. Which rows they see is the job of MerchantScopedMixin: objects of other merchants are simply
    not in the queryset (404)."""

    message = MESSAGES["not_member"]
    header = MERCHANT_HEADER

    def has_permission(self, request, view):
        choice = api_merchant_choice(request)
        if choice.error == "merchant_required":
            raise exceptions.PermissionDenied(MESSAGES["merchant_required"], code="merchant_required")
        return choice.merchant_id is not None

    def has_object_permission(self, request, view, obj):
        # Defence in depth behind the scoped queryset: still a 404, never a 403 that confirms existence.
        owner = getattr(obj, "merchant_id", None)
        if owner is None or owner != merchant_id_for_request(request):
            raise exceptions.NotFound()
        return True
