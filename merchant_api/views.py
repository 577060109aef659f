"""Views of the merchants' API: the metrics series and the warnings."""
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scoping import MerchantScopedMixin
from cases.actors import Actor
from cases.errors import ConcurrencyError, TransitionNotAllowed
from cases.models import Warning
from cases.services import warning_acknowledge
from metrics.models import DailyMetric
from riskcase.api.exceptions import Conflict
from riskcase.api.schema import error_responses

from .filters import WarningFilter

UUID_REGEX = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
from .serializers import (
    AcknowledgeSerializer,
    MetricsRangeSerializer,
    MetricsSeriesSerializer,
    WarningDetailSerializer,
    WarningSerializer,
)


class MetricsView(MerchantScopedMixin, APIView):
    """The caller's daily series of complaint_rate (投诉率), negative_review_rate (差评率) and
    merchant_refund_rate (商责退单率) with their counts. Not paginated: at most 3 months of days."""

    def merchant_queryset(self):
        return DailyMetric.objects.all()

    @extend_schema(
        parameters=[MetricsRangeSerializer],
        responses={200: MetricsSeriesSerializer, **error_responses(400, 401, 403, 429)},
        operation_id="metrics_series", tags=["metrics"],
    )
    def get(self, request):
        params = MetricsRangeSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        start, end = params.validated_data["start"], params.validated_data["end"]
        days = self.get_queryset().filter(day__range=(start, end)).order_by("day")
        body = {"merchant_id": self.merchant_id, "start": start, "end": end, "days": days}
        return Response(MetricsSeriesSerializer(body).data)


class WarningViewSet(MerchantScopedMixin, viewsets.ReadOnlyModelViewSet):
    """The caller's warnings (预警), newest first; filter by state, risk point or product."""

    filterset_class = WarningFilter
    ordering = ("-opened_at", "-id")
    # Only well-formed UUIDs reach the database; anything else is an unknown URL (404).
    lookup_value_regex = UUID_REGEX

    def merchant_queryset(self):
        return Warning.objects.all()

    def get_serializer_class(self):
        return WarningDetailSerializer if self.action in {"retrieve", "acknowledge"} else WarningSerializer

    @extend_schema(responses={200: WarningSerializer(many=True), **error_responses(400, 401, 403, 429)},
                   operation_id="warnings_list", tags=["warnings"])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: WarningDetailSerializer, **error_responses(401, 403, 404, 429)},
                   operation_id="warnings_retrieve", tags=["warnings"],
                   description="One warning with its explanation. Another merchant's warning is a 404.")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=AcknowledgeSerializer,
        responses={200: WarningDetailSerializer, **error_responses(400, 401, 403, 404, 409, 429)},
        operation_id="warnings_acknowledge", tags=["warnings"],
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Say the merchant has seen the warning (确认). Only an open warning can be acknowledged."""
        warning = self.get_object()  # another merchant's warning is a 404 here, before any command
        body = AcknowledgeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            warning = warning_acknowledge(
                warning_id=warning.pk, actor=Actor.merchant(self.merchant_id),
                expected_version=body.validated_data.get("expected_version"),
            )
        except TransitionNotAllowed:
            raise Conflict(
                _("This warning is not open any more, so it cannot be acknowledged."),
                code="transition_not_allowed",
            ) from None
        except ConcurrencyError:
            raise Conflict(
                _("This warning was changed in the meantime; reload it and try again."),
                code="concurrency_error",
            ) from None
        return Response(WarningDetailSerializer(warning).data)
