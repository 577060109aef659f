"""Restrictions for downstream systems (service token) and the public notice (公示) as JSON and HTML."""
from django.shortcuts import render
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from metrics.authentication import HasScope, ServiceTokenAuthentication

from .. import selectors


class RestrictionsView(APIView):
    authentication_classes = [ServiceTokenAuthentication]
    permission_classes = [HasScope]
    required_scope = "restrictions:read"
    throttle_classes = []  # platform systems on the hot path; the per-merchant-token budget does not apply

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, merchant_id):
        return Response(selectors.restriction_document(merchant_id))


def _notice_json(row):
    return {"merchant_id": row["merchant_id"], "name": row["name"], "risk_points": row["risk_points"],
            "starts_at": row["starts_at"].isoformat(), "ends_at": row["ends_at"].isoformat()}


class PublicNoticeView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response({"results": [_notice_json(r) for r in selectors.public_notices()]})


def public_notice_page(request):
    return render(request, "enforcement/public_notice.html", {"notices": selectors.public_notices()})
