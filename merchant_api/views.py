"""Views of the merchants' API: diagnosis, metrics, warnings, violations and their appeals, penalties."""
import json

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scoping import MerchantScopedMixin
from accounts.selectors import scope_to_merchant
from cases.errors import (
    TransitionNotAllowed,
)
from cases.models import AppealEvidence, RiskPoint, Violation, Warning
from cases.services import appeal_submit, warning_acknowledge, warning_rectify
from enforcement.models import Penalty
from enforcement.selectors import ever_in_force
from eventstore.actors import Actor
from metrics.models import DailyMetric, Merchant
from portal.dates import platform_today
from portal.diagnosis import diagnosis_plan, merchant_products_at_risk, product_rank, ranked_products_at_risk
from portal.facts import ORDERING as FACT_ORDERING
from portal.facts import case_facts, present, rate_facts
from portal.guidance import current_guidance
from portal.metrics import merchant_days, product_known
from portal.penalties import describe_all
from portal.refusals import REFUSED_ACKNOWLEDGE, REFUSED_APPEAL, acknowledge_refusal, appeal_refusal
from portal.selectors import day_metric
from riskcase.api.exceptions import Conflict
from riskcase.api.filters import refuse_repeated
from riskcase.api.pagination import CursorPagination, SortedListPagination
from riskcase.api.renderers import PlainJSONRenderer
from riskcase.api.responses import ReleasingResponse
from riskcase.api.schema import ErrorSerializer, error_responses
from riskcase.api.serializers import represent
from riskcase.lib.precompiled import Precompiled, run_plans

from . import idempotency
from .filters import PenaltyFilter, ViolationFilter, WarningFilter
from .serializers import (
    AcknowledgeSerializer,
    AppealRequestSerializer,
    DiagnosisSerializer,
    FactSerializer,
    FactsParamsSerializer,
    GuidanceSerializer,
    MetricsRangeSerializer,
    MetricsSeriesSerializer,
    PenaltySerializer,
    ProductAtRiskSerializer,
    ViolationDetailSerializer,
    ViolationSerializer,
    WarningDetailSerializer,
    WarningSerializer,
)
from .uploads import check_evidence, guard_upload_size, refuse_streamed

UUID_REGEX = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


class FactsPagination(CursorPagination):
    ordering = FACT_ORDERING

    def get_ordering(self, request, queryset, view):
        return self.ordering


class FactsMixin:
    """The facts behind a figure as a cursor-paginated list (one query a page, whatever its size)."""

    def facts_response(self, rows):
        paginator = FactsPagination()
        page = paginator.paginate_queryset(rows, self.request, view=self)
        return paginator.get_paginated_response(FactSerializer(list(present(page)), many=True).data)


class MetricsView(MerchantScopedMixin, APIView):
    """The caller's daily series of complaint_rate (投诉率), negative_review_rate (差评率) and
    merchant_refund_rate (商责退单率) with their counts. Not paginated: at most 3 months of days."""

    renderer_classes = [PlainJSONRenderer]  # DRF's bytes, by orjson (no float in the body)

    def merchant_queryset(self):
        return DailyMetric.objects.all()

    @extend_schema(
        parameters=[MetricsRangeSerializer],
        responses={200: MetricsSeriesSerializer, **error_responses(400, 401, 403, 404, 429)},
        operation_id="metrics_series", tags=["metrics"],
    )
    def get(self, request):
        refuse_repeated(request, ["start", "end"])
        params = MetricsRangeSerializer(data=request.query_params.dict())  # a plain dict: `?start=` is not absent
        params.is_valid(raise_exception=True)
        start, end, product = (params.validated_data[k] for k in ("start", "end", "product"))
        if product and not product_known(self.merchant_id, product):
            raise NotFound()  # an unknown product and another merchant's look the same
        days = merchant_days(self.merchant_id, start, end, product=product)  # the caller's own, through portal
        body = {"merchant_id": self.merchant_id, "product_id": product, "start": start, "end": end, "days": days}
        return ReleasingResponse(represent(MetricsSeriesSerializer, body))


