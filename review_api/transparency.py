"""Statements of reasons and the transparency report over HTTP (service scope `transparency:read`, or a
reviewer), and the report page for senior reviewers."""
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from cases.abilities import is_senior
from enforcement import statements, transparency
from riskcase.api.schema import error_responses

from .views import ReviewView, scopes_doc

PAGE_MAX = 200


class PeriodSerializer(serializers.Serializer):
    since = serializers.DateField(help_text="First day (YYYY-MM-DD, platform time), inclusive.")
    until = serializers.DateField(help_text="Last day (YYYY-MM-DD, platform time), inclusive; not before `since`.")

    def validate(self, attrs):
        if attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"until": [_("The period ends before it starts.")]}, code="invalid_range")
        return attrs


class StatementPageSerializer(PeriodSerializer):
    page_size = serializers.IntegerField(min_value=1, max_value=PAGE_MAX, default=100, required=False)
    after = serializers.IntegerField(min_value=0, max_value=2**62, default=0, required=False,
                                     help_text="Continue after this statement (the number in the last `platform_uid` "
                                               "of the previous page).")


class StatementListSerializer(serializers.Serializer):
    results = serializers.ListField(child=serializers.DictField(), help_text="Statements of reasons (JSON Schema: "
                                    "enforcement/schemas/statement_of_reasons.schema.json).")
    next_after = serializers.IntegerField(allow_null=True,
                                          help_text="Pass as `after` for the next page; null at the end.")


def _query(serializer_class, request):
    """The validated query; a parameter given twice is refused (the schema declares each once)."""
    repeated = [k for k, values in request.query_params.lists() if len(values) > 1]
    if repeated:
        raise serializers.ValidationError({k: [_("Give this parameter once.")] for k in repeated})
    query = serializer_class(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    return query.validated_data


class StatementsView(ReviewView):
    required_scope = "transparency:read"

    @extend_schema(operation_id="transparency_statements_list", tags=["transparency"],
                   parameters=[StatementPageSerializer],
                   responses={200: StatementListSerializer, **error_responses(400, 401, 403, 429)},
                   description="Statements of reasons of the decisions taken in the period, oldest first, in the shape "
                               "of the EU DSA Transparency Database; merchants pseudonymised.\n\n"
                               + scopes_doc("transparency:read"))
    def get(self, request):
        query = _query(StatementPageSerializer, request)
        rows = statements.statements(since=query["since"], until=query["until"], after=query["after"],
                                     limit=query["page_size"] + 1)
        more = len(rows) > query["page_size"]
        rows = rows[: query["page_size"]]
        next_after = int(rows[-1]["platform_uid"].split("-")[1]) if more else None
        return Response({"results": rows, "next_after": next_after})


class ReportView(ReviewView):
    required_scope = "transparency:read"

    @extend_schema(operation_id="transparency_report", tags=["transparency"], parameters=[PeriodSerializer],
                   responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The report's figures"),
                              **error_responses(400, 401, 403, 429)},
                   description="The transparency report of the period as JSON.\n\n" + scopes_doc("transparency:read"))
    def get(self, request):
        query = _query(PeriodSerializer, request)
        return Response(transparency.report(since=query["since"], until=query["until"]))


class ReportCsvView(ReviewView):
    required_scope = "transparency:read"

    @extend_schema(operation_id="transparency_report_csv", tags=["transparency"], parameters=[PeriodSerializer],
                   responses={(200, "text/csv"): OpenApiTypes.STR,
                              **error_responses(400, 401, 403, 429)},
                   description="The transparency report of the period as CSV (section, key, value).\n\n"
                               + scopes_doc("transparency:read"))
    def get(self, request):
        query = _query(PeriodSerializer, request)
        figures = transparency.report(since=query["since"], until=query["until"])
        response = HttpResponse(transparency.as_csv(figures), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="transparency-{query["since"]}-{query["until"]}.csv"'
        return response


# --- the senior reviewers' page -----------------------------------------------------------------------

BAR_WIDTH, BAR_GAP, CHART_HEIGHT = 36, 14, 160


def _bars(items):
    """[(label, value, x, height)] for an inline SVG bar chart (no JavaScript)."""
    top = max([v for _, v in items] or [0]) or 1
    return [(label, value, i * (BAR_WIDTH + BAR_GAP), round(value / top * (CHART_HEIGHT - 30)))
            for i, (label, value) in enumerate(items)]


@staff_member_required
def report_page(request):
    if not is_senior(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    form = PeriodSerializer(data={"since": request.GET.get("since") or today.replace(day=1).isoformat(),
                                  "until": request.GET.get("until") or today.isoformat()})
    figures, errors = None, None
    if form.is_valid():
        figures = transparency.report(**form.validated_data)
    else:
        errors = form.errors
    chart = []
    if figures:
        per_point = {}
        for row in figures["cases"]:
            per_point[row["risk_point"]] = per_point.get(row["risk_point"], 0) + row["violations"]
        chart = _bars(sorted(per_point.items()))
    return render(request, "review_api/transparency.html", {
        "title": _("Transparency report"), "figures": figures, "errors": errors, "chart": chart,
        "chart_width": max(1, len(chart)) * (BAR_WIDTH + BAR_GAP), "chart_height": CHART_HEIGHT,
        "bar_width": BAR_WIDTH, "since": form.data["since"], "until": form.data["until"],
    })
