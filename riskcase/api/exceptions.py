"""One error format for every API response that is not a success:

    {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}

`code` is stable and meant for programs; `message` is for people, in the language chosen by
Accept-Language (English or Simplified Chinese); `fields` maps a request field to its messages
(empty unless the request had invalid fields). DRF exceptions, Django's Http404 and
PermissionDenied, and the domain errors of the services all end up here.
"""
import re

import django_fsm
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from eventstore.errors import DomainError

# Codes of DRF's field errors that say nothing more than "invalid": the top-level code is then "invalid".
_GENERIC_FIELD_CODES = {"invalid", "required", "null", "blank"}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, detail=None, code=None):
        super().__init__(detail or _("The request conflicts with the current state of the resource."), code)


def error_body(code, message, fields=None):
    return {"error": {"code": str(code), "message": str(message), "fields": fields or {}}}


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def as_api_exception(exc):
    """The APIException to answer with, or None when exc is not one we know (a real server error)."""
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, Http404):
        # Never Django's "No Warning matches the given query": the same words for missing and not yours.
        return exceptions.NotFound(_("Not found."))
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        # A model or form field refused a value (a malformed UUID, say): the request's fault, not ours.
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return exceptions.ValidationError(detail)
    if isinstance(exc, DomainError):  # each domain error carries its own message and status
        field = exc.context.get("field")
        if field and exc.status == 400:  # a refusal about one request field: listed under it as well
            return exceptions.ValidationError({field: [exceptions.ErrorDetail(str(exc), code=_snake(type(exc).__name__))]})
        error = exceptions.APIException(str(exc), code=_snake(type(exc).__name__))
        error.status_code = exc.status
        return error
    if isinstance(exc, django_fsm.TransitionNotAllowed):
        return Conflict(_("This action is not allowed in the current state."), code="transition_not_allowed")
    return None


def _first_message(detail):
    """(message, code) of the first error in a ValidationError's nested detail."""
    if isinstance(detail, dict):
        for value in detail.values():
            found = _first_message(value)
            if found:
                return found
        return None
    if isinstance(detail, list):
        for value in detail:
            found = _first_message(value)
            if found:
                return found
        return None
    return str(detail), getattr(detail, "code", "invalid")


def _plain(detail):
    if isinstance(detail, dict):
        return {str(k): _plain(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_plain(v) for v in detail]
    return str(detail)


def _validation_body(exc):
    detail = exc.detail
    fields = {}
    non_field = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in ("non_field_errors", "__all__"):
                non_field.extend(value if isinstance(value, list) else [value])
            else:
                fields[str(key)] = _plain(value)
    else:
        non_field.extend(detail if isinstance(detail, list) else [detail])
    first = _first_message(non_field) or _first_message(detail)
    if non_field and first or first and len(fields) == 1:
        message, code = first
    else:
        message, code = _("Some fields are invalid."), "invalid"
    if code in _GENERIC_FIELD_CODES:
        code = "invalid"
    return error_body(code, message, fields)


def _body_for(exc):
    if isinstance(exc, exceptions.ValidationError):
        return _validation_body(exc)
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    detail = exc.detail
    message = detail if isinstance(detail, str) else (_first_message(detail) or (exc.default_detail,))[0]
    return error_body(code, message)


def exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every error response in the one format."""
    api_exc = as_api_exception(exc)
    if api_exc is None:
        return None  # a real bug: Django's 500 handler answers (in the same format under /api/)
    response = drf_exception_handler(api_exc, context)
    if response is None:
        return None
    response.data = _body_for(api_exc)
    return response


def _is_api(request):
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    """handler404: the error format under /api/ (an unknown URL), Django's page elsewhere."""
    if _is_api(request):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500: the error format under /api/, Django's page elsewhere. Says nothing about the cause."""
    if _is_api(request):
        return JsonResponse(
            error_body("server_error", _("Something went wrong on our side; please try again later.")),
            status=500,
        )
    return defaults.server_error(request)