class WarningViewSet(FactsMixin, MerchantScopedMixin, viewsets.ReadOnlyModelViewSet):
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

    @extend_schema(responses={200: FactSerializer(many=True), **error_responses(400, 401, 403, 404, 429)},
                   operation_id="warnings_facts", tags=["warnings"])
    @action(detail=True, methods=["get"])
    def facts(self, request, pk=None):
        """The orders, tickets, reviews or refunds this warning counted (no consumer personal data)."""
        return self.facts_response(case_facts(self.get_object()))

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
        except REFUSED_ACKNOWLEDGE as error:
            code, message = acknowledge_refusal(error)
            raise Conflict(message, code=code) from None
        return Response(WarningDetailSerializer(warning).data)

    @extend_schema(
        request={"multipart/form-data": inline_serializer("RectificationRequest", {
            "note": serializers.CharField(), "files": serializers.ListField(child=serializers.FileField(),
                                                                             required=False)})},
        responses={200: WarningDetailSerializer, **error_responses(400, 401, 403, 404, 409, 429)},
        operation_id="warnings_rectify", tags=["warnings"],
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def rectify(self, request, pk=None):
        """Answer an open warning with a rectification note (整改说明) and up to 5 files (PDF, JPEG, PNG);
        once per warning."""
        warning = self.get_object()  # another merchant's warning is a 404, before anything else
        guard = guard_upload_size(request._request)  # before the body is parsed
        refuse_streamed(guard)  # a file cut short while parsing (too large, too many): say so first
        note = (request.data.get("note") or "").strip()
        if not note:
            raise serializers.ValidationError({"note": [_("A rectification note is required.")]})
        checked = check_evidence(request.FILES.getlist("files"))
        try:
            warning = warning_rectify(warning_id=warning.pk, actor=Actor.merchant(self.merchant_id), note=note,
                                      files=[f for f, _digest in checked])
        except TransitionNotAllowed:
            raise Conflict(_("This warning is closed or was already answered."),
                           code="transition_not_allowed") from None
        return Response(WarningDetailSerializer(warning).data)


class DiagnosisView(MerchantScopedMixin, APIView):
    """The risk diagnosis (风险诊断) screen: open warnings per risk point, violations per tab, the
    three rates against the category's thresholds, and active penalties. A fixed number of queries."""

    renderer_classes = [PlainJSONRenderer]  # DRF's bytes, by orjson (no float in the body)
    merchant_field = "merchant_id"
    # get_queryset() (the caller's merchant's row), compiled once per database connection.
    scoped_merchant = Precompiled(lambda merchant_id: scope_to_merchant(Merchant.objects.all(), merchant_id),
                                  merchant_id=str)

    def merchant_queryset(self):
        return Merchant.objects.all()

    @extend_schema(responses={200: DiagnosisSerializer, **error_responses(401, 403, 429)},
                   operation_id="diagnosis", tags=["diagnosis"])
    def get(self, request):
        merchant_id = self.merchant_id
        if merchant_id is None:
            self.get_queryset().get()  # raises, as get() does without a merchant
        # The merchant's row read with the diagnosis's first reads: exactly one row, as get() finds it; otherwise
        # get() itself, to raise as it does (the other reads' rows are then dropped).
        merchant = self.scoped_merchant.later(merchant_id=merchant_id).then(
            lambda found: found[0] if len(found) == 1 else self.get_queryset().get())
        [body] = run_plans(diagnosis_plan(merchant, merchant_id, today=platform_today(), now=timezone.now()))
        return ReleasingResponse(represent(DiagnosisSerializer, body))


class ProductsAtRiskPagination(SortedListPagination):
    def key(self, item):
        return product_rank(item)


class ProductsAtRiskView(MerchantScopedMixin, generics.GenericAPIView):
    """All the caller's products at risk (风险商品), the most serious first, as diagnosis/ shows its first 20:
    each product with an open product warning or a standing product violation, with its own pooled rates. The
    products are ranked by their case counts; the rates are read for the page's products only."""

    merchant_field = "merchant_id"
    pagination_class = ProductsAtRiskPagination
    serializer_class = ProductAtRiskSerializer

    def merchant_queryset(self):
        return Merchant.objects.all()

    @extend_schema(responses={200: ProductAtRiskSerializer(many=True), **error_responses(400, 401, 403, 429)},
                   operation_id="products_at_risk_list", tags=["diagnosis"])
    def get(self, request):
        merchant = self.get_queryset().get()
        page = self.paginate_queryset(ranked_products_at_risk(merchant.merchant_id))
        return self.get_paginated_response(ProductAtRiskSerializer(merchant_products_at_risk(merchant, page),
                                                                   many=True).data)


class ViolationViewSet(FactsMixin, MerchantScopedMixin, viewsets.ReadOnlyModelViewSet):
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

    @extend_schema(responses={200: FactSerializer(many=True), **error_responses(400, 401, 403, 404, 429)},
                   operation_id="violations_facts", tags=["violations"])
    @action(detail=True, methods=["get"])
    def facts(self, request, pk=None):
        """The orders, tickets, reviews or refunds this violation counted (no consumer personal data)."""
        return self.facts_response(case_facts(self.get_object()))

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(description="the file"),
                              **error_responses(401, 403, 404, 429)}, tags=["violations"])
    @action(detail=True, methods=["get"], url_path=r"evidence/(?P<file_id>[0-9a-f-]{36})")
    def evidence(self, request, pk=None, file_id=None):
        """Download a file of the case's grounds that the reviewer shared (another merchant's case or a file
        not shared is a 404)."""
        from django.http import FileResponse, Http404

        from cases.selectors import shared_evidence

        found = shared_evidence(self.get_object(), file_id)
        if found is None:
            raise Http404
        return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)

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
        refuse_streamed(guard)  # a file cut short while parsing (too large, too many): say so first
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
            except REFUSED_APPEAL as error:
                code, message = appeal_refusal(error, violation)
                raise Conflict(message, code=code) from None
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


