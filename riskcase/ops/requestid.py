"""Request ids: taken from X-Request-ID when it is sane, made up otherwise, echoed in the response
and carried by every log record of the request through a context variable."""
import re
import uuid
from contextvars import ContextVar

from django.core.signals import request_finished

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"

# Letters, digits and a few separators, at most 128 characters: enough for a UUID, a trace id or a
# proxy's own format, and nothing that can break a log line or a header.
VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

request_id_var = ContextVar("request_id", default=None)


def new_request_id():
    return uuid.uuid4().hex


def clean_request_id(value):
    """The given id when it is valid, else None."""
    if value and VALID.fullmatch(value):
        return value
    return None


def current_request_id():
    return request_id_var.get()


class RequestIdMiddleware:
    """Outermost middleware, so every response (redirects and errors included) carries the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = clean_request_id(request.META.get(META_KEY)) or new_request_id()
        request.request_id = request_id
        # Left set after the middleware returns: Django logs a 4xx or 5xx response after the whole
        # middleware chain, and that line needs the id too. request_finished clears it.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def forget_request_id(**kwargs):
    request_id_var.set(None)


request_finished.connect(forget_request_id, dispatch_uid="riskcase.ops.requestid.forget")
