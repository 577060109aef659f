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

In front of all of it, RestrictionsShortcut (a WSGI wrapper, riskcase/wsgi.py) answers the same plain success
before Django's handler when the token is one this process already verified; the middleware answers the rest
of the plain successes (a token to verify with a query). Both build their answer with _answers and _response.
"""
import logging
import re

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_finished, request_started, setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language_from_request
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.renderers import JSONRenderer

from metrics.authentication import grants, remembered_service_token, service_token
from riskcase.ops.badinput import has_nul
from riskcase.ops.requestid import HEADER, META_KEY, clean_request_id, new_request_id, request_id_var

from .. import cache, selectors
from .views import RestrictionsView

logger = logging.getLogger(__name__)

# The URLconf's `api/v1/` + `restrictions/<str:merchant_id>/` (a str converter is [^/]+); a test checks that
# every path this matches resolves to RestrictionsView.
PATH = re.compile(r"/api/v1/restrictions/([^/]+)/")
PLAIN_ACCEPT = frozenset({"", "*/*", "application/json"})
ALLOW = "GET, HEAD, OPTIONS"  # what DRF's APIView says for a view with only get()
_renderer = JSONRenderer()
_frame_options = XFrameOptionsMiddleware(lambda request: None)  # its X-Frame-Options, from the settings


def _answers(request, token_of=service_token):
    """The merchant id when this request is the plain success this path answers, else None. `token_of` is
    the token rule: service_token, or remembered_service_token where no query may run."""
    if request.method != "GET" or request.META.get("QUERY_STRING"):
        return None
    match = PATH.fullmatch(request.path_info)
    if match is None or request.META.get("HTTP_ACCEPT", "").strip() not in PLAIN_ACCEPT:
        return None
    try:
        request.get_host()
        token = token_of(request)
    except (DisallowedHost, AuthenticationFailed):
        return None
    if token is None or not grants(token, RestrictionsView.required_scope):
        return None
    return match.group(1)


def restrictions_response(request, merchant_id):
    return _response(request, selectors.restriction_document(merchant_id))


def _response(request, document):
    body = _renderer.render(document)
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


class RestrictionsShortcut:
    """WSGI, in front of Django's handler (riskcase/wsgi.py): answers the plain success with a token this process
    verified within the setting's seconds, without Django's middleware chain and, on a cache hit, without its
    request signals and their connection checks, which cost more than the answer. A cache miss reads the row
    between those signals, as Django would. It applies what the middleware before RestrictionsFastPathMiddleware
    would: the NUL refusal (riskcase.ops.badinput), the security middleware's redirect and headers, the request
    id. Anything else, a token not remembered (its verification is a query), a refusal, an error, goes to Django
    unchanged, where RestrictionsFastPathMiddleware or the view answers it."""

    def __init__(self, application):
        self.application = application
        self.security = SecurityMiddleware(lambda request: None)

    def __call__(self, environ, start_response):
        response = None
        if environ.get("REQUEST_METHOD") == "GET" and PATH.fullmatch(environ.get("PATH_INFO", "")):
            try:
                # A copy: WSGIRequest writes the decoded PATH_INFO back into the dict it is given, and Django
                # would decode it a second time (a non-ASCII merchant id garbled, or refused).
                response = self.answer(WSGIRequest(dict(environ)))
            except Exception:  # never a 500 of its own: the full stack answers, and logs whatever it meets
                logger.exception("restrictions shortcut failed; handing the request to Django")
        if response is None:
            return self.application(environ, start_response)
        body, headers = response
        start_response("200 OK", headers)
        return [body]

    def answer(self, request):
        if has_nul(request) or self.security.process_request(request) is not None:
            return None
        merchant_id = _answers(request, token_of=remembered_service_token)
        if merchant_id is None:
            return None
        request_id = clean_request_id(request.META.get(META_KEY)) or new_request_id()
        # What the reads below log (Redis unavailable, say) carries the request's id, as behind the middleware.
        outside = request_id_var.set(request_id)
        try:
            document = cache.get(merchant_id)
            if document is None:
                # A miss reads the row inside the request signals Django would send: the database connection is
                # checked before (too old, broken, left in a transaction: closed) and after, as for any request.
                request_started.send(sender=type(self), environ=request.environ)
                try:
                    document = selectors.stored_document(merchant_id)
                finally:
                    request_finished.send(sender=type(self))
        finally:
            request_id_var.reset(outside)
        body = _renderer.render(document)
        return body, [("Content-Length", str(len(body))), ("Content-Language", _language(request)),
                      *self.fixed_headers(request), (HEADER, request_id)]

    def fixed_headers(self, request):
        """The headers of a success that are the same for every request, HTTPS or not: the ones _response and
        the security middleware give an empty document, worked out by them once (the same code, so the two paths
        cannot drift) and remembered until a setting changes."""
        secure = request.is_secure()
        fixed = _fixed_headers.get(secure)
        if fixed is None:
            probe = self.security.process_response(request, _response(request, {}))
            fixed = _fixed_headers[secure] = [(name, value) for name, value in probe.items()
                                              if name not in ("Content-Length", "Content-Language")]
        return fixed


_fixed_headers = {}  # is_secure() -> RestrictionsShortcut.fixed_headers
_languages = {}  # (language cookie, Accept-Language) -> get_language_from_request's answer
LANGUAGES_REMEMBERED = 512


def _language(request):
    """get_language_from_request(request), remembered per (language cookie, Accept-Language): it reads nothing
    else of the request, and parsing the header was a tenth of the shortcut's work."""
    key = (request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) if "HTTP_COOKIE" in request.META else None,
           request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
    language = _languages.get(key)
    if language is None:
        if len(_languages) >= LANGUAGES_REMEMBERED:
            _languages.clear()
        language = _languages[key] = get_language_from_request(request)
    return language


@receiver(setting_changed)
def _forget_remembered_headers(**kwargs):
    _fixed_headers.clear()
    _languages.clear()