class MetricsFactsView(FactsMixin, MerchantScopedMixin, generics.GenericAPIView):
    """The orders, complaint tickets, negative reviews or merchant-responsibility refunds behind one day of a
    rate, as the day was last computed. Only the caller's own facts; no consumer personal data."""

    serializer_class = FactSerializer

    def merchant_queryset(self):
        return DailyMetric.objects.all()

    @extend_schema(parameters=[FactsParamsSerializer,
                               OpenApiParameter("day", OpenApiTypes.DATE, OpenApiParameter.PATH,
                                                description="The day of the rate (YYYY-MM-DD).")],
                   responses={200: FactSerializer(many=True), **error_responses(400, 401, 403, 404, 429)},
                   operation_id="metrics_day_facts", tags=["metrics"])
    def get(self, request, day):
        refuse_repeated(request, ["rate", "part", "product"])
        params = FactsParamsSerializer(data=request.query_params.dict())  # a plain dict: `?part=` is not absent
        params.is_valid(raise_exception=True)
        product = params.validated_data.get("product") or None
        if product and not product_known(self.merchant_id, product):
            raise NotFound()  # an unknown product and another merchant's look the same
        metric = day_metric(self.merchant_id, day, product=product)  # the store's day, or the product's
        rows = rate_facts(self.merchant_id, rate=params.validated_data["rate"], start=day, end=day,
                          as_of=metric.as_of if metric else day, part=params.validated_data["part"], product=product)
        return self.facts_response(rows)


class GuidanceView(MerchantScopedMixin, APIView):
    """Guidance for a risk point (如何避免此类违规行为): what it means, how it is computed, how to improve,
    how to appeal and what may follow, in the language of Accept-Language; the latest version."""

    @extend_schema(parameters=[OpenApiParameter("risk_point", str, OpenApiParameter.PATH,
                                                enum=list(RiskPoint.values))],
                   responses={200: GuidanceSerializer, **error_responses(401, 403, 404, 429)},
                   operation_id="guidance_retrieve", tags=["guidance"])
    def get(self, request, risk_point):
        guidance = current_guidance(risk_point) if risk_point in RiskPoint.values else None
        if guidance is None:
            raise NotFound()
        body = {**{f: getattr(guidance, f) for f in ("risk_point", "language", "version", "meaning", "computation",
                                                     "improve", "appeal", "reminder", "created_at")},
                "risk_point_label": RiskPoint(risk_point).label}
        return Response(GuidanceSerializer(body).data)
