"""Refuse a request carrying a NUL character (path, query, headers, cookies) with a 400 before any view.

PostgreSQL cannot store or compare text containing NUL, so such a value reaching a query (a merchant id in
the address, an admin filter, a token) would be a 500. No legitimate client sends one.
"""
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from riskcase.api.exceptions import error_body


def has_nul(request):
    # request.GET is decoded from the query string as sent, where a NUL can only be "%00" or a raw NUL: the
    # string is enough, without building the QueryDict (the restrictions hot path has no query at all).
    query = request.META.get("QUERY_STRING", "")
    if "\x00" in request.path_info or "%00" in query or "\x00" in query:
        return True
    # Cookies are checked decoded (a quoted cookie can spell a NUL as an octal escape); none without the header.
    if "HTTP_COOKIE" in request.META and any("\x00" in k or "\x00" in v for k, v in request.COOKIES.items()):
        return True
    return any(key.startswith("HTTP_") and isinstance(value, str) and "\x00" in value
               for key, value in request.META.items())


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_nul(request):
            message = _("The request contains a NUL character.")
            if request.path_info.startswith("/api/"):
                return JsonResponse(error_body("bad_request", message), status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)
