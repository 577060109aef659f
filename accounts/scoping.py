"""The base of every merchant-facing API view: knox token in, the caller's merchant's rows out.

A view declares merchant_queryset() (all rows of its model, with select_related as needed);
get_queryset() narrows it to the caller's merchant, so get_object() on another merchant's id is
a 404 exactly like an id that does not exist.
"""
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import IsAuthenticated

from riskcase.api.authentication import TokenAuthentication

from .permissions import IsMerchantStaff
from .selectors import MERCHANT_HEADER, merchant_id_for_request, scope_to_merchant

MERCHANT_PARAMETER = OpenApiParameter(
    MERCHANT_HEADER, str, OpenApiParameter.HEADER, required=False,
    description="The merchant this request acts for, one of those the user works for (login lists them). "
                "Optional for a user of a single merchant; required for a service provider or chain staff "
                "working for several (403 merchant_required without it, 403 not_member for any other merchant).")


class MerchantSchema(AutoSchema):
    """Documents the X-Merchant-Id header on every merchant-scoped operation."""

    def get_override_parameters(self):
        return [*super().get_override_parameters(), MERCHANT_PARAMETER]


class MerchantScopedMixin:
    schema = MerchantSchema()
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
