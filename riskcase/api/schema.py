"""OpenAPI (drf-spectacular): the error format as a schema component, and what the public schema leaves out."""
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. not_found, invalid_range.")
    message = serializers.CharField(help_text="Human-readable, in the language of Accept-Language.")
    fields = serializers.DictField(
        child=serializers.JSONField(), help_text="Per request field: its error messages. Empty when none."
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


_DESCRIPTIONS = {
    400: "Invalid request",
    401: "Missing, expired or revoked token",
    403: "The token's user is not a merchant's staff user",
    404: "No such object, or it belongs to another merchant",
    409: "Conflict with the current state (changed by someone else, or not allowed in this state)",
    429: "Too many requests for this token",
}


def error_responses(*statuses):
    """extend_schema(responses=...) entries for the given error statuses, all in the error format."""
    return {s: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS.get(s, "Error")) for s in statuses}


def exclude_service_endpoints(endpoints, **kwargs):
    """PREPROCESSING_HOOK: the public schema documents the merchants' API, not the endpoints the
    platform's own systems call with service tokens (e.g. ingest)."""
    from metrics.authentication import ServiceTokenAuthentication

    kept = []
    for path, path_regex, method, callback in endpoints:
        view_class = getattr(callback, "cls", None)
        auth = getattr(view_class, "authentication_classes", ()) or ()
        if any(issubclass(a, ServiceTokenAuthentication) for a in auth):
            continue
        kept.append((path, path_regex, method, callback))
    return kept

