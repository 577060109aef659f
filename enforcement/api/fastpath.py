"""The restrictions endpoint's hot path: `GET /api/v1/restrictions/<merchant_id>/` answered by a middleware
placed right after the request id, NUL and security middleware, before sessions, locale, CSRF, auth,
messages, axes and DRF (issue 17: the ad and search systems call it on every page view).

It answers only the plain success: a GET without a query string, asking for JSON or anything (no Accept,
`*/*`, `application/json`), from an allowed host, with a valid service token (metrics.authentication.
service_token, the same rule DRF's authentication uses) that carries the view's scope (`grants`, the same
rule HasScope uses). The document comes from the same selector, rendered by DRF's JSONRenderer, so the
body is byte for byte what RestrictionsView answers; the headers are the same ones too (Allow,
X-Frame-Options, Content-Language and Vary from the request's language). Everything else, a missing,
malformed, revoked, expired or under-scoped token, a HEAD, `?format=`, an `Accept` with parameters, a bad
Host, goes on down the full stack to RestrictionsView, which gives today's errors and logs them.
RestrictionsView stays routed in the URLconf: it describes the endpoint in the OpenAPI schema and answers
whatever this path passes on.
"""
import re

from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language_from_request
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.renderers import JSONRenderer

from metrics.authentication import grants, service_token

from .. import selectors
from .views import RestrictionsView

# The URLconf's `api/v1/` + `restrictions/<str:merchant_id>/` (a str converter is [^/]+); a test checks that
# every path this matches resolves to RestrictionsView.
PATH = re.compile(r"/api/v1/restrictions/([^/]+)/")
PLAIN_ACCEPT = frozenset({"", "*/*", "application/json"})
ALLOW = "GET, HEAD, OPTIONS"  # what DRF's APIView says for a view with only get()
_renderer = JSONRenderer()
_frame_options = XFrameOptionsMiddleware(lambda request: None)  # its X-Frame-Options, from the settings


def _answers(request):
    """The merchant id when this request is the plain success this path answers, else None."""
    if request.method != "GET" or request.META.get("QUERY_STRING"):
        return None
    match = PATH.fullmatch(request.path_info)
    if match is None or request.META.get("HTTP_ACCEPT", "").strip() not in PLAIN_ACCEPT:
        return None
    try:
        request.get_host()
        token = service_token(request)
    except (DisallowedHost, AuthenticationFailed):
        return None
    if token is None or not grants(token, RestrictionsView.required_scope):
        return None
    return match.group(1)


def restrictions_response(request, merchant_id):
    body = _renderer.render(selectors.restriction_document(merchant_id))
    response = HttpResponse(body, content_type=_renderer.media_type)
    response["Content-Length"] = str(len(body))
    response["Allow"] = ALLOW
    response["Content-Language"] = get_language_from_request(request)
    patch_vary_headers(response, ("Accept-Language",))
    return _frame_options.process_response(request, response)


class RestrictionsFastPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        merchant_id = _answers(request)
        if merchant_id is None:
            return self.get_response(request)
        return restrictions_response(request, merchant_id)
