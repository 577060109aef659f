"""Who may call the merchants' API: a merchant's staff user, through a knox token."""
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions

from .selectors import merchant_id_for_request


class IsMerchantStaff(permissions.BasePermission):
    """The caller is a staff user of some merchant. Which merchant's data they see is the job of
    MerchantScopedMixin: objects of other merchants are simply not in the queryset (404)."""

    message = _("This API is for the staff users of a merchant.")

    def has_permission(self, request, view):
        return merchant_id_for_request(request) is not None

    def has_object_permission(self, request, view, obj):
        # Defence in depth behind the scoped queryset: still a 404, never a 403 that confirms existence.
        owner = getattr(obj, "merchant_id", None)
        if owner is None or owner != merchant_id_for_request(request):
            raise exceptions.NotFound()
        return True
