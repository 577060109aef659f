"""The platform's ingest endpoint: NDJSON in, the same counts and per-line errors as the command."""
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from metrics.authentication import HasScope, ServiceTokenAuthentication
from metrics.ingest import ingest_lines


class IngestView(APIView):
    """POST NDJSON trade facts. 200 when every line was accepted; 400 when some were rejected
    (the valid lines are still ingested, the body lists the rejected ones by line number)."""

    authentication_classes = [ServiceTokenAuthentication]
    permission_classes = [HasScope]
    required_scope = "ingest"
    throttle_classes = []  # the platform's own systems: the per-merchant-token budget does not apply
    parser_classes = []  # the body is streamed line by line, never loaded whole

    @extend_schema(
        operation_id="ingest", tags=["service"],
        request={"application/x-ndjson": OpenApiTypes.STR},
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="Counts of the ingested lines"),
                   400: OpenApiResponse(OpenApiTypes.OBJECT, description="Counts and the rejected lines"),
                   401: OpenApiResponse(OpenApiTypes.OBJECT), 403: OpenApiResponse(OpenApiTypes.OBJECT),
                   415: OpenApiResponse(OpenApiTypes.OBJECT)},
        description="NDJSON trade facts (data contract section 2), one per line.\n\n"
                    "**Who:** a service token with scope `ingest`.",
    )
    def post(self, request):
        content_type = request.content_type.split(";")[0].strip()
        if content_type not in {"application/x-ndjson", "application/jsonl", "application/json-lines",
                                "text/plain", ""}:
            return Response(
                {"detail": _("Send NDJSON (Content-Type: application/x-ndjson).")},
                status=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            )
        report = ingest_lines(iter(request._request), source="api")
        body = report.as_dict()
        if report.rejected:
            body["detail"] = _("%(count)d lines were rejected; every other line was ingested.") % {
                "count": report.rejected}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(body)
