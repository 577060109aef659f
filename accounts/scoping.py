"""The base of every merchant-facing API view: knox token in, the caller's merchant's rows out.

A view declares merchant_queryset() (all rows of its model, with select_related as needed);
get_queryset() narrows it to the caller's merchant, so get_object() on another merchant's id is
a 404 exactly like an id that does not exist.
"""
from rest_framework.permissions import IsAuthenticated

from riskcase.api.authentication import TokenAuthentication

from .permissions import IsMerchantStaff
from .selectors import merchant_id_for_request, scope_to_merchant


class MerchantScopedMixin:
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated, IsMerchantStaff]
    #: the lookup from a row of merchant_queryset() to its merchant's id
    merchant_field = "merchant_id"

    @property
    def merchant_id(self):
        return merchant_id_for_request(self.request)

    def merchant_queryset(self):
        raise NotImplementedError(f"{type(self).__name__} must define merchant_queryset()")

    def get_queryset(self):
        return scope_to_merchant(self.merchant_queryset(), self.merchant_id, field=self.merchant_field)
