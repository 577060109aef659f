"""Views of the merchants' API: diagnosis, metrics, warnings, violations and their appeals, penalties."""
import json

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scoping import MerchantScopedMixin
from cases.errors import (
    AppealAlreadySubmitted,
    AppealWindowClosed,
    ConcurrencyError,
    TransitionNotAllowed,
)
from cases.models import AppealEvidence, Violation, Warning
from cases.services import appeal_submit, warning_acknowledge
from enforcement.models import Penalty
from enforcement.selectors import ever_in_force
from eventstore.actors import Actor
from metrics.models import DailyMetric, Merchant
from riskcase.api.exceptions import Conflict
from riskcase.api.filters import refuse_repeated
from riskcase.api.schema import ErrorSerializer, error_responses

from . import idempotency
from .dates import platform_today
from .diagnosis import merchant_diagnosis
from .filters import PenaltyFilter, ViolationFilter, WarningFilter
from .penalties import describe_all
from .serializers import (
    AcknowledgeSerializer,
    AppealRequestSerializer,
    DiagnosisSerializer,
    MetricsRangeSerializer,
    MetricsSeriesSerializer,
    PenaltySerializer,
    ViolationDetailSerializer,
    ViolationSerializer,
    WarningDetailSerializer,
    WarningSerializer,
)
from .uploads import check_evidence, file_too_large, guard_upload_size

UUID_REGEX = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


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
        refuse_repeated(request, ["start", "end"])
        params = MetricsRangeSerializer(data=request.query_params.dict())  # a plain dict: `?start=` is not absent
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


class DiagnosisView(MerchantScopedMixin, APIView):
    """The risk diagnosis (风险诊断) screen: open warnings per risk point, violations per tab, the
    three rates against the category's thresholds, and active penalties. A fixed number of queries."""

    merchant_field = "merchant_id"

    def merchant_queryset(self):
        return Merchant.objects.all()

    @extend_schema(responses={200: DiagnosisSerializer, **error_responses(401, 403, 429)},
                   operation_id="diagnosis", tags=["diagnosis"])
    def get(self, request):
        merchant = self.get_queryset().get()
        body = merchant_diagnosis(merchant, today=platform_today(), now=timezone.now())
        return Response(DiagnosisSerializer(body).data)


class ViolationViewSet(MerchantScopedMixin, viewsets.ReadOnlyModelViewSet):
    """The caller's violations (违规), newest first, by tab; one with its timeline; appealing one."""

    filterset_class = ViolationFilter
    ordering = ("-opened_at", "-id")
    lookup_value_regex = UUID_REGEX

    def merchant_queryset(self):
        violations = Violation.objects.select_related("appeal")
        if self.action in {"retrieve", "appeal"}:
            violations = violations.prefetch_related(
                Prefetch("appeal__evidence", queryset=AppealEvidence.objects.order_by("name", "id")))
        return violations

    def get_serializer_class(self):
        return ViolationSerializer if self.action == "list" else ViolationDetailSerializer

    @extend_schema(responses={200: ViolationSerializer(many=True), **error_responses(400, 401, 403, 429)},
                   operation_id="violations_list", tags=["violations"])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: ViolationDetailSerializer, **error_responses(401, 403, 404, 429)},
                   operation_id="violations_retrieve", tags=["violations"],
                   description="One violation with its explanation, appeal, decision (with the statement of "
                               "reasons) and timeline. Another merchant's violation is a 404.")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": AppealRequestSerializer},
        parameters=[OpenApiParameter(
            idempotency.HEADER, idempotency.SCHEMA, OpenApiParameter.HEADER, required=False,
            description="Any unique string (a UUID): a retry with the same key and the same request returns "
                        "the first response and creates nothing; the same key with another request is a 422.")],
        responses={201: ViolationDetailSerializer,
                   422: OpenApiResponse(ErrorSerializer, description="Idempotency-Key reused for another request"),
                   **error_responses(400, 401, 403, 404, 409, 429)},
        operation_id="violations_appeal", tags=["violations"],
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def appeal(self, request, pk=None):
        """Appeal (申诉) a pending violation within its window: a statement and up to 5 evidence files
        (PDF, JPEG or PNG, 10 MB each). A second appeal, or one after the deadline, is a 409."""
        violation = self.get_object()  # another merchant's violation is a 404, before anything else
        key = idempotency.key_from(request)
        guard = guard_upload_size(request._request)  # before the body is parsed
        body = AppealRequestSerializer(data=request.data)
        if guard.oversized:  # the oversized file was dropped while parsing: say so, whatever else is wrong
            raise file_too_large(guard.oversized[0])
        body.is_valid(raise_exception=True)
        checked = check_evidence(body.validated_data["files"])  # refused here: nothing stored
        statement = body.validated_data["statement"]
        expected_version = body.validated_data.get("expected_version")
        fingerprint = idempotency.request_hash(
            str(violation.pk), statement, expected_version, [(f.name, digest) for f, digest in checked])

        def submit():
            try:
                appeal_submit(violation_id=violation.pk, actor=Actor.merchant(self.merchant_id),
                              statement=statement, files=[f for f, _ in checked],
                              expected_version=expected_version)
            except AppealWindowClosed:
                raise Conflict(
                    _("The appeal window closed at %(deadline)s; this violation can no longer be appealed.")
                    % {"deadline": date_format(timezone.localtime(violation.appeal_deadline), "Y-m-d H:i")},
                    code="appeal_window_closed",
                ) from None
            except AppealAlreadySubmitted:
                raise Conflict(_("This violation has already been appealed; each violation can be appealed "
                                 "once."), code="appeal_already_submitted") from None
            except TransitionNotAllowed:
                raise Conflict(_("Only a pending violation can be appealed."),
                               code="transition_not_allowed") from None
            except ConcurrencyError:
                raise Conflict(_("This violation was changed in the meantime; reload it and try again."),
                               code="concurrency_error") from None
            fresh = self.get_queryset().get(pk=violation.pk)
            # Stored as the client received it, so a replay is byte-for-byte the same JSON.
            data = json.loads(JSONRenderer().render(ViolationDetailSerializer(fresh).data))
            return status.HTTP_201_CREATED, data

        code, data, replayed = idempotency.run_once(
            merchant_id=self.merchant_id, key=key, fingerprint=fingerprint, command=submit)
        response = Response(data, status=code)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response



class PenaltyViewSet(MerchantScopedMixin, viewsets.ReadOnlyModelViewSet):
    """The caller's penalties (处罚), newest first: those in force and past ones, each with what it
    restricts, the violations behind it and, once over, why it ended. Proposals still awaiting a
    reviewer's approval are not shown: they restrict nothing until imposed."""

    filterset_class = PenaltyFilter
    serializer_class = PenaltySerializer
    ordering = ("-proposed_at", "-id")
    lookup_value_regex = UUID_REGEX

    def merchant_queryset(self):
        return Penalty.objects.filter(ever_in_force(timezone.now()))

    @extend_schema(responses={200: PenaltySerializer(many=True), **error_responses(400, 401, 403, 429)},
                   operation_id="penalties_list", tags=["penalties"])
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        # Penalty.violation_ids is a list, not a relation: the violations of the whole page in one query.
        data = PenaltySerializer(describe_all(page, now=timezone.now()), many=True).data
        return self.get_paginated_response(data)

    @extend_schema(responses={200: PenaltySerializer, **error_responses(401, 403, 404, 429)},
                   operation_id="penalties_retrieve", tags=["penalties"],
                   description="One penalty with its reasons. Another merchant's penalty is a 404.")
    def retrieve(self, request, *args, **kwargs):
        [body] = describe_all([self.get_object()], now=timezone.now())
        return Response(PenaltySerializer(body).data)
